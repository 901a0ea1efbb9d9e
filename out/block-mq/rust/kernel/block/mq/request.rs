// SPDX-License-Identifier: GPL-2.0

//! The request refcount and the request operations that no C declaration describes.
//!
//! Hand-written part of `kernel::block::mq` (kgen spec `header-specs/block-mq.yaml`).
//!
//! A [`Request`] is in one of four states, tracked by a refcount in the private data area of
//! the C `struct request` (`RequestDataWrapper`):
//!
//! 1. owned by the block layer (refcount 0);
//! 2. owned by the driver, with no [`ARef`] to it (refcount 1);
//! 3. owned by the driver, with exactly one [`ARef`] (refcount 2);
//! 4. owned by the driver, with more than one [`ARef`] (refcount > 2).
//!
//! Ending a request hands it back to the block layer, which is only sound in state 3.

use super::{status, Operations, Request};
use crate::{
    bindings,
    error::{code::*, Result},
    sync::{Arc, ArcBorrow},
    types::{ARef, AlwaysRefCounted},
};
use core::{
    ptr::{addr_of_mut, NonNull},
    sync::atomic::{AtomicU64, Ordering},
};

/// The data kgen's glue keeps in the private data area of every request of a
/// [`TagSet`](super::TagSet).
pub(crate) struct RequestDataWrapper {
    /// 0: owned by the block layer; 1: owned by the driver, no [`ARef`]; 2 and more: that
    /// many [`ARef`]s plus one.
    refcount: AtomicU64,
}

impl<T: Operations> Request<T> {
    /// Returns the [`RequestDataWrapper`] in the private data area of `ptr`.
    ///
    /// # Safety
    ///
    /// `ptr` must point at a request of a tag set built by [`TagSet<T>`](super::TagSet), whose
    /// private data area is at least as large as a [`RequestDataWrapper`].
    unsafe fn wrapper_ptr(ptr: *mut bindings::request) -> NonNull<RequestDataWrapper> {
        // SAFETY: `ptr` is a valid request by the safety requirements.
        let pdu = unsafe { bindings::blk_mq_rq_to_pdu(ptr) }.cast::<RequestDataWrapper>();
        // SAFETY: The private data area directly follows the request, so it is not null.
        unsafe { NonNull::new_unchecked(pdu) }
    }

    fn refcount(&self) -> &AtomicU64 {
        // SAFETY: By the type invariants, the private data area holds an initialized
        // `RequestDataWrapper` that lives at least as long as `self`.
        unsafe { &(*Self::wrapper_ptr(self.0.get()).as_ptr()).refcount }
    }

    /// Initializes the private data of a request the tag set just allocated.
    ///
    /// # Safety
    ///
    /// `ptr` must point at a request of a tag set built by [`TagSet<T>`](super::TagSet) whose
    /// private data is not initialized yet.
    pub(crate) unsafe fn init_private(ptr: *mut bindings::request) {
        // SAFETY: By the safety requirements, the private data area is allocated, large enough
        // and not initialized, so it is valid for writes.
        unsafe {
            addr_of_mut!((*Self::wrapper_ptr(ptr).as_ptr()).refcount).write(AtomicU64::new(0))
        };
    }

    /// Drops the private data of a request the tag set is about to free.
    ///
    /// # Safety
    ///
    /// `ptr` must point at a request whose private data [`Self::init_private`] initialized, and
    /// that is not used again.
    pub(crate) unsafe fn drop_private(ptr: *mut bindings::request) {
        // SAFETY: The private data is initialized and unused from now on, by the safety
        // requirements.
        unsafe { core::ptr::drop_in_place(Self::wrapper_ptr(ptr).as_ptr()) };
    }

    /// Takes ownership of a request the block layer hands to `queue_rq`, and starts it.
    ///
    /// # Safety
    ///
    /// `ptr` must point at a request of a tag set built by [`TagSet<T>`](super::TagSet), owned
    /// by the block layer until this call (refcount 0).
    pub(crate) unsafe fn start_owned(ptr: *mut bindings::request) -> ARef<Self> {
        // SAFETY: `ptr` is a valid request of a `TagSet<T>` by the safety requirements.
        let refcount = unsafe { &(*Self::wrapper_ptr(ptr).as_ptr()).refcount };
        // One reference for being owned by the driver, one for the `ARef`.
        refcount.store(2, Ordering::Relaxed);
        // SAFETY: The driver owns the request now; `blk_mq_start_request` may be called once.
        unsafe { bindings::blk_mq_start_request(ptr) };
        // SAFETY: The refcount taken above is handed to the `ARef`, and the type invariants
        // hold: the request is valid and its private data initialized.
        unsafe { Self::aref_from_raw(ptr) }
    }

    /// Creates an [`ARef`] from a request pointer.
    ///
    /// # Safety
    ///
    /// The caller must own a reference count of `ptr`, which the [`ARef`] takes over, and the
    /// type invariants of [`Request`] must hold for it.
    pub(crate) unsafe fn aref_from_raw(ptr: *mut bindings::request) -> ARef<Self> {
        // SAFETY: `ptr` is valid, so not null; `Request<T>` is a transparent wrapper of
        // `struct request`, and the caller hands over a reference count.
        unsafe { ARef::from_raw(NonNull::new_unchecked(ptr.cast::<Self>())) }
    }

    /// Gives `this` back to the block layer if it is the only [`ARef`]; otherwise returns it.
    fn try_set_end(this: ARef<Self>) -> Result<*mut bindings::request, ARef<Self>> {
        // Races with other `ARef`s being cloned or dropped are settled by the exchange.
        if this
            .refcount()
            .compare_exchange(2, 0, Ordering::Relaxed, Ordering::Relaxed)
            .is_err()
        {
            return Err(this);
        }
        let ptr = this.0.get();
        // The reference count was dropped to zero above: `this` must not decrement it again.
        core::mem::forget(this);
        Ok(ptr)
    }

    /// Ends the request with the status of `result`, handing it back to the block layer.
    ///
    /// Fails, giving `this` back, if it is not the only [`ARef`] to the request.
    pub fn end(this: ARef<Self>, result: Result) -> Result<(), ARef<Self>> {
        let ptr = Self::try_set_end(this)?;
        let status = match result {
            Ok(()) => status::OK,
            Err(e) => e.to_blk_status(),
        };
        // SAFETY: `try_set_end` succeeded: no `ARef` to the request is left, and the driver
        // owned it, so it may hand it back.
        unsafe { bindings::blk_mq_end_request(ptr, status) };
        Ok(())
    }

    /// Ends the request successfully, handing it back to the block layer.
    ///
    /// Fails, giving `this` back, if it is not the only [`ARef`] to the request.
    pub fn end_ok(this: ARef<Self>) -> Result<(), ARef<Self>> {
        Self::end(this, Ok(()))
    }

    /// Completes the request through the block layer: `T::complete` runs with it, on the CPU
    /// that submitted it when that is another one (from an interrupt), else right here.
    ///
    /// `T` must implement [`Operations::complete`]; this is checked at build time.
    pub fn complete(this: ARef<Self>) {
        crate::build_assert!(T::HAS_COMPLETE);
        let ptr = ARef::into_raw(this).as_ptr().cast::<bindings::request>();
        // SAFETY: The request is valid and owned by the driver; its `ARef`'s reference count is
        // kept and taken back by the `complete` trampoline or below.
        if !unsafe { bindings::blk_mq_complete_request_remote(ptr) } {
            // SAFETY: The C side will not call `complete`; the count given up above is ours.
            T::complete(unsafe { Self::aref_from_raw(ptr) });
        }
    }

    /// Returns a new reference to the data given to [`GenDiskBuilder::build_with_data`] for
    /// the disk of this request, if any.
    ///
    /// [`GenDiskBuilder::build_with_data`]: super::gen_disk::GenDiskBuilder::build_with_data
    pub fn queue_data(&self) -> Option<Arc<T>> {
        // SAFETY: By the type invariants the request is valid, and so is its queue.
        let data = unsafe { (*(*self.0.get()).q).queuedata }.cast::<T>();
        if data.is_null() {
            return None;
        }
        // SAFETY: A non-null `queuedata` of a disk built for `T` is the data pointer of an
        // `Arc<T>` that the `GenDisk` holds until the queue and its requests are gone.
        Some(unsafe { ArcBorrow::from_raw(data) }.into())
    }

    /// Returns the index of the hardware queue the request was queued on.
    pub fn hw_queue_index(&self) -> u32 {
        // SAFETY: By the type invariants the request is valid, and a started request has a
        // valid hardware context.
        unsafe { (*(*self.0.get()).mq_hctx).queue_num }
    }

    /// Copies `buf.len()` bytes between `buf` and the request's data pages, `to_request`
    /// telling the direction.
    fn copy(&self, buf: *mut u8, len: usize, to_request: bool) -> Result {
        if len != self.bytes() as usize {
            return Err(EINVAL);
        }
        let mut done = 0usize;
        // SAFETY: By the type invariants the request is valid; the driver owns it, so its bios
        // do not change.
        let mut bio = unsafe { (*self.0.get()).bio };
        while !bio.is_null() {
            // SAFETY: `bio` is a bio of the request, valid while the driver owns it.
            let (vecs, iter, next) = unsafe { ((*bio).bi_io_vec, (*bio).bi_iter, (*bio).bi_next) };
            let n = iter.bi_size as usize;
            if n > len - done {
                return Err(EIO);
            }
            let mut it = core::mem::MaybeUninit::<bindings::iov_iter>::uninit();
            let dir = if to_request {
                bindings::ITER_DEST
            } else {
                bindings::ITER_SOURCE
            };
            // SAFETY: `vecs[iter.bi_idx..]` are the bio's remaining segments, which hold
            // `iter.bi_size` bytes after the first `iter.bi_bvec_done`; `it` is valid for writes
            // and initialized by `iov_iter_bvec`.
            unsafe {
                bindings::iov_iter_bvec(
                    it.as_mut_ptr(),
                    dir,
                    vecs.add(iter.bi_idx as usize),
                    usize::MAX,
                    n + iter.bi_bvec_done as usize,
                );
                bindings::iov_iter_advance(it.as_mut_ptr(), iter.bi_bvec_done as usize);
            }
            // SAFETY: `buf` is valid for `len` bytes and `done + n <= len`; the iterator was
            // initialized above.
            let copied = unsafe {
                if to_request {
                    bindings::_copy_to_iter(buf.add(done).cast(), n, it.as_mut_ptr())
                } else {
                    bindings::_copy_from_iter(buf.add(done).cast(), n, it.as_mut_ptr())
                }
            };
            if copied != n {
                return Err(EIO);
            }
            done += n;
            bio = next;
        }
        if done == len {
            Ok(())
        } else {
            Err(EIO)
        }
    }

    /// Copies the data a write request carries into `buf`, whose length must be
    /// [`Self::bytes`].
    pub fn copy_to_slice(&self, buf: &mut [u8]) -> Result {
        self.copy(buf.as_mut_ptr(), buf.len(), false)
    }

    /// Fills the data pages of a read request from `buf`, whose length must be
    /// [`Self::bytes`].
    pub fn copy_from_slice(&self, buf: &[u8]) -> Result {
        // The pointer is only read from when copying into the request.
        self.copy(buf.as_ptr().cast_mut(), buf.len(), true)
    }
}

// SAFETY: A `Request` may be ended or completed from any thread; its `&self` methods that
// change it are synchronized by the atomic refcount or only read.
unsafe impl<T: Operations> Send for Request<T> {}

// SAFETY: Shared references only read the request or change the atomic refcount.
unsafe impl<T: Operations> Sync for Request<T> {}

// SAFETY: Every `Request` is reference counted through its private data; a request is handed
// back to the block layer (and may be reused) only when the count of `ARef`s drops to one
// owner, in `try_set_end`.
unsafe impl<T: Operations> AlwaysRefCounted for Request<T> {
    fn inc_ref(&self) {
        // An `ARef` exists, so the count is at least 2 and cannot reach 0 concurrently.
        self.refcount().fetch_add(1, Ordering::Relaxed);
    }

    unsafe fn dec_ref(obj: NonNull<Self>) {
        // SAFETY: The caller guarantees that `obj` is valid and has a non-zero count.
        let refcount = unsafe { obj.as_ref() }.refcount();
        let old = refcount.fetch_sub(1, Ordering::Relaxed);
        // The last `ARef` leaves the request owned by the driver (count 1), never at 0: only
        // `try_set_end` hands a request back.
        if old <= 1 {
            crate::pr_err!("kernel::block::mq: request refcount underflow\n");
        }
    }
}
