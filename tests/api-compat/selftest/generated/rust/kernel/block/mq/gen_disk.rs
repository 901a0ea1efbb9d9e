//! Disks.

/// A disk.
pub struct GenDisk;
