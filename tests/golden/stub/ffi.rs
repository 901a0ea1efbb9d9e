// SPDX-License-Identifier: GPL-2.0

//! Stand-in for the kernel's `ffi` crate: C types, as rust/ffi.rs maps them.

#![no_std]
#![allow(non_camel_case_types)]

pub type c_char = i8;
pub type c_schar = i8;
pub type c_uchar = u8;
pub type c_short = i16;
pub type c_ushort = u16;
pub type c_int = i32;
pub type c_uint = u32;
pub type c_long = isize;
pub type c_ulong = usize;
pub type c_longlong = i64;
pub type c_ulonglong = u64;
pub use core::ffi::c_void;
