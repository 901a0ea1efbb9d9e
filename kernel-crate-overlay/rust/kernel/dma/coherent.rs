// SPDX-License-Identifier: GPL-2.0

//! Coherent DMA allocations and the DMA mask.
//!
//! Hand-written part of `kernel::dma` (kgen spec `header-specs/dma.yaml`): the element type
//! and the bounds of an allocation are a Rust type's, not something a C declaration states.

use crate::{
    alloc::Flags,
    bindings,
    device::Device,
    error::to_result,
    prelude::*,
    types::{ARef, AsBytes, FromBytes},
};

/// The address bits a device can drive in DMA: `DMA_BIT_MASK(bits)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DmaMask(u64);

impl DmaMask {
    /// The mask of the low `N` bits, checked when the kernel builds (`N` is 1 to 64).
    pub const fn new<const N: u32>() -> Self {
        match Self::try_new(N) {
            Ok(mask) => mask,
            Err(_) => panic!("a DMA mask has 1 to 64 bits"),
        }
    }

    /// The mask of the low `bits` bits; `EINVAL` unless `bits` is 1 to 64.
    pub const fn try_new(bits: u32) -> Result<Self> {
        match bits {
            64 => Ok(Self(u64::MAX)),
            1..=63 => Ok(Self((1u64 << bits) - 1)),
            _ => Err(EINVAL),
        }
    }

    /// The mask's value.
    pub const fn value(self) -> u64 {
        self.0
    }
}

/// Sets the streaming and coherent DMA masks of `dev` (`dma_set_mask_and_coherent`): fails
/// with `EIO` if the platform cannot do DMA under `mask`.
pub fn set_mask_and_coherent(dev: &Device, mask: DmaMask) -> Result {
    // SAFETY: `dev` is a valid device; setting its masks has no other precondition.
    to_result(unsafe { bindings::dma_set_mask_and_coherent(dev.as_raw(), mask.0) })
}

/// `count` elements of type `T` in memory that the CPU and a device both see
/// (`dma_alloc_coherent`), freed on drop.
///
/// The CPU reaches the elements by copy only ([`CoherentAllocation::read`] and
/// [`CoherentAllocation::write`], volatile and bounds-checked): the device may change them at
/// any time, so no Rust reference to them is ever made.
///
/// # Invariants
///
/// `cpu_addr` is what `dma_alloc_coherent` returned for `count * size_of::<T>()` bytes of
/// `dev`, with `dma_handle` as the device's address of it; `count` is not 0; `dev` holds a
/// reference to the device.
pub struct CoherentAllocation<T: AsBytes + FromBytes> {
    dev: ARef<Device>,
    dma_handle: bindings::dma_addr_t,
    count: usize,
    cpu_addr: *mut T,
}

// SAFETY: The allocation is plain memory shared with the device; it may be used and freed on
// any thread (`dma_free_coherent` may sleep but is not tied to a thread).
unsafe impl<T: AsBytes + FromBytes + Send> Send for CoherentAllocation<T> {}

// SAFETY: The accessors copy elements in and out with volatile accesses and take `&self`;
// concurrent accesses race as the device's do, without making references.
unsafe impl<T: AsBytes + FromBytes + Sync> Sync for CoherentAllocation<T> {}

impl<T: AsBytes + FromBytes> CoherentAllocation<T> {
    /// Allocates `count` elements for DMA by `dev`, zeroed. May sleep with `GFP_KERNEL`.
    pub fn alloc_coherent(dev: &Device, count: usize, gfp_flags: Flags) -> Result<Self> {
        let size = count.checked_mul(core::mem::size_of::<T>()).ok_or(ENOMEM)?;
        if size == 0 {
            return Err(EINVAL);
        }
        let mut dma_handle = 0;
        // SAFETY: `dev` is a valid device and `dma_handle` a place for the address; the memory
        // is freed in `drop` with the same size and handle.
        let cpu_addr = unsafe {
            bindings::dma_alloc_coherent(
                dev.as_raw(),
                size,
                &mut dma_handle,
                (gfp_flags | __GFP_ZERO).as_raw(),
            )
        };
        if cpu_addr.is_null() {
            return Err(ENOMEM);
        }
        // INVARIANT: `cpu_addr` and `dma_handle` describe `count` elements of `dev`; a device
        // reference is taken.
        Ok(Self {
            dev: dev.into(),
            dma_handle,
            count,
            cpu_addr: cpu_addr.cast::<T>(),
        })
    }

    /// The address the device uses for the first element.
    pub fn dma_handle(&self) -> u64 {
        self.dma_handle
    }

    /// The number of elements.
    pub fn count(&self) -> usize {
        self.count
    }

    /// The size of the allocation, in bytes.
    pub fn size(&self) -> usize {
        self.count * core::mem::size_of::<T>()
    }

    /// Reads element `index`; `EINVAL` past the end.
    pub fn read(&self, index: usize) -> Result<T> {
        if index >= self.count {
            return Err(EINVAL);
        }
        // SAFETY: `index < count`, so the element is inside the allocation (type invariants)
        // and aligned; any bit pattern is a valid `T` (`FromBytes`).
        Ok(unsafe { self.cpu_addr.add(index).read_volatile() })
    }

    /// Writes element `index`; `EINVAL` past the end.
    pub fn write(&self, index: usize, value: T) -> Result {
        if index >= self.count {
            return Err(EINVAL);
        }
        // SAFETY: `index < count`, so the element is inside the allocation and aligned; the
        // memory is shared with the device, which the volatile write allows.
        unsafe { self.cpu_addr.add(index).write_volatile(value) };
        Ok(())
    }
}

impl<T: AsBytes + FromBytes> Drop for CoherentAllocation<T> {
    fn drop(&mut self) {
        // SAFETY: By the type invariants this is the allocation `dma_alloc_coherent` made for
        // `dev` with this size and handle; nothing uses it after this.
        unsafe {
            bindings::dma_free_coherent(
                self.dev.as_raw(),
                self.size(),
                self.cpu_addr.cast(),
                self.dma_handle,
            )
        };
    }
}
