// SPDX-License-Identifier: GPL-2.0

//! A sample PHY driver written against kgen's generated `kernel::net::phy`.
//!
//! It drives a made-up PHY, "KGen sample PHY" (PHY ID 0x4b474e01, "KGN" plus
//! revision 1), that only exists in the software MDIO bus of the test harness
//! `kgen_mdio_emul.ko`. It implements all 40 callbacks that the generated
//! `Driver` trait wires, each with an effect that the harness can check
//! (mostly a value written to one of the vendor registers 0x10..0x1f), and it
//! calls every method of the generated `Device` and `MdioBusGuard` at least
//! once.
//!
//! Coverage markers: the first time each callback (and each call site of a
//! `Device` method) runs in a loaded instance of this module, it prints
//! `kgen-cov: callback NAME` (or `kgen-cov: method Type::NAME`). qemu-tests/run.sh
//! counts the distinct names in the serial log. A method marker is printed
//! right after the method returned, whatever its result, so it proves that
//! the generated method ran, not that it succeeded.
//!
//! This file must stay free of the keyword that opts out of Rust's checks:
//! run.sh fails if it appears here.

use core::sync::atomic::{AtomicU16, AtomicU32, Ordering};
use kernel::{
    c_str,
    error::code,
    ffi::{c_int, c_ulong},
    firmware::Firmware,
    irq::IrqReturn,
    net::phy::{self, reg::Mmd, reg::C22, reg::C45, DeviceId, DeviceState, DuplexMode},
    prelude::*,
    uapi,
};

kernel::module_phy_driver! {
    drivers: [KgenSamplePhy],
    device_table: [DeviceId::new_with_driver::<KgenSamplePhy>()],
    name: "rust_phy_sample",
    author: "kgen",
    description: "Sample PHY driver using kgen's generated net/phy API",
    license: "GPL",
}

include!("kgen_cov.rs");

/// Calls a `Device` method and marks it as executed.
macro_rules! call {
    ($dev:ident . $m:ident :: < $t:ty > ( $($arg:expr),* )) => {{
        let r = $dev.$m::<$t>($($arg),*);
        cov!("method", concat!("Device::", stringify!($m)));
        r
    }};
    ($dev:ident . $m:ident ( $($arg:expr),* )) => {{
        let r = $dev.$m($($arg),*);
        cov!("method", concat!("Device::", stringify!($m)));
        r
    }};
}

/// Calls an `MdioBusGuard` method and marks it as executed.
macro_rules! gcall {
    ($g:ident . $m:ident ( $($arg:expr),* )) => {{
        let r = $g.$m($($arg),*);
        cov!("method", concat!("MdioBusGuard::", stringify!($m)));
        r
    }};
}

/// The PHY ID of the emulated PHY. No in-tree driver claims it.
const PHY_ID: u32 = 0x4b47_4e01;

// Vendor-specific Clause 22 registers of the made-up PHY. The harness
// (qemu-tests/samples/kgen_mdio_emul.c) uses the same numbers.
const VCFG: C22 = C22::vendor_specific::<0x10>(); // config_init writes CFG_MAGIC
const VPROBE: C22 = C22::vendor_specific::<0x11>(); // probe writes PROBE_MAGIC
const VSTAT: C22 = C22::vendor_specific::<0x12>(); // read by read_status
const VLINK: C22 = C22::vendor_specific::<0x13>(); // written by link_change_notify
const VSQI: C22 = C22::vendor_specific::<0x14>(); // bits 2:0 SQI, 15:8 symbol errors
const VISR: C22 = C22::vendor_specific::<0x15>(); // interrupt status, clear on read
const VIMR: C22 = C22::vendor_specific::<0x16>(); // config_intr counts its calls here
const VWOL: C22 = C22::vendor_specific::<0x17>(); // Wake-on-LAN options
const VSUSP: C22 = C22::vendor_specific::<0x18>(); // 1 while suspended
const VCT: C22 = C22::vendor_specific::<0x19>(); // cable test state
const VPAGED: u16 = 0x1a; // read through read_paged (page 2)
const VPAGED_COPY_REG: u16 = 0x1b; // VPAGED + 1, bits 15:12 set to 8, by config_init
const VANEG: C22 = C22::vendor_specific::<0x1c>(); // config_aneg counts its calls here
const VFW: C22 = C22::vendor_specific::<0x1d>(); // probe writes the firmware size
const VLED: C22 = C22::vendor_specific::<0x1e>(); // LED state
const VREMOVE: C22 = C22::vendor_specific::<0x1f>(); // remove writes REMOVE_MAGIC

const CFG_MAGIC: u16 = 0xc0de;
const PROBE_MAGIC: u16 = 0x5052;
const REMOVE_MAGIC: u16 = 0xdead;
const MMD_ID_MAGIC: u16 = 0x4b47;

// VSTAT bits.
const VSTAT_SPEED_MASK: u16 = 0x3; // 0: 10, 1: 100, 2: 1000 Mb/s
const VSTAT_FULL: u16 = 1 << 2;
const VSTAT_C45_LINK: u16 = 1 << 12; // link from genphy_c45_read_link
const VSTAT_FORCE_DOWN: u16 = 1 << 13;
const VSTAT_GENPHY: u16 = 1 << 14; // use genphy_read_status::<C22>()
const VSTAT_RESOLVE: u16 = 1 << 15; // use genphy_read_lpa + resolve_aneg_linkmode

/// Firmware the probe loads, to use `Device::as_ref` (see qemu-tests/initramfs).
const FIRMWARE: &CStr = c_str!("kgen/sample-phy.bin");

// State the made-up PHY keeps outside the C22 registers. phylib calls
// read_mmd, write_mmd, read_page and write_page with the MDIO bus lock held,
// and all register accessors that the generated API offers to them
// (Device::read/write/set_bits/..., Device::lock_mdio_bus) take that lock
// again, which would deadlock: so these callbacks cannot touch the bus, and
// the vendor MMD and the page register live here instead. (The generated API
// has no per-device driver data either, hence statics.)
static MMD_VEND1: [AtomicU16; 8] = [const { AtomicU16::new(0) }; 8];
// MDIO_STAT1 of every MMD (for genphy_c45_read_link).
static MMD_STAT1: [AtomicU16; 32] = [const { AtomicU16::new(0) }; 32];
static PAGE: AtomicU16 = AtomicU16::new(0);
static PLCA_NODE_ID: AtomicU32 = AtomicU32::new(0);
static PLCA_ENABLED: AtomicU32 = AtomicU32::new(0);
static LED_RULES: AtomicU32 = AtomicU32::new(0);
static LINK_DOWN_EVENTS: AtomicU32 = AtomicU32::new(0);

/// `EOPNOTSUPP`, which `kernel::error::code` of Linux 6.12 does not declare.
fn eopnotsupp() -> Error {
    Error::from_errno(-(uapi::EOPNOTSUPP as i32))
}

fn speed_code(speed: i32) -> u16 {
    match speed {
        10 => 1,
        100 => 2,
        1000 => 3,
        _ => 0,
    }
}

fn state_code(state: DeviceState) -> u16 {
    match state {
        DeviceState::Down => 0,
        DeviceState::Ready => 1,
        DeviceState::Halted => 2,
        DeviceState::Error => 3,
        DeviceState::Up => 4,
        DeviceState::Running => 5,
        DeviceState::NoLink => 6,
        DeviceState::CableTest => 7,
    }
}

fn increment(dev: &mut phy::Device, reg: C22) -> Result {
    let v = call!(dev.read(reg))?;
    call!(dev.write(reg, v.wrapping_add(1)))
}

struct KgenSamplePhy;

#[vtable]
impl phy::Driver for KgenSamplePhy {
    const NAME: &'static CStr = c_str!("KGen sample PHY");
    const PHY_DEVICE_ID: DeviceId = DeviceId::new_with_exact_mask(PHY_ID);

    // A made-up strap rule: the PHY answers as "KGen sample PHY" only at MDIO
    // addresses below 16. The harness puts a second PHY with the same ID at
    // address 21 and checks that this driver does not claim it.
    fn match_phy_device(dev: &phy::Device) -> bool {
        callback!("match_phy_device");
        let id = call!(dev.phy_id());
        let addr = call!(dev.mdio_addr());
        id == PHY_ID && addr < 16
    }

    fn probe(dev: &mut phy::Device) -> Result {
        callback!("probe");
        // Check the ID registers against the ID phylib read.
        let id1 = call!(dev.read(C22::PHYSID1))?;
        let id2 = call!(dev.read(C22::PHYSID2))?;
        if ((u32::from(id1) << 16) | u32::from(id2)) != call!(dev.phy_id()) {
            return Err(code::ENODEV);
        }
        // The made-up PHY is an external one.
        if call!(dev.is_internal()) {
            return Err(code::ENODEV);
        }
        let fw = Firmware::request(FIRMWARE, call!(dev.as_ref()))?;
        let size = u16::try_from(fw.data().len()).map_err(|_| code::EINVAL)?;
        call!(dev.write(VFW, size))?;
        call!(dev.write(VPROBE, PROBE_MAGIC))
    }

    fn get_features(dev: &mut phy::Device) -> Result {
        callback!("get_features");
        call!(dev.genphy_read_abilities())
    }

    fn soft_reset(dev: &mut phy::Device) -> Result {
        callback!("soft_reset");
        call!(dev.genphy_soft_reset())
    }

    fn config_init(dev: &mut phy::Device) -> Result {
        callback!("config_init");
        call!(dev.write(VCFG, CFG_MAGIC))?;
        // Goes through phylib's phy_read_paged(), hence read_page/write_page.
        let v = call!(dev.read_paged(2, VPAGED))?;
        {
            // Several accesses under one hold of the MDIO bus lock.
            let mut bus = call!(dev.lock_mdio_bus());
            gcall!(bus.write(VPAGED_COPY_REG, v.wrapping_add(1)))?;
            let copy = gcall!(bus.read(VPAGED_COPY_REG))?;
            if copy != v.wrapping_add(1) {
                return Err(code::EIO);
            }
            gcall!(bus.modify(VPAGED_COPY_REG, 0xf000, 0x8000))?;
        }
        // Goes through phy_write_mmd(), hence write_mmd below.
        call!(dev.write(C45::new(Mmd::VEND1, 0), MMD_ID_MAGIC))
    }

    fn config_intr(dev: &mut phy::Device) -> Result {
        callback!("config_intr");
        // Whether phylib asks to enable or to disable: the harness only counts calls.
        let _ = call!(dev.is_interrupt_enabled());
        let _ = call!(dev.has_valid_interrupt());
        increment(dev, VIMR)
    }

    fn handle_interrupt(dev: &mut phy::Device) -> IrqReturn {
        callback!("handle_interrupt");
        match call!(dev.read(VISR)) {
            Ok(0) => IrqReturn::None,
            // Tell phylib that the link may have changed, as C drivers do.
            Ok(_) => {
                call!(dev.trigger_machine());
                IrqReturn::Handled
            }
            Err(_) => IrqReturn::None,
        }
    }

    fn config_aneg(dev: &mut phy::Device) -> Result {
        callback!("config_aneg");
        increment(dev, VANEG)?;
        if call!(dev.is_autoneg_enabled()) {
            call!(dev.genphy_config_aneg())
        } else {
            call!(dev.genphy_setup_forced())
        }
    }

    fn aneg_done(dev: &mut phy::Device) -> Result<u32> {
        callback!("aneg_done");
        call!(dev.genphy_aneg_done())
    }

    fn read_status(dev: &mut phy::Device) -> Result<u16> {
        callback!("read_status");
        let vstat = call!(dev.read(VSTAT))?;
        if vstat & VSTAT_GENPHY != 0 {
            return call!(dev.genphy_read_status::<C22>());
        }
        if vstat & VSTAT_C45_LINK != 0 {
            call!(dev.genphy_c45_read_link())?;
        } else {
            call!(dev.genphy_update_link())?;
        }
        if vstat & VSTAT_FORCE_DOWN != 0 {
            call!(dev.set_link(false));
        }
        if !call!(dev.is_link_up()) {
            return Ok(0);
        }
        call!(dev.genphy_read_lpa())?;
        if vstat & VSTAT_RESOLVE != 0 {
            call!(dev.genphy_read_master_slave())?;
            if call!(dev.is_autoneg_enabled()) && call!(dev.is_autoneg_completed()) {
                call!(dev.resolve_aneg_linkmode());
            }
            return Ok(0);
        }
        // The vendor way: speed and duplex from VSTAT, whatever was negotiated.
        let speed = match vstat & VSTAT_SPEED_MASK {
            0 => uapi::SPEED_10,
            1 => uapi::SPEED_100,
            _ => uapi::SPEED_1000,
        };
        call!(dev.set_speed(speed));
        let duplex = if vstat & VSTAT_FULL != 0 {
            DuplexMode::Full
        } else {
            DuplexMode::Half
        };
        call!(dev.set_duplex(duplex));
        Ok(0)
    }

    fn link_change_notify(dev: &mut phy::Device) {
        callback!("link_change_notify");
        let link = call!(dev.is_link_up());
        if !link {
            LINK_DOWN_EVENTS.fetch_add(1, Ordering::Relaxed);
        }
        let full = matches!(call!(dev.duplex()), Ok(DuplexMode::Full));
        let v = 0x8000
            | (state_code(call!(dev.state())) << 8)
            | (speed_code(call!(dev.speed())) << 4)
            | (u16::from(call!(dev.is_started())) << 3)
            | (u16::from(call!(dev.is_polling_mode())) << 2)
            | (u16::from(full) << 1)
            | u16::from(link);
        let _ = call!(dev.write(VLINK, v));
    }

    fn suspend(dev: &mut phy::Device) -> Result {
        callback!("suspend");
        call!(dev.write(VSUSP, 1))?;
        call!(dev.genphy_suspend())
    }

    fn resume(dev: &mut phy::Device) -> Result {
        callback!("resume");
        // The made-up PHY loses its configuration while powered down:
        // initialise it again (soft_reset, config_init, config_intr).
        call!(dev.init_hw())?;
        call!(dev.genphy_resume())?;
        call!(dev.write(VSUSP, 0))?;
        if call!(dev.is_autoneg_enabled()) {
            call!(dev.genphy_restart_aneg())?;
        }
        Ok(())
    }

    fn remove(dev: &mut phy::Device) {
        callback!("remove");
        let _ = call!(dev.write(VREMOVE, REMOVE_MAGIC));
    }

    fn read_mmd(_bus: &mut phy::MdioBusGuard<'_>, devnum: u8, regnum: u16) -> Result<u16> {
        callback!("read_mmd");
        if u32::from(devnum) != uapi::MDIO_MMD_VEND1 {
            // Other MMDs have only MDIO_STAT1; the rest reads as zero (no EEE).
            if u32::from(regnum) == uapi::MDIO_STAT1 {
                let slot = MMD_STAT1.get(usize::from(devnum)).ok_or(code::EINVAL)?;
                return Ok(slot.load(Ordering::Relaxed));
            }
            return Ok(0);
        }
        let slot = MMD_VEND1.get(usize::from(regnum)).ok_or(code::EINVAL)?;
        Ok(slot.load(Ordering::Relaxed))
    }

    fn write_mmd(_bus: &mut phy::MdioBusGuard<'_>, devnum: u8, regnum: u16, val: u16) -> Result {
        callback!("write_mmd");
        if u32::from(devnum) != uapi::MDIO_MMD_VEND1 {
            if u32::from(regnum) != uapi::MDIO_STAT1 {
                return Err(eopnotsupp());
            }
            let slot = MMD_STAT1.get(usize::from(devnum)).ok_or(code::EINVAL)?;
            slot.store(val, Ordering::Relaxed);
            return Ok(());
        }
        let slot = MMD_VEND1.get(usize::from(regnum)).ok_or(code::EINVAL)?;
        slot.store(val, Ordering::Relaxed);
        Ok(())
    }

    fn read_page(_bus: &mut phy::MdioBusGuard<'_>) -> Result<u16> {
        callback!("read_page");
        Ok(PAGE.load(Ordering::Relaxed))
    }

    fn write_page(_bus: &mut phy::MdioBusGuard<'_>, page: c_int) -> Result {
        callback!("write_page");
        let page = u16::try_from(page).map_err(|_| code::EINVAL)?;
        PAGE.store(page, Ordering::Relaxed);
        Ok(())
    }

    fn set_loopback(dev: &mut phy::Device, enable: bool) -> Result {
        callback!("set_loopback");
        // CAST: Clause 22 register numbers and bits are 16-bit values.
        let (bmcr, loopback) = (uapi::MII_BMCR as u16, uapi::BMCR_LOOPBACK as u16);
        if enable {
            call!(dev.set_bits(bmcr, loopback))
        } else {
            call!(dev.clear_bits(bmcr, loopback))?;
            // Leaving loopback: negotiate again (phy_loopback holds the lock
            // that _phy_start_aneg wants held).
            call!(dev.start_aneg())
        }
    }

    fn get_rate_matching(_dev: &mut phy::Device, iface: phy::Interface) -> Result<u32> {
        callback!("get_rate_matching");
        if iface == phy::Interface::Mode10gbaser {
            Ok(uapi::RATE_MATCH_PAUSE)
        } else {
            Ok(uapi::RATE_MATCH_NONE)
        }
    }

    fn get_sqi(dev: &mut phy::Device) -> Result<u32> {
        callback!("get_sqi");
        Ok(u32::from(call!(dev.read(VSQI))? & 0x7))
    }

    fn get_sqi_max(_dev: &mut phy::Device) -> Result<u32> {
        callback!("get_sqi_max");
        Ok(7)
    }

    fn set_wol(dev: &mut phy::Device, wol: &mut phy::WolInfo) -> Result {
        callback!("set_wol");
        if wol.wolopts() & !uapi::WAKE_MAGIC != 0 {
            return Err(eopnotsupp());
        }
        // CAST: only `WAKE_MAGIC` (0x20) can be set here.
        call!(dev.write(VWOL, wol.wolopts() as u16))
    }

    fn get_wol(dev: &mut phy::Device, wol: &mut phy::WolInfo) {
        callback!("get_wol");
        wol.set_supported(uapi::WAKE_MAGIC);
        wol.set_wolopts(call!(dev.read(VWOL)).map_or(0, u32::from) & uapi::WAKE_MAGIC);
    }

    fn get_sset_count(_dev: &mut phy::Device) -> Result<u32> {
        callback!("get_sset_count");
        Ok(2)
    }

    fn get_phy_stats(
        dev: &mut phy::Device,
        eth_stats: &mut phy::EthPhyStats,
        stats: &mut phy::PhyStats,
    ) {
        callback!("get_phy_stats");
        let errors = call!(dev.read(VSQI)).map_or(0, |v| u64::from(v >> 8));
        eth_stats.set_symbol_error_during_carrier(errors + 1000);
        stats.set_rx_packets(42);
        stats.set_rx_errors(errors);
    }

    fn get_link_stats(_dev: &mut phy::Device, link_stats: &mut phy::LinkExtStats) {
        callback!("get_link_stats");
        link_stats.set_link_down_events(u64::from(LINK_DOWN_EVENTS.load(Ordering::Relaxed)));
    }

    fn module_info(_dev: &mut phy::Device, modinfo: &mut phy::ModuleInfo) -> Result {
        callback!("module_info");
        modinfo.set_module_type(uapi::ETH_MODULE_SFF_8079);
        modinfo.set_eeprom_len(uapi::ETH_MODULE_SFF_8079_LEN);
        Ok(())
    }

    fn cable_test_start(dev: &mut phy::Device) -> Result {
        callback!("cable_test_start");
        call!(dev.write(VCT, 1))
    }

    fn cable_test_tdr_start(dev: &mut phy::Device, config: &phy::TdrConfig) -> Result {
        callback!("cable_test_tdr_start");
        let step = u16::try_from(config.step()).map_err(|_| code::EINVAL)?;
        call!(dev.write(VCT, 0x100 | (step & 0xff)))
    }

    fn cable_test_get_status(dev: &mut phy::Device, finished: &mut bool) -> Result {
        callback!("cable_test_get_status");
        let v = call!(dev.read(VCT))?;
        *finished = v != 0;
        call!(dev.write(VCT, 0))
    }

    fn get_plca_cfg(_dev: &mut phy::Device, cfg: &mut phy::PlcaConfig) -> Result {
        callback!("get_plca_cfg");
        cfg.set_version(0x0a10);
        // CAST: both are at most 254 (`set_plca_cfg` checks the node ID).
        cfg.set_enabled(PLCA_ENABLED.load(Ordering::Relaxed) as i32);
        cfg.set_node_id(PLCA_NODE_ID.load(Ordering::Relaxed) as i32);
        Ok(())
    }

    fn set_plca_cfg(_dev: &mut phy::Device, cfg: &phy::PlcaConfig) -> Result {
        callback!("set_plca_cfg");
        let node_id = u32::try_from(cfg.node_id()).map_err(|_| code::EINVAL)?;
        if node_id > 254 {
            return Err(code::EINVAL);
        }
        PLCA_NODE_ID.store(node_id, Ordering::Relaxed);
        PLCA_ENABLED.store(u32::from(cfg.enabled() > 0), Ordering::Relaxed);
        Ok(())
    }

    fn get_plca_status(_dev: &mut phy::Device, st: &mut phy::PlcaStatus) -> Result {
        callback!("get_plca_status");
        st.set_beacon_seen(PLCA_ENABLED.load(Ordering::Relaxed) != 0);
        Ok(())
    }

    fn led_brightness_set(dev: &mut phy::Device, index: u8, value: u32) -> Result {
        callback!("led_brightness_set");
        if index != 0 {
            return Err(code::EINVAL);
        }
        call!(dev.write(VLED, (value & 0xff) as u16))
    }

    fn led_blink_set(
        dev: &mut phy::Device,
        index: u8,
        delay_on: &mut c_ulong,
        delay_off: &mut c_ulong,
    ) -> Result {
        callback!("led_blink_set");
        if index != 0 {
            return Err(code::EINVAL);
        }
        // The made-up PHY blinks at one fixed rate only.
        *delay_on = 250;
        *delay_off = 250;
        call!(dev.write(VLED, 0x100))
    }

    fn led_hw_is_supported(_dev: &mut phy::Device, index: u8, rules: c_ulong) -> Result {
        callback!("led_hw_is_supported");
        if index == 0 && rules & !0xf == 0 {
            Ok(())
        } else {
            Err(eopnotsupp())
        }
    }

    fn led_hw_control_set(_dev: &mut phy::Device, index: u8, rules: c_ulong) -> Result {
        callback!("led_hw_control_set");
        if index != 0 {
            return Err(code::EINVAL);
        }
        LED_RULES.store(rules as u32, Ordering::Relaxed);
        Ok(())
    }

    fn led_hw_control_get(_dev: &mut phy::Device, index: u8, rules: &mut c_ulong) -> Result {
        callback!("led_hw_control_get");
        if index != 0 {
            return Err(code::EINVAL);
        }
        *rules = LED_RULES.load(Ordering::Relaxed) as c_ulong;
        Ok(())
    }

    fn led_polarity_set(dev: &mut phy::Device, index: c_int, modes: c_ulong) -> Result {
        callback!("led_polarity_set");
        if index != 0 {
            return Err(code::EINVAL);
        }
        call!(dev.write(VLED, 0x200 | (modes & 0xff) as u16))
    }
}
