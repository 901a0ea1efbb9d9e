// SPDX-License-Identifier: GPL-2.0

//! Values tied to a device binding through a devres node.
//!
//! Hand-written part of `kernel::devres` (kgen spec `header-specs/devres.yaml`).

use super::Revocable;
use crate::{alloc::Flags, bindings, c_str, device::Device, prelude::*, sync::Arc, types::ARef};
use core::{ffi::c_void, ops::Deref};

/// A value that lives until its device is unbound from its driver, or until the `Devres` is
/// dropped, whichever comes first.
///
/// It is a [`Revocable`] (`Devres<T>` dereferences to one): reach the value with
/// [`Revocable::try_access`], which returns `None` once the device was unbound. A `Bar` or an
/// interrupt registration kept in a `Devres` cannot reach the device after `remove`, even if
/// safe code keeps the `Devres` (in an `Arc` in a global, say) past it.
///
/// # Invariants
///
/// `data` is shared with a devres node of `dev` (made by [`Devres::new`], its release is
/// `release::<T>`) that holds one reference to it until the node is released, by the driver
/// core at unbind or by `drop`. `dev` holds a reference to the device.
pub struct Devres<T: Send + 'static> {
    dev: ARef<Device>,
    data: Arc<Revocable<T>>,
}

/// The devres node's payload: the node's reference to the revocable value.
type Node<T> = *const Revocable<T>;

/// The release of a devres node made by [`Devres::new`]: revokes the value and drops the
/// node's reference.
///
/// # Safety
///
/// `res` is the payload of a node made by `Devres::<T>::new`, released once.
unsafe extern "C" fn release<T: Send + 'static>(_dev: *mut bindings::device, res: *mut c_void) {
    // SAFETY: By the function's safety requirements the payload is the pointer that
    // `Devres::new` wrote, which owns one reference, given up here once.
    let data = unsafe { Arc::from_raw(res.cast::<Node<T>>().read()) };
    data.revoke();
}

/// Matches the devres node of one `Devres` by its payload.
///
/// # Safety
///
/// `res` is the payload of a node whose release is `release::<T>`.
unsafe extern "C" fn matches<T: Send + 'static>(
    _dev: *mut bindings::device,
    res: *mut c_void,
    data: *mut c_void,
) -> core::ffi::c_int {
    // SAFETY: The driver core only passes nodes whose release is `release::<T>` (the release
    // given with this function), and their payload is a `Node<T>`.
    let node = unsafe { res.cast::<Node<T>>().read() };
    core::ffi::c_int::from(node.cast::<c_void>() == data.cast_const())
}

impl<T: Send + 'static> Devres<T> {
    /// Ties `data` to the binding of `dev`: it is dropped when the device is unbound, or when
    /// the returned `Devres` is dropped. `dev` must be bound to a driver (a device its driver's
    /// callbacks get), else the value lives until the device's next unbind.
    pub fn new(dev: &Device, data: T, flags: Flags) -> Result<Self> {
        let data = Arc::new(Revocable::new(data), flags)?;
        add_node(dev, &data, flags)?;
        // INVARIANT: the node holds one reference to `data` until it is released, and
        // `ARef::from(dev)` takes a device reference.
        Ok(Self {
            dev: dev.into(),
            data,
        })
    }

    /// Ties `data` to the binding of `dev` for good: it is dropped when the device is unbound,
    /// and nothing else reaches it.
    pub fn new_foreign_owned(dev: &Device, data: T, flags: Flags) -> Result {
        let data = Arc::new(Revocable::new(data), flags)?;
        // The node keeps its own reference until unbind; this one is dropped.
        add_node(dev, &data, flags)
    }
}

/// Adds to `dev` a devres node that holds a reference to `data` and revokes it when released.
fn add_node<T: Send + 'static>(dev: &Device, data: &Arc<Revocable<T>>, flags: Flags) -> Result {
    // SAFETY: `release::<T>` is a devres release, the size is the payload's, and the name is a
    // static string; the node is freed by the driver core, or by `devres_release`.
    let node = unsafe {
        bindings::__devres_alloc_node(
            Some(release::<T>),
            core::mem::size_of::<Node<T>>(),
            flags.as_raw(),
            bindings::NUMA_NO_NODE,
            c_str!("kernel::devres::Devres").as_char_ptr(),
        )
    };
    if node.is_null() {
        return Err(ENOMEM);
    }
    // SAFETY: `node` is a fresh payload of the size of a `Node<T>`, aligned for a pointer as
    // every devres payload is; it takes one reference to `data`.
    unsafe { node.cast::<Node<T>>().write(Arc::into_raw(data.clone())) };
    // SAFETY: `dev` is a valid device and `node` a node made above, not yet added; the device
    // owns it from here on.
    unsafe { bindings::devres_add(dev.as_raw(), node) };
    Ok(())
}

impl<T: Send + 'static> Deref for Devres<T> {
    type Target = Revocable<T>;

    fn deref(&self) -> &Revocable<T> {
        &self.data
    }
}

impl<T: Send + 'static> Drop for Devres<T> {
    fn drop(&mut self) {
        let key: *const Revocable<T> = &*self.data;
        // SAFETY: `dev` is valid (type invariants); `release::<T>` and `matches::<T>` are the
        // node's functions and `key` its payload. If the driver core released the node
        // already (the device was unbound), nothing matches and this returns `-ENOENT`: the
        // value was revoked then.
        unsafe {
            bindings::devres_release(
                self.dev.as_raw(),
                Some(release::<T>),
                Some(matches::<T>),
                key.cast_mut().cast::<c_void>(),
            )
        };
    }
}
