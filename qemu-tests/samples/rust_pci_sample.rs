// SPDX-License-Identifier: GPL-2.0

//! A sample PCI driver written against kgen's generated `kernel::pci`.
//!
//! It binds two devices that QEMU emulates for testing, and checks what it does to them:
//!
//! - `edu` (1234:11e8): the ID register, the liveness register (it reads back the inverse of
//!   what was written), a factorial computed by the device and polled for, a 64-bit register
//!   (the DMA source address), interrupts (one raised on demand, one that signals a factorial
//!   done) through a handler registered with `Device::request_irq`, and a DMA round trip
//!   (memory to the device's buffer and back, through two coherent allocations).
//! - Across unbind: a BAR kept past `remove` (by an object that the driver core drops after
//!   the device's resources) is revoked: `try_access` returns `None`.
//! - `pci-testdev` (1b36:0005): a write to its MMIO BAR selects a test, whose header then
//!   reads back through both BARs (MMIO and port I/O).
//!
//! Each check prints `kgen-pci: PASS NAME` or `kgen-pci: FAIL NAME`, which /init turns into
//! KTAP results. Coverage markers: the first time each callback (and each call site of a
//! `kernel::pci` function) runs in a loaded instance of this module, it prints
//! `kgen-cov: callback NAME` (or `kgen-cov: method Type::NAME`); qemu-tests/run.sh counts the
//! distinct names.
//!
//! This file must stay free of the keyword that opts out of Rust's checks: run.sh fails if it
//! appears here.

use core::sync::atomic::{AtomicU32, Ordering};
use kernel::{
    c_str,
    devres::Devres,
    dma::{CoherentAllocation, DmaMask},
    irq, new_mutex, pci,
    prelude::*,
    sync::{Arc, Mutex},
    time::Ktime,
};

include!("kgen_cov.rs");

/// Marks the function Type::NAME of `kernel::pci` as executed (after it returned).
macro_rules! ran {
    ($name:literal, $e:expr) => {{
        let r = $e;
        cov!("method", $name);
        r
    }};
}

/// Prints the result of a check, for /init.
fn check(name: &str, ok: bool) {
    pr_info!("kgen-pci: {} {}\n", if ok { "PASS" } else { "FAIL" }, name);
}

/// Which of the two test devices an entry of the device table matches.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Kind {
    Edu,
    TestDev,
    /// QEMU's igb (82576), an SR-IOV physical function with AER, on the q35 boot.
    IgbPf,
    /// One of its virtual functions.
    IgbVf,
    /// QEMU's virtio-rng-pci with `aer=on`, on the q35 boot: an endpoint whose injected AER
    /// errors reach the error handlers (QEMU's igb does not let the kernel enable its error
    /// reporting).
    VirtioRng,
}

kernel::pci_device_table!(
    PCI_TABLE,
    MODULE_PCI_TABLE,
    <SampleDriver as pci::Driver>::IdInfo,
    [
        (pci::DeviceId::from_id(0x1234, 0x11e8), Kind::Edu),
        (pci::DeviceId::from_id(0x1b36, 0x0005), Kind::TestDev),
        (pci::DeviceId::from_id(0x8086, 0x10c9), Kind::IgbPf),
        (pci::DeviceId::from_id(0x8086, 0x10ca), Kind::IgbVf),
        (pci::DeviceId::from_id(0x1af4, 0x1044), Kind::VirtioRng),
    ]
);

kernel::module_pci_driver! {
    type: SampleDriver,
    name: "rust_pci_sample",
    author: "kgen",
    description: "Sample PCI driver using kgen's generated kernel::pci",
    license: "GPL",
}

/// The registers this sample uses: all of them lie in the first 256 bytes of BAR 0.
const BAR0_SIZE: usize = 256;

// Offsets in the configuration space header (include/uapi/linux/pci_regs.h).
const PCI_VENDOR_ID: u16 = 0x00;
const PCI_DEVICE_ID: u16 = 0x02;
const PCI_COMMAND: u16 = 0x04;
const PCI_REVISION_ID: u16 = 0x08;
const PCI_INTERRUPT_LINE: u16 = 0x3c;

const EDU_ID: usize = 0x00;
const EDU_LIVENESS: usize = 0x04;
const EDU_FACTORIAL: usize = 0x08;
const EDU_STATUS: usize = 0x20;
const EDU_STATUS_COMPUTING: u32 = 0x01;
/// Set in the status register: raise `EDU_IRQ_FACTORIAL` when a factorial is done.
const EDU_STATUS_IRQ_ON_FACTORIAL: u32 = 0x80;
const EDU_IRQ_STATUS: usize = 0x24;
const EDU_IRQ_RAISE: usize = 0x60;
const EDU_IRQ_ACK: usize = 0x64;
const EDU_IRQ_FACTORIAL: u32 = 0x001;
const EDU_IRQ_DMA: u32 = 0x100;
/// An interrupt status that this sample raises through `EDU_IRQ_RAISE`.
const EDU_IRQ_SAMPLE: u32 = 0x1000;
const EDU_DMA_SRC: usize = 0x80;
const EDU_DMA_DST: usize = 0x88;
const EDU_DMA_COUNT: usize = 0x90;
const EDU_DMA_CMD: usize = 0x98;
const EDU_DMA_RUN: u64 = 0x1;
const EDU_DMA_TO_RAM: u64 = 0x2;
const EDU_DMA_IRQ: u64 = 0x4;
/// The device address of edu's 4 KiB DMA buffer.
const EDU_DMA_BUFFER: u64 = 0x40000;
/// The words of the DMA round trip.
const DMA_WORDS: usize = 16;

/// `struct PCITestDevHdr` of QEMU's pci-testdev: the selected test and its offset.
const TESTDEV_TEST: usize = 0x00;
const TESTDEV_OFFSET: usize = 0x04;

type Bar0 = pci::Bar<BAR0_SIZE>;

/// The per-device data: which device it is, its mapped BAR 0 (shared with edu's interrupt
/// handler), and edu's interrupt registration.
struct SampleDriver {
    kind: Kind,
    bar: Option<Arc<Devres<Bar0>>>,
    irq: Option<Devres<irq::Registration<EduIrq>>>,
}

/// How many MSI-X vectors the VFs of igb share, as `sriov_get_vf_total_msix` tells sysfs.
const IGB_VF_TOTAL_MSIX: u32 = 6;

/// What edu's interrupt handler saw: the interrupt status bits it acknowledged.
#[derive(Default)]
struct EduIrqs {
    seen: AtomicU32,
}

/// edu's interrupt handler: acknowledges what the device raised and records it.
struct EduIrq {
    bar: Arc<Devres<Bar0>>,
    seen: Arc<EduIrqs>,
}

impl irq::Handler for EduIrq {
    fn handle(&self) -> irq::IrqReturn {
        let Some(bar) = self.bar.try_access() else {
            return irq::IrqReturn::None;
        };
        let status = bar.read32(EDU_IRQ_STATUS);
        if status == 0 {
            return irq::IrqReturn::None; // a shared INTx line, raised by another device
        }
        bar.write32(status, EDU_IRQ_ACK);
        self.seen.seen.fetch_or(status, Ordering::AcqRel);
        irq::IrqReturn::Handled
    }
}

impl EduIrqs {
    /// Waits (spinning, at most 2 s) for the handler to have seen `bits`, and clears them.
    fn wait(&self, bits: u32) -> bool {
        let start = Ktime::ktime_get();
        while self.seen.load(Ordering::Acquire) & bits != bits {
            if (Ktime::ktime_get() - start).to_ms() > 2000 {
                return false;
            }
            core::hint::spin_loop();
        }
        self.seen.fetch_and(!bits, Ordering::AcqRel);
        true
    }
}

/// Holds a BAR past `remove`: the driver core drops it after the BAR's own devres node
/// (devres nodes are released last-added first), so its `drop` sees the BAR revoked.
struct KeptBar(Arc<Mutex<Option<Arc<Devres<Bar0>>>>>);

impl Drop for KeptBar {
    fn drop(&mut self) {
        if let Some(bar) = self.0.lock().take() {
            check(
                "unbind: a BAR kept past remove is revoked (try_access is None)",
                bar.try_access().is_none() && bar.is_revoked(),
            );
        }
    }
}

fn edu_checks(bar: &Bar0) {
    let id = ran!("Bar::read32", bar.read32(EDU_ID));
    check("edu: the ID register ends in 0xed", id & 0xff == 0xed);

    ran!("Bar::write32", bar.write32(0x1234_5678, EDU_LIVENESS));
    check(
        "edu: the liveness register inverts what was written",
        bar.read32(EDU_LIVENESS) == !0x1234_5678,
    );

    bar.write32(5, EDU_FACTORIAL);
    let mut polls = 0;
    while bar.read32(EDU_STATUS) & EDU_STATUS_COMPUTING != 0 && polls < 1_000_000 {
        core::hint::spin_loop();
        polls += 1;
    }
    check(
        "edu: the device computes 5! = 120 (polled)",
        bar.read32(EDU_FACTORIAL) == 120,
    );

    // edu answers 4-byte accesses only, below 0x80: narrower ones read as QEMU decides.
    pr_info!(
        "kgen-pci: edu 8- and 16-bit reads of the ID: {:#x} {:#x}\n",
        ran!("Bar::read8", bar.read8(EDU_ID)),
        ran!("Bar::read16", bar.read16(EDU_ID))
    );
    // The DMA source address (0x80) takes 8-byte accesses.
    ran!(
        "Bar::write64",
        bar.write64(0x1122_3344_5566_7788, EDU_DMA_SRC)
    );
    check(
        "edu: a 64-bit write, then a 64-bit and a 32-bit read of the DMA source address",
        ran!("Bar::read64", bar.read64(EDU_DMA_SRC)) == 0x1122_3344_5566_7788
            && bar.read32(EDU_DMA_SRC) == 0x5566_7788,
    );
    check(
        "edu: try_read32 inside the BAR reads the ID",
        ran!("Bar::try_read32", bar.try_read32(EDU_ID)) == Ok(id),
    );
    check(
        "edu: try_write32 then try_read32 of the liveness register",
        ran!(
            "Bar::try_write32",
            bar.try_write32(0x0f0f_0f0f, EDU_LIVENESS)
        )
        .is_ok()
            && bar.try_read32(EDU_LIVENESS) == Ok(0xf0f0_f0f0),
    );
    check(
        "edu: try_read32 past the end of the BAR is EINVAL",
        bar.try_read32(bar.len()) == Err(EINVAL),
    );
    check(
        "edu: an unaligned try_read32 is EINVAL",
        bar.try_read32(2) == Err(EINVAL),
    );
    check(
        "edu: Bar::len is the BAR's length (1 MiB)",
        ran!("Bar::len", bar.len()) == 1 << 20 && !ran!("Bar::is_empty", bar.is_empty()),
    );
}

/// Interrupts and DMA with edu, through `irq` and its handler's record `seen`.
fn edu_irq_dma_checks(dev: &pci::Device, bar: &Devres<Bar0>, seen: &EduIrqs) -> Result {
    let io = bar.try_access().ok_or(ENXIO)?;
    io.write32(EDU_IRQ_SAMPLE, EDU_IRQ_RAISE);
    drop(io);
    check(
        "edu: an interrupt raised on demand reaches the handler, which acknowledges it",
        seen.wait(EDU_IRQ_SAMPLE)
            && bar.try_access().ok_or(ENXIO)?.read32(EDU_IRQ_STATUS) & EDU_IRQ_SAMPLE == 0,
    );

    let io = bar.try_access().ok_or(ENXIO)?;
    io.write32(EDU_STATUS_IRQ_ON_FACTORIAL, EDU_STATUS);
    io.write32(6, EDU_FACTORIAL);
    drop(io);
    let signalled = seen.wait(EDU_IRQ_FACTORIAL);
    let io = bar.try_access().ok_or(ENXIO)?;
    check(
        "edu: the device computes 6! = 720 and signals it by interrupt",
        signalled && io.read32(EDU_FACTORIAL) == 720,
    );
    io.write32(0, EDU_STATUS);
    drop(io);

    let to_device = ran!(
        "CoherentAllocation::alloc_coherent",
        CoherentAllocation::<u32>::alloc_coherent(dev.as_ref(), DMA_WORDS, GFP_KERNEL)
    )?;
    let from_device =
        CoherentAllocation::<u32>::alloc_coherent(dev.as_ref(), DMA_WORDS, GFP_KERNEL)?;
    check(
        "dma: coherent allocations are zeroed, below the 32-bit mask",
        (0..DMA_WORDS).all(|i| from_device.read(i) == Ok(0))
            && to_device.dma_handle() < 1 << 32
            && from_device.dma_handle() < 1 << 32
            && to_device.size() == DMA_WORDS * 4,
    );
    for i in 0..DMA_WORDS {
        to_device.write(i, 0xc0de_0000 | i as u32)?;
    }
    let bytes = (DMA_WORDS * 4) as u64;
    let io = bar.try_access().ok_or(ENXIO)?;
    io.write64(to_device.dma_handle(), EDU_DMA_SRC);
    io.write64(EDU_DMA_BUFFER, EDU_DMA_DST);
    io.write64(bytes, EDU_DMA_COUNT);
    io.write64(EDU_DMA_RUN | EDU_DMA_IRQ, EDU_DMA_CMD);
    drop(io);
    let sent = seen.wait(EDU_IRQ_DMA);
    let io = bar.try_access().ok_or(ENXIO)?;
    io.write64(EDU_DMA_BUFFER, EDU_DMA_SRC);
    io.write64(from_device.dma_handle(), EDU_DMA_DST);
    io.write64(bytes, EDU_DMA_COUNT);
    io.write64(EDU_DMA_RUN | EDU_DMA_TO_RAM | EDU_DMA_IRQ, EDU_DMA_CMD);
    drop(io);
    let received = seen.wait(EDU_IRQ_DMA);
    check(
        "dma: a buffer sent to edu by DMA comes back by DMA, word for word",
        sent && received && (0..DMA_WORDS).all(|i| from_device.read(i) == to_device.read(i)),
    );
    check(
        "dma: reads and writes past the allocation are EINVAL",
        from_device.read(DMA_WORDS) == Err(EINVAL)
            && from_device.write(DMA_WORDS, 0) == Err(EINVAL),
    );
    Ok(())
}

/// Configuration space reads and writes, through the header both devices have.
fn config_checks(dev: &pci::Device) -> Result {
    let ids = ran!("Device::read_config_u32", dev.read_config_u32(PCI_VENDOR_ID))?;
    check(
        "config: the 16- and 32-bit reads of the IDs agree with the getters",
        ran!("Device::read_config_u16", dev.read_config_u16(PCI_DEVICE_ID))
            == Ok(dev.device_id())
            && ids == u32::from(dev.vendor_id()) | (u32::from(dev.device_id()) << 16),
    );
    check(
        "config: the 8-bit read of the revision agrees with the getter",
        ran!("Device::read_config_u8", dev.read_config_u8(PCI_REVISION_ID))
            == Ok(dev.revision_id()),
    );
    // The interrupt line register is scratch for the device: it takes any value.
    let line = dev.read_config_u8(PCI_INTERRUPT_LINE)?;
    ran!(
        "Device::write_config_u8",
        dev.write_config_u8(PCI_INTERRUPT_LINE, 0x5a)
    )?;
    let wrote = dev.read_config_u8(PCI_INTERRUPT_LINE);
    dev.write_config_u8(PCI_INTERRUPT_LINE, line)?;
    check(
        "config: an 8-bit write of the interrupt line reads back",
        wrote == Ok(0x5a),
    );
    let command = dev.read_config_u16(PCI_COMMAND)?;
    let interrupt = dev.read_config_u32(PCI_INTERRUPT_LINE)?;
    check(
        "config: 16- and 32-bit writes of the values read succeed",
        ran!(
            "Device::write_config_u16",
            dev.write_config_u16(PCI_COMMAND, command)
        )
        .is_ok()
            && ran!(
                "Device::write_config_u32",
                dev.write_config_u32(PCI_INTERRUPT_LINE, interrupt)
            )
            .is_ok()
            && dev.read_config_u16(PCI_COMMAND) == Ok(command),
    );
    check(
        "config: unaligned accesses are EFAULT (PCIBIOS_BAD_REGISTER_NUMBER)",
        dev.read_config_u16(PCI_VENDOR_ID + 1) == Err(EFAULT)
            && dev.read_config_u32(PCI_DEVICE_ID) == Err(EFAULT)
            && dev.write_config_u32(PCI_INTERRUPT_LINE + 1, 0) == Err(EFAULT),
    );
    Ok(())
}

/// pci-testdev's checks. The BAR's guard holds the RCU read lock, so it is dropped before
/// `iomap_region`, which may sleep.
fn testdev_checks(dev: &pci::Device, bar: &Devres<Bar0>) -> Result {
    let bar = bar.try_access().ok_or(ENXIO)?;
    ran!("Bar::write8", bar.write8(0, TESTDEV_TEST));
    check("testdev: MMIO selects test 0", bar.read8(TESTDEV_TEST) == 0);
    let offset = bar.read32(TESTDEV_OFFSET);
    check(
        "testdev: a 16-bit and a 64-bit read agree with the 32-bit ones",
        ran!("Bar::read16", bar.read16(TESTDEV_OFFSET)) == offset as u16
            && ran!("Bar::read64", bar.read64(TESTDEV_TEST)) >> 32 == u64::from(offset),
    );
    ran!("Bar::try_write8", bar.try_write8(1, TESTDEV_TEST))?;
    check(
        "testdev: a write selects test 1, whose header reads back",
        bar.read8(TESTDEV_TEST) == 1,
    );
    ran!("Bar::write16", bar.write16(0, TESTDEV_TEST));
    ran!("Bar::write64", bar.write64(0, TESTDEV_TEST));
    check(
        "testdev: the 16- and 64-bit writes select test 0 again",
        bar.read32(TESTDEV_OFFSET) == offset,
    );
    drop(bar);

    let pio = ran!(
        "Device::iomap_region",
        dev.iomap_region(1, c_str!("rust_pci_sample pio"))
    )?;
    let pio = pio.try_access().ok_or(ENXIO)?;
    check(
        "testdev: the port I/O BAR reads the selected test's header",
        ran!("Bar::try_read8", pio.try_read8(TESTDEV_TEST)) == Ok(0)
            && pio.try_read32(TESTDEV_OFFSET) == Ok(offset),
    );
    check(
        "testdev: the port I/O BAR takes 16-bit accesses",
        ran!("Bar::try_read16", pio.try_read16(TESTDEV_OFFSET)) == Ok(offset as u16)
            && ran!("Bar::try_write16", pio.try_write16(0, TESTDEV_TEST)).is_ok(),
    );
    check(
        "testdev: 64-bit accesses through port I/O",
        ran!("Bar::try_read64", pio.try_read64(TESTDEV_TEST)).is_ok()
            && ran!("Bar::try_write64", pio.try_write64(0, TESTDEV_TEST)).is_ok(),
    );
    Ok(())
}

/// The probe of the q35 boot's devices: the device is enabled, so that SR-IOV, function
/// reset and AER can reach the driver's callbacks.
fn pcie_probe(dev: &pci::Device, kind: Kind) -> Result<Pin<KBox<SampleDriver>>> {
    match kind {
        Kind::IgbPf => check(
            "igb: a physical function with SR-IOV and no VFs yet",
            !dev.is_virtfn() && dev.num_vf() == 0 && dev.sriov_get_totalvfs() > 0,
        ),
        Kind::IgbVf => check("igb: a virtual function", dev.is_virtfn()),
        _ => check(
            "virtio-rng: a function without SR-IOV",
            !dev.is_virtfn() && dev.sriov_get_totalvfs() == 0,
        ),
    }
    dev.enable_device_mem()?;
    Ok(KBox::pin(
        SampleDriver {
            kind,
            bar: None,
            irq: None,
        },
        GFP_KERNEL,
    )?)
}

/// Allocates edu's interrupt vector, registers the handler, and runs the interrupt and DMA
/// checks.
fn edu_irq(
    dev: &pci::Device,
    bar: &Arc<Devres<Bar0>>,
) -> Result<Devres<irq::Registration<EduIrq>>> {
    // edu's own DMA engine takes 28-bit addresses, but the kernel (no ZONE_DMA) cannot
    // allocate below 2^28 for it: QEMU's edu is started with `dma_mask=0xffffffff`.
    check(
        "dma: a 28-bit mask is refused with EIO (the kernel has no ZONE_DMA)",
        ran!(
            "Device::dma_set_mask_and_coherent",
            dev.dma_set_mask_and_coherent(DmaMask::new::<28>())
        ) == Err(EIO),
    );
    dev.dma_set_mask_and_coherent(DmaMask::new::<32>())?;
    let line = dev.irq();
    let n = ran!(
        "Device::alloc_irq_vectors",
        dev.alloc_irq_vectors(1, 1, pci::irq_type::ALL_TYPES)
    )?;
    let vector = ran!("Device::irq_vector", dev.irq_vector(0))?;
    check(
        "edu: one interrupt vector (MSI or INTx)",
        n == 1 && vector != 0,
    );
    // With MSI the vector is a new Linux IRQ; with INTx it is the device's line.
    pr_info!(
        "kgen-pci: edu interrupt vector {} ({})\n",
        vector,
        if vector == line { "INTx" } else { "MSI" }
    );
    let seen = Arc::new(EduIrqs::default(), GFP_KERNEL)?;
    let handler = EduIrq {
        bar: bar.clone(),
        seen: seen.clone(),
    };
    let registration = ran!(
        "Device::request_irq",
        dev.request_irq(0, irq::flags::SHARED, c_str!("rust_pci_sample"), handler)
    );
    let registration = match registration {
        Ok(registration) => registration,
        Err(e) => {
            dev.free_irq_vectors();
            return Err(e);
        }
    };
    if let Err(e) = edu_irq_dma_checks(dev, bar, &seen) {
        pr_info!("kgen-pci: FAIL edu: interrupt and DMA checks ({:?})\n", e);
    }
    Ok(registration)
}

#[vtable]
impl pci::Driver for SampleDriver {
    type IdInfo = Kind;
    const ID_TABLE: pci::IdTable<Kind> = &PCI_TABLE;

    fn probe(dev: &mut pci::Device, kind: &Kind) -> Result<Pin<KBox<Self>>> {
        callback!("probe");
        let vendor = ran!("Device::vendor_id", dev.vendor_id());
        let device = ran!("Device::device_id", dev.device_id());
        let expected = match kind {
            Kind::Edu => (0x1234, 0x11e8),
            Kind::TestDev => (0x1b36, 0x0005),
            Kind::IgbPf => (0x8086, 0x10c9),
            Kind::IgbVf => (0x8086, 0x10ca),
            Kind::VirtioRng => (0x1af4, 0x1044),
        };
        check(
            "probe: the ids of the device match its table entry",
            (vendor, device) == expected,
        );
        pr_info!(
            "kgen-pci: probe {:04x}:{:04x} ({:?}) subsystem {:04x}:{:04x} class {:06x} rev {} irq {}\n",
            vendor,
            device,
            kind,
            ran!("Device::subsystem_vendor_id", dev.subsystem_vendor_id()),
            ran!("Device::subsystem_device_id", dev.subsystem_device_id()),
            ran!("Device::class_code_raw", dev.class_code_raw()),
            ran!("Device::revision_id", dev.revision_id()),
            ran!("Device::irq", dev.irq()),
        );
        if matches!(kind, Kind::IgbPf | Kind::IgbVf | Kind::VirtioRng) {
            return pcie_probe(dev, *kind);
        }
        check(
            "probe: a physical function, with no VFs",
            !ran!("Device::is_virtfn", dev.is_virtfn())
                && ran!("Device::num_vf", dev.num_vf()) == 0
                && ran!("Device::sriov_get_totalvfs", dev.sriov_get_totalvfs()) == 0,
        );

        ran!("Device::enable_device", dev.enable_device())?;
        ran!("Device::enable_device_mem", dev.enable_device_mem())?;
        ran!("Device::set_master", dev.set_master());
        let start = ran!("Device::resource_start", dev.resource_start(0))?;
        let len = ran!("Device::resource_len", dev.resource_len(0))?;
        let flags = ran!("Device::resource_flags", dev.resource_flags(0))?;
        check(
            "probe: BAR 0 is a memory BAR with a start and a length",
            start != 0 && len >= BAR0_SIZE as u64 && flags & 0x200 != 0,
        );
        check(
            "probe: BAR 6 (past the last) is EINVAL",
            dev.resource_len(6) == Err(EINVAL) && dev.resource_start(6) == Err(EINVAL),
        );
        config_checks(dev)?;

        // Made before the BAR, so that the driver core drops it after the BAR is revoked.
        let kept = Arc::pin_init(new_mutex!(None), GFP_KERNEL)?;
        if *kind == Kind::Edu {
            Devres::new_foreign_owned(dev.as_ref(), KeptBar(kept.clone()), GFP_KERNEL)?;
        }
        let bar = Arc::new(
            ran!(
                "Device::iomap_region_sized",
                dev.iomap_region_sized::<BAR0_SIZE>(0, c_str!("rust_pci_sample"))
            )?,
            GFP_KERNEL,
        )?;
        let irq = match kind {
            Kind::Edu => {
                edu_checks(&*bar.try_access().ok_or(ENXIO)?);
                *kept.lock() = Some(bar.clone());
                Some(edu_irq(dev, &bar)?)
            }
            _ => {
                testdev_checks(dev, &bar)?;
                None
            }
        };
        Ok(KBox::pin(
            SampleDriver {
                kind: *kind,
                bar: Some(bar),
                irq,
            },
            GFP_KERNEL,
        )?)
    }

    fn remove(dev: &mut pci::Device, this: Pin<&Self>) {
        callback!("remove");
        if this.kind == Kind::Edu {
            check(
                "remove: the BAR still works until the device's resources are released",
                this.bar.as_ref().and_then(|bar| bar.try_access().map(|b| b.read32(EDU_ID) & 0xff))
                    == Some(0xed),
            );
        }
        if let Some(irq) = &this.irq {
            // The line is freed before its vectors: revoke the registration now.
            check(
                "remove: revoking the interrupt registration frees the line",
                irq.revoke() && irq.try_access().is_none(),
            );
            ran!("Device::free_irq_vectors", dev.free_irq_vectors());
        }
        if this.kind == Kind::IgbPf && dev.num_vf() > 0 {
            dev.disable_sriov();
        }
        ran!("Device::clear_master", dev.clear_master());
        ran!("Device::disable_device", dev.disable_device());
    }

    fn suspend(dev: &mut pci::Device, this: Pin<&Self>) -> Result {
        callback!("suspend");
        pr_info!(
            "kgen-pci: suspend {:?} {:04x}\n",
            this.kind,
            dev.device_id()
        );
        Ok(())
    }

    fn resume(dev: &mut pci::Device, this: Pin<&Self>) -> Result {
        callback!("resume");
        pr_info!("kgen-pci: resume {:?} {:04x}\n", this.kind, dev.device_id());
        Ok(())
    }

    fn shutdown(dev: &mut pci::Device, this: Pin<&Self>) {
        callback!("shutdown");
        pr_info!(
            "kgen-pci: shutdown {:?} {:04x}\n",
            this.kind,
            dev.device_id()
        );
    }

    fn sriov_configure(dev: &mut pci::Device, _this: Pin<&Self>, num_vfs: i32) -> Result<i32> {
        callback!("sriov_configure");
        if num_vfs == 0 {
            ran!("Device::disable_sriov", dev.disable_sriov());
            return Ok(0);
        }
        ran!("Device::enable_sriov", dev.enable_sriov(num_vfs))?;
        Ok(num_vfs)
    }

    fn sriov_set_msix_vec_count(vf: &mut pci::Device, msix_vec_count: i32) -> Result {
        callback!("sriov_set_msix_vec_count");
        pr_info!(
            "kgen-pci: sriov_set_msix_vec_count {:04x} {}\n",
            vf.device_id(),
            msix_vec_count
        );
        Ok(())
    }

    fn sriov_get_vf_total_msix(_pf: &mut pci::Device, _this: Pin<&Self>) -> u32 {
        callback!("sriov_get_vf_total_msix");
        IGB_VF_TOTAL_MSIX
    }

    fn error_detected(
        _dev: &mut pci::Device,
        this: Pin<&Self>,
        state: pci::ChannelState,
    ) -> pci::ErsResult {
        callback!("error_detected");
        pr_info!("kgen-pci: error_detected {:?} {:?}\n", this.kind, state);
        pci::ErsResult::CanRecover
    }

    fn mmio_enabled(_dev: &mut pci::Device, this: Pin<&Self>) -> pci::ErsResult {
        callback!("mmio_enabled");
        pr_info!("kgen-pci: mmio_enabled {:?}\n", this.kind);
        pci::ErsResult::NeedReset
    }

    fn slot_reset(_dev: &mut pci::Device, this: Pin<&Self>) -> pci::ErsResult {
        callback!("slot_reset");
        pr_info!("kgen-pci: slot_reset {:?}\n", this.kind);
        pci::ErsResult::Recovered
    }

    fn reset_prepare(_dev: &mut pci::Device, this: Pin<&Self>) {
        callback!("reset_prepare");
        pr_info!("kgen-pci: reset_prepare {:?}\n", this.kind);
    }

    fn reset_done(_dev: &mut pci::Device, this: Pin<&Self>) {
        callback!("reset_done");
        pr_info!("kgen-pci: reset_done {:?}\n", this.kind);
    }

    fn error_resume(_dev: &mut pci::Device, this: Pin<&Self>) {
        callback!("error_resume");
        pr_info!("kgen-pci: error_resume {:?}\n", this.kind);
    }

    fn cor_error_detected(_dev: &mut pci::Device, this: Pin<&Self>) {
        callback!("cor_error_detected");
        pr_info!("kgen-pci: cor_error_detected {:?}\n", this.kind);
    }
}
