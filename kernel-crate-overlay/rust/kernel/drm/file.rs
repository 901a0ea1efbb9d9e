// SPDX-License-Identifier: GPL-2.0

//! The driver's data for each open DRM file.
//!
//! Hand-written part of `kernel::drm` (kgen spec `header-specs/drm.yaml`): the C side keeps an
//! untyped `void *driver_priv` in each `struct drm_file`; that it holds a `Pin<KBox<T::File>>`
//! from `open` to `postclose` is a Rust rule.

use super::{Device, Driver, File};
use crate::{bindings, prelude::*, types::ForeignOwnable};

/// The per-file data of a DRM driver: [`DriverFile::open`] makes it for each file opened on a
/// device of the driver, and it is dropped when the file is closed for the last time
/// (`postclose`).
pub trait DriverFile: Send + Sync + Sized + 'static {
    /// The driver whose devices' files get this data.
    type Driver: Driver<File = Self>;

    /// Makes the data of a file being opened on `device`; an error fails the `open`.
    fn open(device: &Device<Self::Driver>) -> Result<Pin<KBox<Self>>>;
}

impl<T: Driver> File<T> {
    /// Returns a file of `T` from its C pointer.
    ///
    /// For the trampolines of [`declare_drm_ioctls!`](crate::declare_drm_ioctls).
    ///
    /// # Safety
    ///
    /// `ptr` is a file of a device allocated for `T`, opened through the `open` callback of `T`
    /// and not closed yet, valid for `'a`.
    #[doc(hidden)]
    pub unsafe fn as_ref<'a>(ptr: *mut bindings::drm_file) -> &'a Self {
        // SAFETY: `Self` is a transparent wrapper of `struct drm_file`, and the caller
        // guarantees that `ptr` is valid for `'a`.
        unsafe { &*ptr.cast::<Self>() }
    }

    /// Returns the C pointer to the file.
    pub(crate) fn as_raw(&self) -> *mut bindings::drm_file {
        self.0.get()
    }

    /// Returns the driver's data of this file.
    pub fn inner(&self) -> Pin<&T::File> {
        // SAFETY: By the type invariant `driver_priv` holds a `Pin<KBox<T::File>>` until
        // `postclose`, which cannot run while `self` is borrowed.
        unsafe { <Pin<KBox<T::File>> as ForeignOwnable>::borrow((*self.as_raw()).driver_priv) }
    }
}

/// Makes the driver's data of a file being opened: the `open` callback.
///
/// # Safety
///
/// `dev` is a device allocated for `T` and `file` a file being opened on it, whose
/// `driver_priv` nothing else uses yet.
pub(crate) unsafe fn open<T: Driver>(
    dev: *mut bindings::drm_device,
    file: *mut bindings::drm_file,
) -> Result {
    // SAFETY: The caller guarantees that `dev` is a device allocated for `T`, valid for the
    // call.
    let dev = unsafe { Device::<T>::as_ref(dev) };
    let data = T::File::open(dev)?;
    // SAFETY: The caller guarantees that `file` is valid and that nothing else uses its
    // `driver_priv`; `postclose` takes the data back.
    unsafe { (*file).driver_priv = data.into_foreign().cast_mut() };
    Ok(())
}

/// Drops the driver's data of a file being closed: the `postclose` callback.
///
/// # Safety
///
/// `file` is a file whose `open` succeeded, closed for the last time: nothing uses its
/// `driver_priv` after this.
pub(crate) unsafe fn postclose<T: Driver>(file: *mut bindings::drm_file) {
    // SAFETY: The caller guarantees that `file` is valid and that `open` stored a
    // `Pin<KBox<T::File>>` in `driver_priv`, which nothing uses after this.
    drop(unsafe { <Pin<KBox<T::File>> as ForeignOwnable>::from_foreign((*file).driver_priv) });
}
