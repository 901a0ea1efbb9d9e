// SPDX-License-Identifier: GPL-2.0

//! A sample blk-mq driver written against kgen's generated `kernel::block::mq`.
//!
//! Two RAM disks, each backed by a vmalloc'ed buffer of its own, and a null disk:
//!
//! - `kgenblk0` (8 MiB): 2 hardware queues of 64 tags, requests ended in `queue_rq`, a 2 s
//!   request timeout. Two one-shot faults exercise the error paths: the first direct read of
//!   [`STALL_SECTOR`] is held back until the block layer's timeout calls `timeout`, which ends
//!   it (and `show_rq` describes it in debugfs meanwhile); the first write to [`BUSY_SECTOR`]
//!   fails with `ENOMEM` (`BLK_STS_RESOURCE`), so the block layer requeues it.
//! - `kgenblk1` (4 MiB): 1 hardware queue, requests completed through `Request::complete` (the
//!   block layer's completion path, which calls `complete`). The first request in the middle
//!   of a batch (neither its first nor its last) fails once with `ENOMEM`.
//!
//! - `kgenblk2` (1 MiB): no queue data (`GenDiskBuilder::build`, as rnull): a null disk whose
//!   requests end at once.
//!
//! The RAM disks count hardware queues in `init_hctx`/`exit_hctx` and grant unlimited budget
//! (`get_budget` and friends), counting the calls.
//!
//! Coverage markers: the first time each callback (and each call site of a `kernel::block::mq`
//! function) runs in a loaded instance of this module, it prints `kgen-cov: callback NAME` (or
//! `kgen-cov: method Type::NAME`); qemu-tests/run.sh counts the distinct names.
//!
//! This file must stay free of the keyword that opts out of Rust's checks: run.sh fails if it
//! appears here.

use core::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use kernel::{
    block::mq::{
        gen_disk::{GenDisk, GenDiskBuilder},
        Operations, ReqOp, Request, TagSet, TimerReturn,
    },
    new_spinlock,
    prelude::*,
    seq_file::SeqFile,
    sync::{Arc, SpinLock},
    types::ARef,
};

module! {
    type: KgenBlkModule,
    name: "rust_blk_sample",
    author: "kgen",
    description: "Sample RAM disk using kgen's generated kernel::block::mq",
    license: "GPL",
}

/// Sector whose first direct read is held until it times out (2 MiB into `kgenblk0`).
const STALL_SECTOR: u64 = 4096;
/// Sector whose first write fails with `ENOMEM`, to be requeued (1.5 MiB into `kgenblk0`).
const BUSY_SECTOR: u64 = 3072;
const SECTOR_SIZE: usize = 512;

include!("kgen_cov.rs");

/// Marks the function Type::NAME of `kernel::block::mq` as executed (after it returned).
macro_rules! ran {
    ($name:literal, $e:expr) => {{
        let r = $e;
        cov!("method", $name);
        r
    }};
}

/// One RAM disk: the queue data of its `GenDisk`.
#[pin_data]
struct KgenBlk {
    index: u32,
    /// End requests through `Request::complete` (else `Request::end`).
    complete_remote: bool,
    #[pin]
    data: SpinLock<KVVec<u8>>,
    /// The request held back by the stall fault, until `timeout` ends it.
    #[pin]
    held: SpinLock<Option<ARef<Request<KgenBlk>>>>,
    stall_armed: AtomicBool,
    busy_armed: AtomicBool,
    batch_fault_armed: AtomicBool,
    /// The last request was queued with `is_last == false`: more follow in its batch.
    more_follow: AtomicBool,
    live_hw_queues: AtomicU32,
    budget_calls: AtomicU64,
}

impl KgenBlk {
    fn new(index: u32, bytes: usize, complete_remote: bool) -> Result<impl PinInit<Self, Error>> {
        let data = KVVec::from_elem(0u8, bytes, GFP_KERNEL)?;
        // The stall and busy faults are armed on disk 0, the batch fault on disk 1.
        let faults = index == 0;
        Ok(try_pin_init!(Self {
            index,
            complete_remote,
            data <- new_spinlock!(data, "kgenblk:data"),
            held <- new_spinlock!(None, "kgenblk:held"),
            stall_armed: AtomicBool::new(faults),
            busy_armed: AtomicBool::new(faults),
            batch_fault_armed: AtomicBool::new(!faults),
            more_follow: AtomicBool::new(false),
            live_hw_queues: AtomicU32::new(0),
            budget_calls: AtomicU64::new(0),
        }))
    }

    /// Moves the data of `rq` between the request's pages and the disk's buffer.
    fn transfer(&self, rq: &Request<Self>, op: ReqOp) -> Result {
        let sector = ran!("Request::sector", rq.sector());
        let bytes = ran!("Request::bytes", rq.bytes());
        let sectors = ran!("Request::sectors", rq.sectors());
        if u64::from(sectors) * SECTOR_SIZE as u64 != u64::from(bytes) {
            return Err(EIO);
        }
        let start = usize::try_from(sector)?
            .checked_mul(SECTOR_SIZE)
            .ok_or(EIO)?;
        let end = start.checked_add(bytes as usize).ok_or(EIO)?;
        let mut data = self.data.lock();
        let buf = data.get_mut(start..end).ok_or(EIO)?;
        match op {
            ReqOp::Read => ran!("Request::copy_from_slice", rq.copy_from_slice(buf)),
            ReqOp::Write => ran!("Request::copy_to_slice", rq.copy_to_slice(buf)),
            ReqOp::Flush => Ok(()),
            _ => Err(EIO),
        }
    }

    /// Ends `rq` with `result`, the way this disk does it.
    fn finish(&self, rq: ARef<Request<Self>>, result: Result) -> Result {
        if self.complete_remote && result.is_ok() {
            ran!("Request::complete", Request::complete(rq));
            Ok(())
        } else {
            // `end` fails only if the driver kept another `ARef`, which this one never does.
            ran!("Request::end", Request::end(rq, result)).map_err(|_| EIO)
        }
    }
}

#[vtable]
impl Operations for KgenBlk {
    fn queue_rq(rq: ARef<Request<Self>>, is_last: bool) -> Result {
        callback!("queue_rq");
        let Some(dev) = ran!("Request::queue_data", rq.queue_data()) else {
            // `kgenblk2` has no queue data: a null disk, like rnull.
            return ran!("Request::end_ok", Request::end_ok(rq)).map_err(|_| EIO);
        };
        let in_batch = dev.more_follow.swap(!is_last, Ordering::Relaxed);
        if in_batch && !is_last && dev.batch_fault_armed.swap(false, Ordering::Relaxed) {
            // The block layer then commits what it queued of the batch (`commit_rqs`) and
            // gives back the budget of the rest (`get_rq_budget_token`, `put_budget`).
            pr_info!(
                "kgenblk{}: request in the middle of a batch fails once (ENOMEM)\n",
                dev.index
            );
            dev.more_follow.store(false, Ordering::Relaxed);
            return Err(ENOMEM);
        }
        let _ = ran!("Request::tag", rq.tag());
        let _ = ran!("Request::hw_queue_index", rq.hw_queue_index());
        if ran!("Request::is_passthrough", rq.is_passthrough()) {
            return Err(EIO);
        }
        let op = ran!("Request::op", rq.op())?;
        let sector = rq.sector();
        if op == ReqOp::Read
            && sector == STALL_SECTOR
            && dev.stall_armed.swap(false, Ordering::Relaxed)
        {
            pr_info!(
                "kgenblk{}: holding the read of sector {} until it times out\n",
                dev.index,
                sector
            );
            *dev.held.lock() = Some(rq);
            return Ok(());
        }
        if op == ReqOp::Write
            && sector == BUSY_SECTOR
            && dev.busy_armed.swap(false, Ordering::Relaxed)
        {
            pr_info!(
                "kgenblk{}: write of sector {} busy once (ENOMEM)\n",
                dev.index,
                sector
            );
            return Err(ENOMEM);
        }
        let result = dev.transfer(&rq, op);
        dev.finish(rq, result)
    }

    fn commit_rqs() {
        callback!("commit_rqs");
    }

    fn get_budget(queue: Option<&Self>) -> i32 {
        callback!("get_budget");
        if let Some(dev) = queue {
            dev.budget_calls.fetch_add(1, Ordering::Relaxed);
        }
        // Unlimited budget: every token is 0.
        0
    }

    fn put_budget(queue: Option<&Self>, budget_token: i32) {
        callback!("put_budget");
        if budget_token != 0 {
            pr_err!(
                "kgenblk: put_budget got token {}, gave out only 0\n",
                budget_token
            );
        }
        if let Some(dev) = queue {
            dev.budget_calls.fetch_add(1, Ordering::Relaxed);
        }
    }

    fn set_rq_budget_token(_rq: &Request<Self>, budget_token: i32) {
        callback!("set_rq_budget_token");
        if budget_token != 0 {
            pr_err!("kgenblk: set_rq_budget_token got token {}\n", budget_token);
        }
    }

    fn get_rq_budget_token(_rq: &Request<Self>) -> i32 {
        callback!("get_rq_budget_token");
        0
    }

    fn timeout(rq: &Request<Self>) -> TimerReturn {
        callback!("timeout");
        let Some(dev) = rq.queue_data() else {
            return TimerReturn::ResetTimer;
        };
        let held = dev.held.lock().take();
        match held {
            Some(h) if h.tag() == rq.tag() && h.hw_queue_index() == rq.hw_queue_index() => {
                pr_info!(
                    "kgenblk{}: request {} timed out, ending it\n",
                    dev.index,
                    h.tag()
                );
                let result = dev.transfer(&h, ReqOp::Read);
                match Request::end(h, result) {
                    Ok(()) => TimerReturn::Done,
                    Err(h) => {
                        *dev.held.lock() = Some(h);
                        TimerReturn::ResetTimer
                    }
                }
            }
            other => {
                // Not the held request (a slow one under emulation): let it run.
                *dev.held.lock() = other;
                TimerReturn::ResetTimer
            }
        }
    }

    fn complete(rq: ARef<Request<Self>>) {
        callback!("complete");
        if Request::end_ok(rq).is_err() {
            pr_err!("kgenblk: a completed request still had other references\n");
        }
    }

    fn init_hctx(queue: Option<&Self>, hw_queue_index: u32) -> Result {
        callback!("init_hctx");
        if let Some(dev) = queue {
            dev.live_hw_queues.fetch_add(1, Ordering::Relaxed);
            pr_info!(
                "kgenblk{}: hardware queue {} up\n",
                dev.index,
                hw_queue_index
            );
        }
        Ok(())
    }

    fn exit_hctx(queue: Option<&Self>, _hw_queue_index: u32) {
        callback!("exit_hctx");
        if let Some(dev) = queue {
            dev.live_hw_queues.fetch_sub(1, Ordering::Relaxed);
        }
    }

    fn show_rq(m: &mut SeqFile, rq: &Request<Self>) {
        callback!("show_rq");
        let what = match rq.op() {
            Ok(ReqOp::Read) => ", kgen-sample: read",
            Ok(ReqOp::Write) => ", kgen-sample: write",
            _ => ", kgen-sample: other",
        };
        ran!("SeqFile::write_str", m.write_str(what));
    }
}

struct KgenBlkModule {
    disks: KVec<GenDisk<KgenBlk>>,
}

/// Builds disk `index` of `mib` MiB on a new tag set.
fn add_disk(
    index: u32,
    mib: usize,
    set: impl PinInit<TagSet<KgenBlk>, Error>,
    complete_remote: bool,
) -> Result<GenDisk<KgenBlk>> {
    let bytes = mib << 20;
    let set = Arc::pin_init(set, GFP_KERNEL)?;
    let dev = Arc::pin_init(KgenBlk::new(index, bytes, complete_remote)?, GFP_KERNEL)?;
    let builder = ran!("GenDiskBuilder::new", GenDiskBuilder::new());
    let builder = ran!(
        "GenDiskBuilder::capacity_sectors",
        builder.capacity_sectors((bytes / SECTOR_SIZE) as u64)
    );
    let builder = ran!(
        "GenDiskBuilder::logical_block_size",
        builder.logical_block_size(512)
    )?;
    let builder = ran!(
        "GenDiskBuilder::physical_block_size",
        builder.physical_block_size(4096)
    )?;
    let builder = ran!("GenDiskBuilder::rotational", builder.rotational(false));
    ran!(
        "GenDiskBuilder::build_with_data",
        builder.build_with_data(format_args!("kgenblk{}", index), set, dev)
    )
}

impl kernel::Module for KgenBlkModule {
    fn init(_module: &'static ThisModule) -> Result<Self> {
        let mut disks = KVec::new();
        let set0 = ran!("TagSet::with_timeout", TagSet::with_timeout(2, 64, 1, 2000));
        disks.push(add_disk(0, 8, set0, false)?, GFP_KERNEL)?;
        let set1 = ran!("TagSet::new", TagSet::new(1, 32, 1));
        disks.push(add_disk(1, 4, set1, true)?, GFP_KERNEL)?;
        // A disk without queue data, built as rnull builds its disk.
        let set2 = Arc::pin_init(TagSet::new(1, 16, 1), GFP_KERNEL)?;
        let disk2 = ran!(
            "GenDiskBuilder::build",
            GenDiskBuilder::new()
                .capacity_sectors(2048)
                .build(format_args!("kgenblk{}", 2), set2)
        )?;
        disks.push(disk2, GFP_KERNEL)?;
        for d in disks.iter() {
            if let Some(dev) = ran!("GenDisk::queue_data", d.queue_data()) {
                pr_info!(
                    "kgenblk{}: {} hardware queue(s) live\n",
                    dev.index,
                    dev.live_hw_queues.load(Ordering::Relaxed)
                );
            }
        }
        Ok(Self { disks })
    }
}

impl Drop for KgenBlkModule {
    fn drop(&mut self) {
        for d in self.disks.iter() {
            if let Some(dev) = d.queue_data() {
                pr_info!(
                    "kgenblk{}: {} budget calls\n",
                    dev.index,
                    dev.budget_calls.load(Ordering::Relaxed)
                );
            }
        }
    }
}
