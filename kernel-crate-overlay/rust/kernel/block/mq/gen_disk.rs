// SPDX-License-Identifier: GPL-2.0

//! Generic disk abstraction.
//!
//! Hand-written part of `kernel::block::mq` (kgen spec `header-specs/block-mq.yaml`).
//!
//! C header: [`include/linux/blkdev.h`](srctree/include/linux/blkdev.h)

use super::{features, Operations, TagSet};
use crate::{
    bindings,
    error::{self, from_err_ptr, Result},
    prelude::*,
    static_lock_class,
    sync::Arc,
    types::ScopeGuard,
};
use core::fmt::{self, Write};

/// Returns the data of a queue of a disk built for `T`, if it has any.
///
/// # Safety
///
/// `q` must point at the request queue of a disk built by [`GenDiskBuilder`] for `T`, valid
/// for `'a`.
pub(crate) unsafe fn queue_data<'a, T: Operations>(
    q: *mut bindings::request_queue,
) -> Option<&'a T> {
    // SAFETY: `q` is valid by the safety requirements.
    let data = unsafe { (*q).queuedata }.cast::<T>();
    // SAFETY: `GenDiskBuilder` sets `queuedata` to null or to an `Arc<T>` that the `GenDisk`
    // keeps until the queue is gone.
    unsafe { data.as_ref() }
}

/// A builder for [`GenDisk`].
///
/// Use this struct to configure and add new [`GenDisk`] to the VFS.
pub struct GenDiskBuilder {
    rotational: bool,
    logical_block_size: u32,
    physical_block_size: u32,
    capacity_sectors: u64,
}

impl Default for GenDiskBuilder {
    fn default() -> Self {
        Self {
            rotational: false,
            logical_block_size: crate::page::PAGE_SIZE as u32,
            physical_block_size: crate::page::PAGE_SIZE as u32,
            capacity_sectors: 0,
        }
    }
}

impl GenDiskBuilder {
    /// Creates a builder with `PAGE_SIZE` blocks, not rotational, of capacity 0.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets whether the device is rotational media.
    pub fn rotational(mut self, rotational: bool) -> Self {
        self.rotational = rotational;
        self
    }

    fn validate_block_size(size: u32) -> Result {
        if !(512..=crate::page::PAGE_SIZE as u32).contains(&size) || !size.is_power_of_two() {
            Err(EINVAL)
        } else {
            Ok(())
        }
    }

    /// Sets the logical block size: a power of two from 512 to `PAGE_SIZE`, else `EINVAL`.
    pub fn logical_block_size(mut self, block_size: u32) -> Result<Self> {
        Self::validate_block_size(block_size)?;
        self.logical_block_size = block_size;
        Ok(self)
    }

    /// Sets the physical block size: a power of two from 512 to `PAGE_SIZE`, else `EINVAL`.
    pub fn physical_block_size(mut self, block_size: u32) -> Result<Self> {
        Self::validate_block_size(block_size)?;
        self.physical_block_size = block_size;
        Ok(self)
    }

    /// Sets the capacity of the device, in sectors of 512 bytes.
    pub fn capacity_sectors(mut self, capacity: u64) -> Self {
        self.capacity_sectors = capacity;
        self
    }

    /// Builds the disk `name` on `tagset` and adds it to the system.
    pub fn build<T: Operations>(
        self,
        name: fmt::Arguments<'_>,
        tagset: Arc<TagSet<T>>,
    ) -> Result<GenDisk<T>> {
        self.build_inner(name, tagset, None)
    }

    /// Builds the disk `name` on `tagset` with `data` as its queue data, which callbacks and
    /// [`Request::queue_data`](super::Request::queue_data) receive, and adds it to the system.
    pub fn build_with_data<T: Operations + Send + Sync>(
        self,
        name: fmt::Arguments<'_>,
        tagset: Arc<TagSet<T>>,
        data: Arc<T>,
    ) -> Result<GenDisk<T>> {
        self.build_inner(name, tagset, Some(data))
    }

    // Inlined so that `build`'s `None` folds the queue data away (bench/size.sh).
    #[inline]
    fn build_inner<T: Operations>(
        self,
        name: fmt::Arguments<'_>,
        tagset: Arc<TagSet<T>>,
        data: Option<Arc<T>>,
    ) -> Result<GenDisk<T>> {
        // SAFETY: `queue_limits` is plain C data; all zeroes mean "default" for every member.
        let mut lim: bindings::queue_limits = unsafe { core::mem::zeroed() };
        lim.logical_block_size = self.logical_block_size;
        lim.physical_block_size = self.physical_block_size;
        if self.rotational {
            lim.features = features::ROTATIONAL;
        }
        let queuedata = data.as_ref().map_or(core::ptr::null_mut(), |d| {
            core::ptr::from_ref::<T>(d).cast_mut().cast()
        });

        // SAFETY: `tagset.raw_tag_set()` is an initialized tag set (type invariant of
        // `TagSet`); `lim` is valid for the call; `queuedata` is null or the data pointer of
        // the `Arc` (as `Arc::into_raw` would give it) that the `GenDisk` below keeps until the
        // queue is gone.
        let gendisk = from_err_ptr(unsafe {
            bindings::__blk_mq_alloc_disk(
                tagset.raw_tag_set(),
                &mut lim,
                queuedata,
                static_lock_class!().as_ptr(),
            )
        })?;

        // A table of `None` callbacks, as the C side needs one per disk.
        const TABLE: bindings::block_device_operations =
            // SAFETY: All-zero bytes are a valid `block_device_operations`: no callbacks.
            unsafe { core::mem::zeroed() };
        // SAFETY: `gendisk` is valid and not added yet, so we have exclusive access.
        unsafe { (*gendisk).fops = &TABLE };

        let cleanup = ScopeGuard::new_with_data(gendisk, |gendisk| {
            // SAFETY: `gendisk` came from `__blk_mq_alloc_disk` and was not added.
            unsafe { bindings::put_disk(gendisk) };
        });

        // SAFETY: `gendisk` is valid and not added yet, so we have exclusive access.
        let name_buf = unsafe { &mut (*gendisk).disk_name };
        let mut w = NameWriter {
            // SAFETY: `disk_name` is an array of `c_char`, valid for writes as `u8`s.
            buf: unsafe {
                core::slice::from_raw_parts_mut(name_buf.as_mut_ptr().cast::<u8>(), name_buf.len())
            },
            pos: 0,
        };
        w.write_fmt(name).map_err(|_| EINVAL)?;
        w.finish()?;

        // SAFETY: `gendisk` is valid; `set_capacity` takes the lock it needs.
        unsafe { bindings::set_capacity(gendisk, self.capacity_sectors) };

        // SAFETY: `gendisk` is valid, fully set up and not added yet.
        error::to_result(unsafe {
            bindings::device_add_disk(core::ptr::null_mut(), gendisk, core::ptr::null_mut())
        })?;
        cleanup.dismiss();

        // INVARIANT: `gendisk` was allocated and added above; `queuedata` is `data`'s.
        Ok(GenDisk {
            _tagset: tagset,
            gendisk,
            data,
        })
    }
}

/// Writes a disk name into a fixed C array, NUL-terminated.
struct NameWriter<'a> {
    buf: &'a mut [u8],
    pos: usize,
}

impl NameWriter<'_> {
    fn finish(&mut self) -> Result {
        *self.buf.get_mut(self.pos).ok_or(EINVAL)? = 0;
        Ok(())
    }
}

impl Write for NameWriter<'_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        let end = self.pos + s.len();
        // Leave room for the NUL.
        if end >= self.buf.len() {
            return Err(fmt::Error);
        }
        self.buf[self.pos..end].copy_from_slice(s.as_bytes());
        self.pos = end;
        Ok(())
    }
}

/// A disk on a [`TagSet<T>`], added to the system until dropped.
///
/// # Invariants
///
/// - `gendisk` points at a valid `struct gendisk` that was added with `device_add_disk`.
/// - The queue's `queuedata` is null, or the pointer of `data`.
pub struct GenDisk<T: Operations> {
    _tagset: Arc<TagSet<T>>,
    gendisk: *mut bindings::gendisk,
    data: Option<Arc<T>>,
}

// SAFETY: `GenDisk` owns its `struct gendisk`, which may be deleted from any thread; the
// queue data it holds is `Send + Sync` when given.
unsafe impl<T: Operations + Send + Sync> Send for GenDisk<T> {}

// SAFETY: `&GenDisk` only reads: it gives out `&Arc<T>`, which is shareable for `T: Send + Sync`.
unsafe impl<T: Operations + Send + Sync> Sync for GenDisk<T> {}

impl<T: Operations> GenDisk<T> {
    /// Returns the queue data given to [`GenDiskBuilder::build_with_data`], if any.
    pub fn queue_data(&self) -> Option<&Arc<T>> {
        self.data.as_ref()
    }
}

impl<T: Operations> Drop for GenDisk<T> {
    fn drop(&mut self) {
        // SAFETY: By the type invariants `gendisk` is valid and was added. `del_gendisk`
        // waits for every request, so no callback runs after it.
        unsafe { bindings::del_gendisk(self.gendisk) };
        // SAFETY: `gendisk` is valid; this drops the last reference, after `del_gendisk`.
        unsafe { bindings::put_disk(self.gendisk) };
        // `self.data` is dropped after this: the queue no longer uses it.
    }
}
