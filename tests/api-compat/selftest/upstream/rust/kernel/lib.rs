//! Stand-in `kernel` crate: upstream's side of the self-test.
#![no_std]
pub mod block;
pub mod net;

/// Outside the compared modules: not compared.
pub fn unrelated() {}
