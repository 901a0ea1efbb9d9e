//! PHY drivers.
use core::marker::PhantomData;

/// PHY registers.
pub mod reg {
    /// A C22 register.
    pub struct C22(u8);
    impl C22 {
        /// Basic mode control.
        pub const BMCR: Self = C22(0);
    }
    /// Any register.
    pub trait Register {}
}

/// Duplex mode.
#[repr(u32)]
pub enum DuplexMode {
    /// Full.
    Full = 1,
    /// Half.
    Half = 0,
}

/// A PHY device.
pub struct Device(u32);

impl Device {
    /// The id.
    pub fn phy_id(&self) -> u32 {
        self.0
    }
    /// Sets the speed.
    pub fn set_speed(&mut self, _speed: u32) {}
    /// Reads a register.
    pub fn read<R: reg::Register>(&mut self, _reg: R) -> Result<u16, ()> {
        Err(())
    }
}

/// The driver trait.
pub trait Driver {
    /// Name.
    const NAME: &'static str;
    /// Flags.
    const FLAGS: u32 = 0;
    /// Probes: required upstream.
    fn probe(_dev: &mut Device) -> Result<(), ()>;
    /// A required const upstream.
    const ID: u32;
    /// Reads the status.
    fn read_status(_dev: &mut Device) -> Result<u16, ()> {
        Err(())
    }
    /// Link change.
    fn link_change_notify(_dev: &mut Device) {}
}

/// A registration.
pub struct Registration<T> {
    _p: PhantomData<T>,
}

// SAFETY: a stand-in.
unsafe impl<T> Send for Registration<T> {}

/// Missing on the generated side, and listed: allowed.
pub struct Listed;

/// Declares a PHY driver module.
#[macro_export]
macro_rules! module_phy_driver {
    (drivers: [$($driver:ident),+ $(,)?], name: $name:expr) => {};
}
