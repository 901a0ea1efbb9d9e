// SPDX-License-Identifier: GPL-2.0

//! DRM devices with the driver's data embedded, and their registration.
//!
//! Hand-written part of `kernel::drm` (kgen spec `header-specs/drm.yaml`): the C side allocates
//! a driver's device as one block holding the `struct drm_device` and whatever follows it
//! (`__devm_drm_dev_alloc`); what follows, and when it may be dropped, is a Rust layout and a
//! Rust rule, not a C declaration.

use super::{Device, Driver, DriverVTable, Fops};
use crate::{
    bindings, device,
    error::{from_err_ptr, to_result},
    prelude::*,
    str::CStr,
    types::{ARef, AlwaysRefCounted},
};
use core::{
    mem::{offset_of, size_of, MaybeUninit},
    ops::Deref,
    ptr::{addr_of, addr_of_mut, NonNull},
    sync::atomic::{AtomicBool, Ordering},
};

/// The name, description and version of a DRM driver, as `DRM_IOCTL_VERSION` reports them to
/// userspace. (6.12 reports the date of every driver as "0": the C member is deprecated.)
pub struct DriverInfo {
    /// The major version.
    pub major: i32,
    /// The minor version.
    pub minor: i32,
    /// The patch level.
    pub patchlevel: i32,
    /// The driver's name.
    pub name: &'static CStr,
    /// A one-line description of the driver.
    pub desc: &'static CStr,
}

/// The allocation behind a [`Device<T>`]: the C device first, then its own copy of the driver
/// table, then the driver's data.
///
/// # Invariants
///
/// `data` is initialized while `initialized` is true. The C side allocates the block zeroed, so
/// `initialized` is false until [`Device::new`] has written `data`. Once [`Device::new`]
/// returns, the device's `driver` points at `driver`, whose `fops` are the driver module's
/// [`Fops`]. `registered` is set by the one [`Registration::new`] that registers the device.
#[repr(C)]
struct Container<T: Driver> {
    dev: Device<T>,
    driver: bindings::drm_driver,
    data: MaybeUninit<T::Data>,
    initialized: bool,
    registered: AtomicBool,
}

impl<T: Driver> Device<T> {
    /// Allocates a DRM device of driver `T` under `parent`, with `data` embedded.
    ///
    /// The device lives while references to it exist: the returned one, one that `parent`
    /// holds until it is unbound or deleted (`__devm_drm_dev_alloc`), and one per open file.
    /// `data` is dropped when the last one goes. Make it visible to userspace with
    /// [`Registration::new`]. `fops` are the driver module's, from
    /// [`drm_fops!`](crate::drm_fops): each open file of the device holds a reference to the
    /// module, so the module cannot be unloaded while its files are open.
    pub fn new(parent: &device::Device, data: T::Data, fops: &'static Fops) -> Result<ARef<Self>> {
        // SAFETY: `parent` is a valid device (a shared reference to one); the table is
        // `'static`; the size and offset describe `Container<T>`, which starts with the
        // `struct drm_device` (`Device<T>` is a transparent wrapper of it).
        let raw = unsafe {
            bindings::__devm_drm_dev_alloc(
                parent.as_raw(),
                DriverVTable::<T>::build(),
                size_of::<Container<T>>(),
                offset_of!(Container<T>, dev),
            )
        };
        let container = from_err_ptr(raw)?.cast::<Container<T>>();
        // The device's own driver table: `T`'s, with the module's file operations (a `const`
        // table cannot name a module). The C side reads it while the device lives; the file
        // operations are a static of the module, which open files keep loaded.
        let mut driver = *DriverVTable::<T>::build();
        driver.fops = fops.as_raw();
        // SAFETY: `container` points at a zeroed `Container<T>` that nothing else uses yet: the
        // C side only initialized the `struct drm_device` at its start, and the device is not
        // registered, so nothing reads its `driver` concurrently. The table is written before
        // the device points at it, `data` before `initialized` (the type invariant). The table
        // lives as long as the device, in the same allocation.
        unsafe {
            addr_of_mut!((*container).driver).write(driver);
            (*(*container).dev.as_raw()).driver = addr_of!((*container).driver);
            (*container).data.write(data);
            (*container).initialized = true;
        }
        // SAFETY: The device is valid (just allocated), and its one reference belongs to
        // `parent`'s devres action; `inc_ref` takes the one the returned `ARef` owns.
        let dev = unsafe { &*container.cast::<Self>() };
        dev.inc_ref();
        // SAFETY: The reference taken just above is the one `ARef` owns.
        Ok(unsafe { ARef::from_raw(NonNull::from(dev)) })
    }

    /// Returns the C pointer to the device.
    pub(crate) fn as_raw(&self) -> *mut bindings::drm_device {
        self.0.get()
    }

    /// Returns a device of `T` from its C pointer.
    ///
    /// For the trampolines of [`declare_drm_ioctls!`](crate::declare_drm_ioctls).
    ///
    /// # Safety
    ///
    /// `ptr` is a device allocated by [`Device::new`] for `T`, valid for `'a`.
    #[doc(hidden)]
    pub unsafe fn as_ref<'a>(ptr: *mut bindings::drm_device) -> &'a Self {
        // SAFETY: `Self` is a transparent wrapper of `struct drm_device`, and the caller
        // guarantees that `ptr` is valid for `'a`.
        unsafe { &*ptr.cast::<Self>() }
    }
}

impl<T: Driver> Deref for Device<T> {
    type Target = T::Data;

    fn deref(&self) -> &T::Data {
        let container = self.as_raw().cast::<Container<T>>();
        // SAFETY: By the type invariant the device is the start of a `Container<T>` whose data
        // is initialized until `release`, which runs when the last reference, such as `self`,
        // is gone.
        unsafe { (*container).data.assume_init_ref() }
    }
}

// SAFETY: The C side allows the reference count of a `struct drm_device` to be changed from any
// thread, and the embedded `T::Data` is `Send`.
unsafe impl<T: Driver> Send for Device<T> {}

// SAFETY: Every method takes `&self` and the C side serializes what it needs to; the embedded
// `T::Data` is `Sync`.
unsafe impl<T: Driver> Sync for Device<T> {}

/// Drops the driver's data of a device that is being freed: the `release` callback.
///
/// # Safety
///
/// `dev` is a device allocated by [`Device::new`] for `T` whose last reference was dropped;
/// nothing uses its data after this.
pub(crate) unsafe fn release<T: Driver>(dev: *mut bindings::drm_device) {
    let container = dev.cast::<Container<T>>();
    // SAFETY: The caller guarantees that `dev` starts a `Container<T>` that nothing else uses;
    // its data is initialized when `initialized` says so (the type invariant). An allocation
    // that failed half-way is released with `initialized` still false.
    unsafe {
        if (*container).initialized {
            (*container).initialized = false;
            (*container).data.assume_init_drop();
        }
    }
}

/// A DRM device visible to userspace (`drm_dev_register`); dropping it unregisters the device
/// (`drm_dev_unregister`).
///
/// Files that are still open keep the device, and its data, alive after that: their ioctls fail
/// with `ENODEV` until they are closed.
///
/// # Invariants
///
/// `self.0` was registered by [`Registration::new`] and not unregistered since.
pub struct Registration<T: Driver>(ARef<Device<T>>);

impl<T: Driver> Registration<T> {
    /// Registers `drm` with the DRM core, which makes its device nodes; `flags` is passed to
    /// the driver's `load` callback by the C side, which kgen's drivers do not have: pass 0.
    ///
    /// A device is registered once: `EBUSY` if it was registered before.
    pub fn new(drm: &Device<T>, flags: usize) -> Result<Self> {
        let container = drm.as_raw().cast::<Container<T>>();
        // SAFETY: By the type invariant of `Device<T>` the device starts a `Container<T>`, and
        // `registered` is only accessed atomically.
        let registered = unsafe { &(*container).registered };
        if registered.swap(true, Ordering::AcqRel) {
            return Err(EBUSY);
        }
        // SAFETY: `drm` is a valid device allocated for `T`, and the swap above makes this the
        // only registration of it, which the C side does not check itself.
        let ret = unsafe { bindings::drm_dev_register(drm.as_raw(), flags as _) };
        if let Err(e) = to_result(ret) {
            registered.store(false, Ordering::Release);
            return Err(e);
        }
        Ok(Self(drm.into()))
    }

    /// Returns the registered device.
    pub fn device(&self) -> &Device<T> {
        &self.0
    }
}

impl<T: Driver> Drop for Registration<T> {
    fn drop(&mut self) {
        // SAFETY: By the type invariant the device is registered; this unregisters it once.
        unsafe { bindings::drm_dev_unregister(self.0.as_raw()) };
    }
}

// SAFETY: Unregistering may happen on any thread, and the device is `Send`.
unsafe impl<T: Driver> Send for Registration<T> {}

// SAFETY: A shared `Registration` only hands out `&Device<T>`, which is `Sync`.
unsafe impl<T: Driver> Sync for Registration<T> {}
