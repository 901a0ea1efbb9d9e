// SPDX-License-Identifier: GPL-2.0

//! Units of a widget's speed: a hand-written file, re-exported as a list.

/// Revolutions per minute.
pub struct Rpm(pub u32);

/// Revolutions per second.
pub struct Rps(pub u32);
