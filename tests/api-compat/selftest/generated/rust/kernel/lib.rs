//! Stand-in `kernel` crate: generated side of the self-test.
#![no_std]
pub mod block;
pub mod net;

/// Outside the compared modules: not compared.
pub fn unrelated() {}
