// SPDX-License-Identifier: GPL-2.0

//! The file operations of DRM devices and the table of a driver's own ioctls.
//!
//! Hand-written part of `kernel::drm` (kgen spec `header-specs/drm.yaml`): a driver ioctl's C
//! handler gets `void *data`; which type it is, and that the table's index, number and size
//! agree, are what the macros here state at compile time.

use crate::bindings;

/// An entry of a driver's ioctl table (`struct drm_ioctl_desc`), as
/// [`declare_drm_ioctls!`](crate::declare_drm_ioctls) makes it.
#[repr(transparent)]
pub struct DrmIoctlDescriptor(bindings::drm_ioctl_desc);

/// The C handler of a driver ioctl (`drm_ioctl_t`).
type Handler = unsafe extern "C" fn(
    *mut bindings::drm_device,
    *mut core::ffi::c_void,
    *mut bindings::drm_file,
) -> core::ffi::c_int;

impl DrmIoctlDescriptor {
    /// An entry for command `cmd` with `flags`, handled by `func`. Only for
    /// [`declare_drm_ioctls!`](crate::declare_drm_ioctls), which makes `func` from a typed Rust
    /// handler.
    #[doc(hidden)]
    pub const fn new(cmd: u32, flags: u32, func: Handler, name: &'static crate::str::CStr) -> Self {
        Self(bindings::drm_ioctl_desc {
            cmd,
            flags,
            func: Some(func),
            name: name.as_char_ptr(),
        })
    }

    /// Returns the command number of the entry.
    pub const fn cmd(&self) -> u32 {
        self.0.cmd
    }
}

// SAFETY: The entry is plain data: its pointers are a `'static` string and a function, which
// any thread may read.
unsafe impl Sync for DrmIoctlDescriptor {}

/// The file operations of every DRM device of a kgen driver: the DRM core's, with GEM mmap
/// (`DEFINE_DRM_GEM_FOPS`).
///
/// It has no `compat_ioctl` (`drm_compat_ioctl`, which exists only with `CONFIG_COMPAT`): 32-bit
/// processes on a 64-bit kernel get `ENOTTY`. It has no module owner: each driver module makes
/// its own [`Fops`] with [`drm_fops!`](crate::drm_fops).
pub(crate) const FOPS: bindings::file_operations = bindings::file_operations {
    open: Some(bindings::drm_open),
    release: Some(bindings::drm_release),
    unlocked_ioctl: Some(bindings::drm_ioctl),
    poll: Some(bindings::drm_poll),
    read: Some(bindings::drm_read),
    llseek: Some(bindings::noop_llseek),
    mmap: Some(bindings::drm_gem_mmap),
    fop_flags: FOP_UNSIGNED_OFFSET,
    // SAFETY: Every other member of `struct file_operations` is a function pointer or an
    // integer, for which all zeroes means "not implemented" or nothing.
    ..unsafe { core::mem::zeroed() }
};

/// The file operations of the DRM devices of one module, owned by the module: a static of the
/// module, made by [`drm_fops!`](crate::drm_fops) and passed to [`Device::new`].
///
/// The DRM core takes a reference to the owner for each open file (`fops_get` in
/// `drm_stub_open`), so the module is not unloaded while a file of its devices is open, and the
/// VFS reads the table after the file's release, so the table outlives every file.
///
/// [`Device::new`]: super::Device::new
#[repr(transparent)]
pub struct Fops(bindings::file_operations);

// SAFETY: The table is read-only data: function pointers and the module pointer.
unsafe impl Sync for Fops {}

impl Fops {
    /// The GEM file operations, owned by `owner`.
    ///
    /// # Safety
    ///
    /// `owner` is the `THIS_MODULE` of the module that has the returned value as a static (null
    /// for code built into the kernel).
    #[doc(hidden)]
    pub const unsafe fn new(owner: *mut bindings::module) -> Self {
        let mut fops = FOPS;
        fops.owner = owner;
        Self(fops)
    }

    /// Returns the C table.
    pub(crate) fn as_raw(&'static self) -> *const bindings::file_operations {
        &self.0
    }
}

/// Makes the [`Fops`] of the calling module: a `&'static Fops` owned by its `THIS_MODULE`, for
/// [`Device::new`](crate::drm::Device::new).
#[macro_export]
macro_rules! drm_fops {
    () => {{
        #[cfg(MODULE)]
        // SAFETY: `__this_module` is the module's own, made by the kernel when it loads it, so
        // it is the owner of a static of this module.
        static FOPS: $crate::drm::Fops = unsafe {
            extern "C" {
                static __this_module: $crate::types::Opaque<$crate::bindings::module>;
            }
            $crate::drm::Fops::new(__this_module.get())
        };
        #[cfg(not(MODULE))]
        // SAFETY: Code built into the kernel has no module: its owner is null.
        static FOPS: $crate::drm::Fops = unsafe { $crate::drm::Fops::new(::core::ptr::null_mut()) };
        &FOPS
    }};
}

/// `FOP_UNSIGNED_OFFSET` (include/linux/fs.h, a cast that bindgen does not evaluate): mmap
/// offsets are unsigned, as the GEM fake offsets are.
const FOP_UNSIGNED_OFFSET: bindings::fop_flags_t = 1 << 5;

/// The number of the ioctl `nr` of a driver (`DRM_IOWR(DRM_COMMAND_BASE + nr, T)`): the driver
/// ioctls of DRM read and write their argument, a `T`.
pub const fn driver_cmd<T>(nr: u32) -> u32 {
    crate::ioctl::_IOWR::<T>(
        bindings::DRM_IOCTL_BASE as u32,
        bindings::DRM_COMMAND_BASE + nr,
    )
}

/// Declares a driver's ioctls as the `IOCTLS` constant of its [`Driver`](super::Driver)
/// implementation.
///
/// Each entry is `(NAME, nr, Type, flags, handler)`: the ioctl's name, its number among the
/// driver's ioctls (0, 1, ... in order: the table is indexed by it), the type of its argument,
/// an or of [`ioctl_flags`](super::ioctl_flags), and a function
/// `fn(&Device<Self>, &mut Type, &File<Self>) -> Result<u32>`. The command number is
/// `DRM_IOWR(DRM_COMMAND_BASE + nr, Type)`, so its size field is `size_of::<Type>()`, checked
/// to fit at compile time; `Type` is declared with
/// [`drm_uapi_struct!`](crate::drm_uapi_struct). The DRM core copies the argument in and
/// out, zero-extended from what userspace passed; the handler's `Ok(n)` is the ioctl's return
/// value.
#[macro_export]
macro_rules! declare_drm_ioctls {
    ( $( ($name:ident, $nr:expr, $ty:ty, $flags:expr, $handler:expr) ),* $(,)? ) => {
        const IOCTLS: &'static [$crate::drm::DrmIoctlDescriptor] = {
            const TABLE: &[$crate::drm::DrmIoctlDescriptor] = &[$(
                $crate::drm::DrmIoctlDescriptor::new(
                    $crate::drm::ioctl::driver_cmd::<$ty>($nr),
                    $flags,
                    {
                        /// The C handler of the ioctl.
                        ///
                        /// # Safety
                        ///
                        /// Called only by `drm_ioctl` for a device and file of the driver, with
                        /// `data` pointing at a kernel copy of the argument at least as large
                        /// as the table's size for it (its alignment is not guaranteed).
                        unsafe extern "C" fn handler(
                            dev: *mut $crate::bindings::drm_device,
                            data: *mut ::core::ffi::c_void,
                            file: *mut $crate::bindings::drm_file,
                        ) -> ::core::ffi::c_int {
                            // SAFETY: `dev` is a device allocated for the driver, valid for the
                            // call (the contract of `drm_ioctl`).
                            let dev = unsafe { $crate::drm::Device::as_ref(dev) };
                            // SAFETY: `file` is an open file of `dev`, valid for the call.
                            let file = unsafe { $crate::drm::File::as_ref(file) };
                            let data = data.cast::<$ty>();
                            // SAFETY: `data` points at `size_of::<$ty>()` initialized bytes (the
                            // core zero-extends what userspace passed), and every bit pattern is
                            // a valid `$ty` (a `drm_uapi_struct!`); it may be unaligned.
                            let mut arg = unsafe { data.read_unaligned() };
                            let ret = $handler(dev, &mut arg, file);
                            // SAFETY: `data` is valid for writes of a `$ty`, which the core
                            // copies back to userspace.
                            unsafe { data.write_unaligned(arg) };
                            match ret {
                                Ok(v) => v as ::core::ffi::c_int,
                                Err(e) => e.to_errno(),
                            }
                        }
                        handler
                    },
                    $crate::c_str!(::core::stringify!($name)),
                ),
            )*];
            // The table is indexed by `nr - DRM_COMMAND_BASE`: entry `i` must be ioctl `i`.
            let mut i = 0;
            while i < TABLE.len() {
                let nr = $crate::ioctl::_IOC_NR(TABLE[i].cmd());
                let nr = nr - $crate::bindings::DRM_COMMAND_BASE;
                ::core::assert!(nr as usize == i, "driver ioctls must be numbered 0, 1, ...");
                i += 1;
            }
            TABLE
        };
    };
}

/// Declares the argument of a driver ioctl: a `#[repr(C)]` struct of integer fields without
/// padding, which any bytes from userspace make a valid value of.
///
/// ```ignore
/// kernel::drm_uapi_struct! {
///     /// The argument of `DRM_IOCTL_EXAMPLE_CREATE`.
///     pub struct ExampleCreate {
///         pub size: u64,
///         pub handle: u32,
///         pub pad: u32,
///     }
/// }
/// ```
#[macro_export]
macro_rules! drm_uapi_struct {
    (
        $(#[$meta:meta])*
        $vis:vis struct $name:ident {
            $( $(#[$fmeta:meta])* $fvis:vis $field:ident : $fty:ty ),* $(,)?
        }
    ) => {
        $(#[$meta])*
        #[repr(C)]
        #[derive(Clone, Copy, Default, Debug)]
        $vis struct $name {
            $( $(#[$fmeta])* $fvis $field: $fty ),*
        }

        const _: () = {
            // Only integers (and arrays of them): every bit pattern is valid.
            const fn integer<T: $crate::types::FromBytes + $crate::types::AsBytes>() {}
            $( integer::<$fty>(); )*
            // No padding, which would be bytes of the kernel's stack copied to userspace.
            ::core::assert!(
                ::core::mem::size_of::<$name>() == 0 $( + ::core::mem::size_of::<$fty>() )*,
                "a DRM uapi struct must have no padding: add explicit `pad` fields"
            );
        };

        // SAFETY: `$name` is `repr(C)` with only integer fields (checked above), so any bytes
        // make a valid value.
        unsafe impl $crate::types::FromBytes for $name {}
        // SAFETY: `$name` has no padding (checked above), so all its bytes are initialized.
        unsafe impl $crate::types::AsBytes for $name {}
    };
}
