// SPDX-License-Identifier: GPL-2.0

//! Platform devices that a module registers itself.
//!
//! Hand-written part of `kernel::platform` (kgen spec `header-specs/platform.yaml`): that the
//! module owns the device it registered, and unregisters it when done, is a Rust ownership rule.

use super::Device;
use crate::{bindings, error::from_err_ptr, prelude::*, str::CStr};
use core::ptr::NonNull;

/// A platform device with no resources and no driver, registered by a module as the parent of
/// a virtual device (`platform_device_register_simple`); dropping it unregisters it
/// (`platform_device_unregister`), which releases the device-managed resources of its children
/// (a DRM device allocated under it, say).
///
/// # Invariants
///
/// `self.0` was registered by [`SimpleDevice::register`] and is unregistered only by `drop`.
pub struct SimpleDevice(NonNull<bindings::platform_device>);

impl SimpleDevice {
    /// Registers a platform device named `name` with instance number `id` (-1 for the only
    /// one): `EEXIST` if a platform device of that name and number exists.
    pub fn register(name: &CStr, id: i32) -> Result<Self> {
        // SAFETY: `name` is a NUL-terminated string, which the C side copies; no resources.
        let pdev = from_err_ptr(unsafe {
            bindings::platform_device_register_simple(name.as_char_ptr(), id, core::ptr::null(), 0)
        })?;
        // A successful registration returns a valid device, never null.
        NonNull::new(pdev).map(Self).ok_or(ENOMEM)
    }

    /// Returns the registered device.
    pub fn device(&self) -> &Device {
        // SAFETY: By the type invariant the device is registered, so valid, until `drop`;
        // `Device` is a transparent wrapper of `struct platform_device`.
        unsafe { &*self.0.as_ptr().cast::<Device>() }
    }
}

impl AsRef<crate::device::Device> for SimpleDevice {
    fn as_ref(&self) -> &crate::device::Device {
        self.device().as_ref()
    }
}

impl Drop for SimpleDevice {
    fn drop(&mut self) {
        // SAFETY: By the type invariant the device is registered; this unregisters it once.
        unsafe { bindings::platform_device_unregister(self.0.as_ptr()) };
    }
}

// SAFETY: A platform device may be unregistered from any thread.
unsafe impl Send for SimpleDevice {}

// SAFETY: A shared `SimpleDevice` only hands out `&Device`, whose methods are safe to call from
// any thread.
unsafe impl Sync for SimpleDevice {}
