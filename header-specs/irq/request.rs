// SPDX-License-Identifier: GPL-2.0

//! Interrupt handlers, and their registration with `request_irq`.
//!
//! Hand-written part of `kernel::irq` (kgen spec `header-specs/irq.yaml`): a handler is one C
//! function pointer with a cookie, not an ops table, and its registration owns the handler.

use super::IrqReturn;
use crate::{bindings, error::to_result, prelude::*, str::CStr};
use core::ffi::{c_int, c_void};

/// An interrupt handler: what runs in hard interrupt context when its line fires.
///
/// It gets `&self` only, from any CPU, concurrently with the driver's other code: its state is
/// shared (atomics, spinlocks taken with interrupts off elsewhere), and it must not sleep.
pub trait Handler: Sync {
    /// Handles an interrupt: [`IrqReturn::Handled`] if the device raised it, else
    /// [`IrqReturn::None`] (a shared line).
    fn handle(&self) -> IrqReturn;
}

/// A handler registered for an interrupt line with `request_irq`; dropping it frees the line
/// with `free_irq`, which waits for a running handler to return.
///
/// Keep it in a [`Devres`](crate::devres::Devres) so that the line is freed when the device is
/// unbound, however long the registration itself is kept.
///
/// # Invariants
///
/// `handler` is registered for line `irq` under the cookie `&*handler`, with
/// `handle_irq::<T>`, until `drop` frees it.
pub struct Registration<T: Handler + 'static> {
    irq: u32,
    handler: KBox<T>,
}

/// The C handler: calls `T::handle` on the cookie.
///
/// # Safety
///
/// `cookie` is the cookie of a live `Registration<T>`.
unsafe extern "C" fn handle_irq<T: Handler + 'static>(
    _irq: c_int,
    cookie: *mut c_void,
) -> bindings::irqreturn_t {
    // SAFETY: By the function's safety requirements `cookie` points to the `T` that the
    // registration owns, which `free_irq` keeps alive until this call returns.
    let handler = unsafe { &*cookie.cast::<T>() };
    handler.handle().to_c()
}

impl<T: Handler + 'static> Registration<T> {
    /// Registers `handler` for interrupt line `irq` (a [`flags`](super::flags) combination),
    /// named `name` in /proc/interrupts. May sleep.
    pub fn new(irq: u32, flags: u32, name: &'static CStr, handler: T) -> Result<Self> {
        let handler = KBox::new(handler, GFP_KERNEL)?;
        let cookie: *const T = &*handler;
        // SAFETY: `handle_irq::<T>` has the C handler's signature, `name` is a static
        // NUL-terminated string, and `cookie` stays valid until `drop` frees the line (the
        // handler is boxed, and the box is dropped after `free_irq`).
        to_result(unsafe {
            bindings::request_irq(
                irq,
                Some(handle_irq::<T>),
                flags as usize,
                name.as_char_ptr(),
                cookie.cast_mut().cast::<c_void>(),
            )
        })?;
        // INVARIANT: the line is registered with `cookie`, the address of `*handler`.
        Ok(Self { irq, handler })
    }

    /// The interrupt line.
    pub fn irq(&self) -> u32 {
        self.irq
    }
}

impl<T: Handler + 'static> Drop for Registration<T> {
    fn drop(&mut self) {
        let cookie: *const T = &*self.handler;
        // SAFETY: By the type invariants the line is registered with this cookie; `free_irq`
        // waits for a running handler, and the handler is dropped after it returns.
        unsafe { bindings::free_irq(self.irq, cookie.cast_mut().cast::<c_void>()) };
    }
}
