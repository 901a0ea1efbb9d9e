// SPDX-License-Identifier: GPL-2.0

//! Memory-mapped and port I/O through a PCI BAR, interrupt handlers and the DMA mask, each
//! tied to the device's binding.
//!
//! Hand-written part of `kernel::pci` (kgen spec `header-specs/pci.yaml`): the bounds of a
//! mapping are a Rust type's (`Bar<SIZE>`), not something a C declaration states, and what
//! must not outlive the binding is a [`Devres`].

use super::Device;
use crate::{
    bindings, build_assert, devres::Devres, dma, error::to_result, irq, prelude::*, str::CStr,
};
use core::ffi::c_void;

/// A BAR of a PCI device, reserved with `pci_request_region` and mapped with `pci_iomap`.
///
/// [`Device::iomap_region_sized`] returns it in a [`Devres`]: it is unmapped and released when
/// the device is unbound, and cannot be reached after that.
///
/// `pci_iomap` maps memory BARs as MMIO and I/O port BARs as port I/O; the accessors use
/// `ioread*`/`iowrite*`, which handle both. Offsets known when the kernel builds are checked
/// against `SIZE` at build time (`read32`); offsets known only at run time are checked against
/// the mapped length (`try_read32`). The 64-bit accessors are `ioread64_lo_hi` and
/// `iowrite64_lo_hi`: one 8-byte access on MMIO, two 4-byte accesses (low half first) on port
/// I/O.
///
/// # Invariants
///
/// `addr` is what `pci_iomap` returned for the `len` bytes of BAR `bar` of `pdev`, with
/// `len >= SIZE`; the region is reserved by this mapping and `pdev` holds a reference taken
/// with `pci_dev_get`. `drop` releases all three.
pub struct Bar<const SIZE: usize = 0> {
    pdev: *mut bindings::pci_dev,
    addr: *mut c_void,
    len: usize,
    bar: i32,
}

// SAFETY: The I/O accessors may be called from any thread, and `drop` only unmaps, releases
// the region and drops a device reference, which the C side allows from any thread.
unsafe impl<const SIZE: usize> Send for Bar<SIZE> {}

// SAFETY: Every method takes `&self` and does one I/O access, which needs no exclusion.
unsafe impl<const SIZE: usize> Sync for Bar<SIZE> {}

impl Device {
    /// Reserves BAR `bar` under `name` and maps all of it, until the device is unbound; fails
    /// with `EINVAL` if the BAR is shorter than `SIZE` bytes.
    ///
    /// Reach the mapping with [`try_access`](crate::devres::Revocable::try_access), which
    /// returns `None` once the device was unbound (the mapping is gone then).
    pub fn iomap_region_sized<const SIZE: usize>(
        &self,
        bar: u32,
        name: &CStr,
    ) -> Result<Devres<Bar<SIZE>>> {
        Devres::new(self.as_ref(), Bar::new(self, bar, name)?, GFP_KERNEL)
    }

    /// Reserves and maps BAR `bar`, with offsets checked at run time only.
    pub fn iomap_region(&self, bar: u32, name: &CStr) -> Result<Devres<Bar>> {
        self.iomap_region_sized::<0>(bar, name)
    }

    /// Registers `handler` for the interrupt vector `index` (see
    /// [`alloc_irq_vectors`](Device::alloc_irq_vectors)), until the device is unbound: the
    /// line is freed then, however long the returned registration is kept. `flags` are
    /// [`irq::flags`]; INTx lines may be shared (`SHARED`).
    pub fn request_irq<T: irq::Handler + Send + 'static>(
        &self,
        index: u32,
        flags: u32,
        name: &'static CStr,
        handler: T,
    ) -> Result<Devres<irq::Registration<T>>> {
        let line = self.irq_vector(index)?;
        let registration = irq::Registration::new(line, flags, name, handler)?;
        Devres::new(self.as_ref(), registration, GFP_KERNEL)
    }

    /// Sets the streaming and coherent DMA masks of the device; `EIO` if the platform cannot
    /// do DMA under `mask`.
    pub fn dma_set_mask_and_coherent(&self, mask: dma::DmaMask) -> Result {
        dma::set_mask_and_coherent(self.as_ref(), mask)
    }
}

impl<const SIZE: usize> Bar<SIZE> {
    fn new(dev: &Device, bar: u32, name: &CStr) -> Result<Self> {
        let len = usize::try_from(dev.resource_len(bar)?)?;
        if len == 0 || len < SIZE {
            return Err(EINVAL);
        }
        let pdev = dev.0.get();
        let bar = i32::try_from(bar)?;
        // SAFETY: `pdev` is a valid `struct pci_dev` (the type invariant), `bar` a BAR number
        // that `resource_len` checked, and `name` a NUL-terminated string.
        to_result(unsafe { bindings::pci_request_region(pdev, bar, name.as_char_ptr()) })?;
        // SAFETY: As above; the region of `bar` is reserved for this mapping.
        let addr = unsafe { bindings::pci_iomap(pdev, bar, 0) };
        if addr.is_null() {
            // SAFETY: The region was reserved above and is not mapped.
            unsafe { bindings::pci_release_region(pdev, bar) };
            return Err(ENOMEM);
        }
        // SAFETY: `pdev` is valid; the reference keeps it alive for as long as the `Bar`.
        unsafe { bindings::pci_dev_get(pdev) };
        // INVARIANT: `addr` maps the `len >= SIZE` bytes of the reserved BAR, and a device
        // reference was taken.
        Ok(Bar {
            pdev,
            addr,
            len,
            bar,
        })
    }

    /// The mapped length of the BAR, in bytes.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Returns true if the mapping is empty (never: an empty BAR is not mapped).
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    #[inline]
    const fn fits<U>(offset: usize, len: usize) -> bool {
        let size = core::mem::size_of::<U>();
        match offset.checked_add(size) {
            Some(end) => end <= len && offset % size == 0,
            None => false,
        }
    }

    fn io_addr<U>(&self, offset: usize) -> Result<*mut c_void> {
        if !Self::fits::<U>(offset, self.len) {
            return Err(EINVAL);
        }
        Ok(self.addr.wrapping_add(offset))
    }
}

macro_rules! accessors {
    (
        $t:ty, $c_read:ident, $c_write:ident,
        $read:ident, $try_read:ident, $write:ident, $try_write:ident
    ) => {
        // `ioread8` and `ioread16` return the value zero-extended to an `unsigned int`: the
        // casts keep its low bits, and are no-ops for the others.
        #[allow(clippy::unnecessary_cast)]
        impl<const SIZE: usize> Bar<SIZE> {
            #[doc = concat!("Reads a `", stringify!($t), "` at `offset`, checked at build time.")]
            #[inline]
            pub fn $read(&self, offset: usize) -> $t {
                build_assert!(Self::fits::<$t>(offset, SIZE));
                // SAFETY: By the type invariants, `addr` maps `len >= SIZE` bytes, and the
                // build checked that the access is inside the first `SIZE` and aligned.
                unsafe { bindings::$c_read(self.addr.wrapping_add(offset)) as $t }
            }

            #[doc = concat!("Reads a `", stringify!($t), "` at `offset`, checked at run time.")]
            pub fn $try_read(&self, offset: usize) -> Result<$t> {
                let addr = self.io_addr::<$t>(offset)?;
                // SAFETY: `io_addr` checked that the access is inside the mapping and aligned.
                Ok(unsafe { bindings::$c_read(addr) as $t })
            }

            #[doc = concat!("Writes a `", stringify!($t), "` at `offset`, checked at build time.")]
            #[inline]
            pub fn $write(&self, value: $t, offset: usize) {
                build_assert!(Self::fits::<$t>(offset, SIZE));
                // SAFETY: As for the read: the build checked the offset against `SIZE`.
                unsafe { bindings::$c_write(value, self.addr.wrapping_add(offset)) }
            }

            #[doc = concat!("Writes a `", stringify!($t), "` at `offset`, checked at run time.")]
            pub fn $try_write(&self, value: $t, offset: usize) -> Result {
                let addr = self.io_addr::<$t>(offset)?;
                // SAFETY: `io_addr` checked that the access is inside the mapping and aligned.
                unsafe { bindings::$c_write(value, addr) };
                Ok(())
            }
        }
    };
}

accessors!(u8, ioread8, iowrite8, read8, try_read8, write8, try_write8);
accessors!(
    u16,
    ioread16,
    iowrite16,
    read16,
    try_read16,
    write16,
    try_write16
);
accessors!(
    u32,
    ioread32,
    iowrite32,
    read32,
    try_read32,
    write32,
    try_write32
);
accessors!(
    u64,
    ioread64_lo_hi,
    iowrite64_lo_hi,
    read64,
    try_read64,
    write64,
    try_write64
);

impl<const SIZE: usize> Drop for Bar<SIZE> {
    fn drop(&mut self) {
        // SAFETY: By the type invariants, `addr` is this mapping of the BAR that this `Bar`
        // reserved, and `pdev` holds the reference taken for it; none is used again.
        unsafe {
            bindings::pci_iounmap(self.pdev, self.addr);
            bindings::pci_release_region(self.pdev, self.bar);
            bindings::pci_dev_put(self.pdev);
        }
    }
}
