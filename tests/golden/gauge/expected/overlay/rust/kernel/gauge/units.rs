// SPDX-License-Identifier: GPL-2.0

//! Units of a gauge's registers: a hand-written file, re-exported as a list.

/// Millivolts.
pub struct MilliVolt(pub u16);

/// Milliamperes.
pub struct MilliAmp(pub u16);
