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
    pub fn set_speed(&mut self, _speed: u16) {}
    /// Extra: the speed.
    pub fn speed(&self) -> u32 {
        0
    }
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
    /// Probes: a default here, which is no change.
    fn probe(_dev: &mut Device) -> Result<(), ()> {
        Err(())
    }
    /// A default here, which is no change.
    const ID: u32 = 0;
    /// Reads the status.
    fn read_status(_dev: &mut Device, _extra: u8) -> Result<u16, ()> {
        Err(())
    }
}

/// A registration.
pub struct Registration<T> {
    _p: PhantomData<T>,
}



/// Declares a PHY driver module.
#[macro_export]
macro_rules! module_phy_driver {
    (drivers: [$($driver:ident),+ $(,)?], name: $name:expr) => {};
}
