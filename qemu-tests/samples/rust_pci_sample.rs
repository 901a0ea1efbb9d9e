// SPDX-License-Identifier: GPL-2.0

//! A sample PCI driver written against kgen's generated `kernel::pci`.
//!
//! It binds two devices that QEMU emulates for testing, and checks what it does to them:
//!
//! - `edu` (1234:11e8): the ID register, the liveness register (it reads back the inverse of
//!   what was written), a factorial computed by the device and polled for, and a 64-bit
//!   register (the DMA source address).
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

use kernel::{c_str, pci, prelude::*};

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
}

kernel::pci_device_table!(
    PCI_TABLE,
    MODULE_PCI_TABLE,
    <SampleDriver as pci::Driver>::IdInfo,
    [
        (pci::DeviceId::from_id(0x1234, 0x11e8), Kind::Edu),
        (pci::DeviceId::from_id(0x1b36, 0x0005), Kind::TestDev),
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

const EDU_ID: usize = 0x00;
const EDU_LIVENESS: usize = 0x04;
const EDU_FACTORIAL: usize = 0x08;
const EDU_STATUS: usize = 0x20;
const EDU_STATUS_COMPUTING: u32 = 0x01;
const EDU_DMA_SRC: usize = 0x80;

/// `struct PCITestDevHdr` of QEMU's pci-testdev: the selected test and its offset.
const TESTDEV_TEST: usize = 0x00;
const TESTDEV_OFFSET: usize = 0x04;

/// The per-device data: the mapped BAR 0, and which device it is.
struct SampleDriver {
    kind: Kind,
    bar: pci::Bar<BAR0_SIZE>,
}

fn edu_checks(bar: &pci::Bar<BAR0_SIZE>) {
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
    ran!("Bar::write64", bar.write64(0x1122_3344_5566_7788, EDU_DMA_SRC));
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

fn testdev_checks(dev: &pci::Device, bar: &pci::Bar<BAR0_SIZE>) -> Result {
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

    let pio = ran!(
        "Device::iomap_region",
        dev.iomap_region(1, c_str!("rust_pci_sample pio"))
    )?;
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
        check(
            "probe: a physical function, with no VFs",
            !ran!("Device::is_virtfn", dev.is_virtfn())
                && ran!("Device::num_vf", dev.num_vf()) == 0
                && ran!("Device::sriov_get_totalvfs", dev.sriov_get_totalvfs()) == 0,
        );

        ran!("Device::enable_device", dev.enable_device())?;
        ran!("Device::enable_device_mem", dev.enable_device_mem())?;
        ran!("Device::set_master", dev.set_master());
        if *kind == Kind::Edu {
            let n = ran!(
                "Device::alloc_irq_vectors",
                dev.alloc_irq_vectors(1, 1, pci::irq_type::ALL_TYPES)
            )?;
            let vector = ran!("Device::irq_vector", dev.irq_vector(0))?;
            check(
                "edu: one interrupt vector (MSI or INTx)",
                n == 1 && vector != 0,
            );
            ran!("Device::free_irq_vectors", dev.free_irq_vectors());
        }
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

        let bar = ran!(
            "Device::iomap_region_sized",
            dev.iomap_region_sized::<BAR0_SIZE>(0, c_str!("rust_pci_sample"))
        )?;
        match kind {
            Kind::Edu => edu_checks(&bar),
            Kind::TestDev => testdev_checks(dev, &bar)?,
        }
        Ok(KBox::pin(SampleDriver { kind: *kind, bar }, GFP_KERNEL)?)
    }

    fn remove(dev: &mut pci::Device, this: Pin<&Self>) {
        callback!("remove");
        if this.kind == Kind::Edu {
            check(
                "remove: the BAR still works until the data is dropped",
                this.bar.read32(EDU_ID) & 0xff == 0xed,
            );
        }
        ran!("Device::clear_master", dev.clear_master());
        ran!("Device::disable_device", dev.disable_device());
    }

    fn suspend(dev: &mut pci::Device, this: Pin<&Self>) -> Result {
        callback!("suspend");
        pr_info!("kgen-pci: suspend {:?} {:04x}\n", this.kind, dev.device_id());
        Ok(())
    }

    fn resume(dev: &mut pci::Device, this: Pin<&Self>) -> Result {
        callback!("resume");
        pr_info!("kgen-pci: resume {:?} {:04x}\n", this.kind, dev.device_id());
        Ok(())
    }

    fn shutdown(dev: &mut pci::Device, this: Pin<&Self>) {
        callback!("shutdown");
        pr_info!("kgen-pci: shutdown {:?} {:04x}\n", this.kind, dev.device_id());
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

    fn sriov_set_msix_vec_count(_vf: &mut pci::Device, _msix_vec_count: i32) -> Result {
        callback!("sriov_set_msix_vec_count");
        Err(EINVAL)
    }

    fn sriov_get_vf_total_msix(_pf: &mut pci::Device, _this: Pin<&Self>) -> u32 {
        callback!("sriov_get_vf_total_msix");
        0
    }
}
