// SPDX-License-Identifier: GPL-2.0

//! GEM objects backed by shmem, their handles and their kernel mappings.
//!
//! Hand-written part of `kernel::drm` (kgen spec `header-specs/drm.yaml`): which reference a C
//! function hands over (a new object, a looked-up one) and how long a kernel mapping may be used
//! are Rust ownership rules that the C declarations do not state.

use super::{Device, Driver, GemObject};
use crate::{
    bindings,
    error::{from_err_ptr, to_result},
    prelude::*,
    types::ARef,
    uaccess::{UserSliceReader, UserSliceWriter},
};
use core::ptr::{addr_of_mut, NonNull};

impl GemObject {
    /// Allocates a GEM object of `size` bytes (rounded up to pages) on `dev`, backed by shmem
    /// pages that are allocated when first used (`drm_gem_shmem_create`).
    ///
    /// Give userspace a handle to it with [`File::create_handle`](super::File::create_handle).
    pub fn new_shmem<T: Driver>(dev: &Device<T>, size: usize) -> Result<ARef<Self>> {
        // SAFETY: `dev` is a valid device (a shared reference to one).
        let shmem = from_err_ptr(unsafe { bindings::drm_gem_shmem_create(dev.as_raw(), size) })?;
        // SAFETY: `shmem` is a valid object with one reference, which the caller owns now;
        // its GEM object is its `base` field.
        let obj = unsafe { addr_of_mut!((*shmem).base) };
        // SAFETY: `obj` is valid and not null, and its one reference is the one `ARef` owns.
        // `Self` is a transparent wrapper of `struct drm_gem_object`.
        Ok(unsafe { ARef::from_raw(NonNull::new_unchecked(obj.cast::<Self>())) })
    }

    /// Maps the object's pages into the kernel (`drm_gem_vmap_unlocked`, named `drm_gem_vmap`
    /// in 7.3) until the returned [`VMap`] is dropped. May sleep.
    pub fn vmap(&self) -> Result<VMap<'_>> {
        // SAFETY: `struct iosys_map` is a pointer (in a union) and a bool: all zeroes is a valid
        // value, the one `IOSYS_MAP_INIT_VADDR(NULL)` makes.
        let mut map: bindings::iosys_map = unsafe { core::mem::zeroed() };
        // SAFETY: `self` is a valid object, and `map` is valid for writes; the function takes
        // the object's reservation lock itself.
        to_result(unsafe { bindings::kgen_drm_gem_vmap(self.0.get(), &mut map) })?;
        if map.is_iomem {
            // SAFETY: `map` was filled by the `kgen_drm_gem_vmap` just above.
            unsafe { bindings::kgen_drm_gem_vunmap(self.0.get(), &mut map) };
            return Err(ENOTSUPP);
        }
        // SAFETY: A mapping that is not I/O memory is `vaddr`, the member that
        // `kgen_drm_gem_vmap` wrote.
        let vaddr = unsafe { map.__bindgen_anon_1.vaddr }.cast::<u8>();
        Ok(VMap {
            obj: self,
            map,
            vaddr,
            len: self.size(),
        })
    }
}

/// A kernel mapping of all pages of a [`GemObject`], unmapped on drop
/// (`drm_gem_vunmap_unlocked`, named `drm_gem_vunmap` in 7.3).
///
/// Userspace may map the same pages and change them at any time, so the mapping is never lent
/// out as a Rust slice: it is copied from and to user memory, through a bounce buffer.
///
/// # Invariants
///
/// `map` was filled by `kgen_drm_gem_vmap` for `obj` with system memory at `vaddr`, valid
/// for `len` bytes, and is not unmapped yet.
pub struct VMap<'a> {
    obj: &'a GemObject,
    map: bindings::iosys_map,
    vaddr: *mut u8,
    len: usize,
}

impl VMap<'_> {
    /// Returns the length of the mapping in bytes, the size of the object.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Returns true for a mapping of no bytes.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Checks that `offset..offset + len` lies in the mapping (`EINVAL` otherwise).
    fn check(&self, offset: usize, len: usize) -> Result {
        match offset.checked_add(len) {
            Some(end) if end <= self.len => Ok(()),
            _ => Err(EINVAL),
        }
    }

    /// Copies all of `reader` to the mapping at `offset`: `EINVAL` if it does not fit,
    /// `EFAULT` for a bad user address. May sleep.
    pub fn write_from_user(&self, offset: usize, reader: UserSliceReader) -> Result {
        self.check(offset, reader.len())?;
        let mut buf = KVec::new();
        reader.read_all(&mut buf, GFP_KERNEL)?;
        self.check(offset, buf.len())?;
        // SAFETY: `offset + buf.len()` is within the mapping (checked just above), which is
        // valid for writes (the type invariant); `buf` is a separate allocation. Raw copies make
        // no Rust reference to memory that userspace may change.
        unsafe { core::ptr::copy_nonoverlapping(buf.as_ptr(), self.vaddr.add(offset), buf.len()) };
        Ok(())
    }

    /// Copies `writer.len()` bytes of the mapping at `offset` to `writer`: `EINVAL` if that
    /// goes past the end, `EFAULT` for a bad user address. May sleep.
    pub fn read_to_user(&self, offset: usize, mut writer: UserSliceWriter) -> Result {
        let len = writer.len();
        self.check(offset, len)?;
        let mut buf = KVec::with_capacity(len, GFP_KERNEL)?;
        // SAFETY: `offset + len` is within the mapping (checked just above), which is valid for
        // reads (the type invariant), and `buf` has room for `len` bytes, which the copy
        // initializes before `set_len`.
        unsafe {
            core::ptr::copy_nonoverlapping(self.vaddr.add(offset), buf.as_mut_ptr(), len);
            buf.set_len(len);
        }
        writer.write_slice(&buf)
    }
}

impl Drop for VMap<'_> {
    fn drop(&mut self) {
        // SAFETY: By the type invariant `map` is a mapping of `obj` that is still mapped.
        unsafe { bindings::kgen_drm_gem_vunmap(self.obj.0.get(), &mut self.map) };
    }
}
