// SPDX-License-Identifier: GPL-2.0

//! The tag set: the requests and hardware queues that disks of one driver share.
//!
//! Hand-written part of `kernel::block::mq` (kgen spec `header-specs/block-mq.yaml`).

use super::{operations::OperationsVTable, request::RequestDataWrapper, Operations};
use crate::{bindings, error, prelude::*, try_pin_init, types::Opaque};
use core::{convert::TryInto, marker::PhantomData, pin::Pin};

/// A C `struct blk_mq_tag_set` for the driver `T`.
///
/// `struct blk_mq_tag_set` contains a `struct list_head`, so it is pinned.
///
/// # Invariants
///
/// `inner` was initialized by `blk_mq_alloc_tag_set` with the C table of `T`
/// (`OperationsVTable::build`) and a private data area of a `RequestDataWrapper` per
/// request; it is freed only by `drop`.
#[pin_data(PinnedDrop)]
#[repr(transparent)]
pub struct TagSet<T: Operations> {
    #[pin]
    inner: Opaque<bindings::blk_mq_tag_set>,
    _p: PhantomData<T>,
}

impl<T: Operations> TagSet<T> {
    /// Creates a tag set of `nr_hw_queues` hardware queues with `num_tags` requests each, and
    /// `num_maps` queue maps, with the block layer's default request timeout (30 s).
    pub fn new(nr_hw_queues: u32, num_tags: u32, num_maps: u32) -> impl PinInit<Self, Error> {
        Self::with_timeout(nr_hw_queues, num_tags, num_maps, 0)
    }

    /// As [`TagSet::new`], with requests timing out after `timeout_ms` milliseconds (0: the
    /// default), when [`Operations::timeout`] is called.
    // Inlined so that `new`'s constant 0 folds the conversion away (bench/size.sh).
    #[inline]
    pub fn with_timeout(
        nr_hw_queues: u32,
        num_tags: u32,
        num_maps: u32,
        timeout_ms: u32,
    ) -> impl PinInit<Self, Error> {
        let timeout = if timeout_ms == 0 {
            0
        } else {
            // SAFETY: `__msecs_to_jiffies` only computes.
            unsafe { bindings::__msecs_to_jiffies(timeout_ms) }
        };
        let tag_set = core::mem::size_of::<RequestDataWrapper>()
            .try_into()
            .map_err(|_| EINVAL)
            .and_then(|cmd_size| {
                Ok(bindings::blk_mq_tag_set {
                    ops: OperationsVTable::<T>::build(),
                    nr_hw_queues,
                    timeout: timeout.try_into().map_err(|_| EINVAL)?,
                    numa_node: bindings::NUMA_NO_NODE,
                    queue_depth: num_tags,
                    cmd_size,
                    // Merging is the default since 6.14, which removed BLK_MQ_F_SHOULD_MERGE.
                    flags: 0,
                    nr_maps: num_maps,
                    // SAFETY: The other members are integers and pointers, for which zero
                    // means "none" or "default".
                    ..unsafe { core::mem::zeroed() }
                })
            });
        try_pin_init!(TagSet {
            inner <- PinInit::<_, Error>::pin_chain(Opaque::new(tag_set?), |tag_set| {
                // SAFETY: The tag set is not moved out of.
                let tag_set = unsafe { Pin::get_unchecked_mut(tag_set) };
                // SAFETY: `tag_set.get()` points at an initialized `blk_mq_tag_set`, pinned.
                error::to_result(unsafe { bindings::blk_mq_alloc_tag_set(tag_set.get()) })
            }),
            _p: PhantomData,
        })
    }

    /// Returns the C tag set.
    pub(crate) fn raw_tag_set(&self) -> *mut bindings::blk_mq_tag_set {
        self.inner.get()
    }
}

#[pinned_drop]
impl<T: Operations> PinnedDrop for TagSet<T> {
    fn drop(self: Pin<&mut Self>) {
        // SAFETY: By the type invariants `inner` was allocated by `blk_mq_alloc_tag_set` and is
        // freed only here.
        unsafe { bindings::blk_mq_free_tag_set(self.inner.get()) };
    }
}
