// SPDX-License-Identifier: GPL-2.0

//! Revocable values: data that its owner can take away from its users at any time.
//!
//! Hand-written part of `kernel::devres` (kgen spec `header-specs/devres.yaml`).

use crate::bindings;
use core::{
    cell::UnsafeCell,
    marker::PhantomData,
    mem::MaybeUninit,
    ops::Deref,
    sync::atomic::{AtomicBool, Ordering},
};

/// A value that can be revoked: dropped while others may still hold the `Revocable`.
///
/// Users reach the value through [`Revocable::try_access`], which returns `None` once it is
/// revoked. A guard holds the RCU read-side lock: it must not be held across anything that
/// sleeps, and [`Revocable::revoke`] waits for every guard taken before it.
///
/// # Invariants
///
/// `data` is initialised while `is_available` is true. Once `is_available` is false it stays
/// false, and `data` is dropped (once) by whoever set it to false, after an RCU grace period.
pub struct Revocable<T> {
    is_available: AtomicBool,
    data: UnsafeCell<MaybeUninit<T>>,
}

// SAFETY: A `Revocable<T>` owns a `T`: sending it sends the `T`, and `revoke` may drop the `T`
// on another thread than the one that made it, which `T: Send` allows.
unsafe impl<T: Send> Send for Revocable<T> {}

// SAFETY: Shared references give `&T` to several threads at once (`T: Sync`) and may drop the
// `T` from any of them (`T: Send`); `is_available` is atomic.
unsafe impl<T: Send + Sync> Sync for Revocable<T> {}

impl<T> Revocable<T> {
    /// Makes a revocable `data`, available until [`Revocable::revoke`].
    pub fn new(data: T) -> Self {
        // INVARIANT: `data` is initialised and available.
        Self {
            is_available: AtomicBool::new(true),
            data: UnsafeCell::new(MaybeUninit::new(data)),
        }
    }

    /// Returns a guard that gives access to the value, or `None` if it was revoked.
    ///
    /// The guard holds the RCU read-side lock: the code that uses it must not sleep.
    pub fn try_access(&self) -> Option<RevocableGuard<'_, T>> {
        // SAFETY: Taking the RCU read-side lock has no precondition; the guard, or the `else`
        // branch, releases it on this thread.
        unsafe { bindings::rcu_read_lock() };
        if self.is_available.load(Ordering::Relaxed) {
            // INVARIANT: `data` is initialised while available, and `revoke` waits for the
            // grace period that this read-side lock delays before it drops it.
            Some(RevocableGuard {
                data: self.data.get().cast::<T>(),
                _lock: PhantomData,
            })
        } else {
            // SAFETY: The lock was taken above, on this thread.
            unsafe { bindings::rcu_read_unlock() };
            None
        }
    }

    /// Revokes the value: later [`Revocable::try_access`] calls return `None`, and the value is
    /// dropped once every guard taken before has been dropped. Returns true if this call
    /// revoked it, false if it was revoked already.
    ///
    /// May sleep: it waits for an RCU grace period. The calling thread must not hold a guard
    /// of this value.
    pub fn revoke(&self) -> bool {
        if !self.is_available.swap(false, Ordering::Relaxed) {
            return false;
        }
        // SAFETY: `synchronize_rcu` may be called from any context that may sleep, which this
        // function's doc asks of its callers.
        unsafe { bindings::synchronize_rcu() };
        // SAFETY: This call set `is_available` to false, so by the type invariants `data` is
        // initialised, no new guard can reach it, and every guard taken before was dropped
        // during the grace period above; it is dropped once, here.
        unsafe { core::ptr::drop_in_place(self.data.get().cast::<T>()) };
        true
    }

    /// Returns true if the value was revoked.
    pub fn is_revoked(&self) -> bool {
        !self.is_available.load(Ordering::Relaxed)
    }
}

impl<T> Drop for Revocable<T> {
    fn drop(&mut self) {
        if *self.is_available.get_mut() {
            // SAFETY: Still available, so `data` is initialised (type invariants); `&mut self`
            // means no guard exists, and nothing uses `data` after this.
            unsafe { core::ptr::drop_in_place(self.data.get().cast::<T>()) };
        }
    }
}

/// Access to a [`Revocable`]'s value, which stays valid while the guard exists.
///
/// # Invariants
///
/// `data` points to the initialised value of a `Revocable` that is borrowed for `'a`, and this
/// thread holds the RCU read-side lock, taken when the guard was made.
pub struct RevocableGuard<'a, T> {
    data: *const T,
    // The RCU read-side lock belongs to this thread: the guard is neither `Send` nor `Sync`.
    _lock: PhantomData<(&'a T, *mut ())>,
}

impl<T> Deref for RevocableGuard<'_, T> {
    type Target = T;

    fn deref(&self) -> &T {
        // SAFETY: By the type invariants the value is initialised, and the read-side lock this
        // guard holds keeps `revoke` from dropping it.
        unsafe { &*self.data }
    }
}

impl<T> Drop for RevocableGuard<'_, T> {
    fn drop(&mut self) {
        // SAFETY: By the type invariants this thread holds the read-side lock this guard took.
        unsafe { bindings::rcu_read_unlock() };
    }
}
