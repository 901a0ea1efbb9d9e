// SPDX-License-Identifier: GPL-2.0

// Stand-in for the parts of the kernel crate that generated modules use, for
// compiling golden outputs with plain rustc. Semantics follow rust/kernel;
// nothing here runs.

pub use stub_macros as macros;

pub use ffi;

pub mod error {
    pub struct Error(i32);
    impl Error {
        pub fn from_errno(e: i32) -> Error {
            Error(e)
        }
        pub fn to_errno(&self) -> i32 {
            self.0
        }
    }
    impl From<core::num::TryFromIntError> for Error {
        fn from(_: core::num::TryFromIntError) -> Error {
            code::EINVAL
        }
    }
    pub type Result<T = (), E = Error> = core::result::Result<T, E>;
    pub mod code {
        pub const EINVAL: super::Error = super::Error(-22);
    }
    pub fn to_result(err: i32) -> Result {
        if err < 0 {
            Err(Error(err))
        } else {
            Ok(())
        }
    }
    pub fn from_result<T, F>(f: F) -> T
    where
        T: From<i16>,
        F: FnOnce() -> Result<T>,
    {
        match f() {
            Ok(v) => v,
            Err(e) => T::from(e.0 as i16),
        }
    }
    pub fn from_err_ptr<T>(ptr: *mut T) -> Result<*mut T> {
        if (ptr as isize) < 0 && (ptr as isize) >= -4095 {
            Err(Error(ptr as isize as i32))
        } else {
            Ok(ptr)
        }
    }
    pub const VTABLE_DEFAULT_ERROR: &str = "This function must not be called, see the #[vtable] documentation.";
}

pub mod types {
    pub struct ARef<T: AlwaysRefCounted>(#[allow(dead_code)] core::ptr::NonNull<T>);
    impl<T: AlwaysRefCounted> ARef<T> {
        /// # Safety
        ///
        /// `ptr` holds a reference that the `ARef` takes over.
        pub unsafe fn from_raw(ptr: core::ptr::NonNull<T>) -> Self {
            ARef(ptr)
        }
    }
    /// # Safety
    ///
    /// As in rust/kernel/types.rs: the object stays alive while the count is non-zero.
    pub unsafe trait AlwaysRefCounted {
        fn inc_ref(&self);
        /// # Safety
        ///
        /// The count of `obj` is non-zero.
        unsafe fn dec_ref(obj: core::ptr::NonNull<Self>);
    }
    pub struct Opaque<T>(core::cell::UnsafeCell<core::mem::MaybeUninit<T>>);
    impl<T> Opaque<T> {
        pub const fn new(v: T) -> Self {
            Opaque(core::cell::UnsafeCell::new(core::mem::MaybeUninit::new(v)))
        }
        pub const fn get(&self) -> *mut T {
            self.0.get().cast()
        }
    }
}

pub mod str {
    pub struct CStr([u8]);
    impl CStr {
        pub const fn as_char_ptr(&self) -> *const crate::ffi::c_char {
            self.0.as_ptr().cast()
        }
    }
}

pub struct ThisModule(pub *mut bindings::module);

impl ThisModule {
    pub const fn as_ptr(&self) -> *mut bindings::module {
        self.0
    }
}

pub const fn build_error(_msg: &'static str) -> ! {
    panic!("build_error")
}

pub mod prelude {
    pub use crate::error::{code, Error, Result};
    pub use crate::macros::vtable;
    pub use crate::str::CStr;
    pub use crate::ThisModule;
    pub use core::pin::Pin;
}
