//! Networking.
pub mod phy;
