// SPDX-License-Identifier: GPL-2.0

//! A sample DRM driver written against kgen's generated `kernel::drm`.
//!
//! It has no hardware: the module registers a platform device and a DRM device under it, with
//! a render node. Its own ioctls (numbers and argument layouts in
//! qemu-tests/drm-test/kgen_drm_sample.h) make shmem-backed buffers, write user data into them
//! through a kernel mapping and read it back, report the device's and the file's counters, and
//! delete handles. Dumb buffers are shmem buffers too; PRIME goes through the DRM core.
//! qemu-tests/drm-test/drm_test.c drives it from userspace and prints KTAP.
//!
//! Coverage markers: the first time each callback (and each call site of a `kernel::drm`
//! function) runs in a loaded instance of this module, it prints `kgen-cov: callback NAME` (or
//! `kgen-cov: method Type::NAME`); qemu-tests/run.sh counts the distinct names.
//!
//! This file must stay free of the keyword that opts out of Rust's checks: run.sh fails if it
//! appears here.

use core::sync::atomic::{AtomicU32, Ordering};
use kernel::{
    c_str, drm,
    drm::{ioctl_flags, Device, File, GemObject},
    platform,
    prelude::*,
    types::ARef,
    uaccess::UserSlice,
};

include!("kgen_cov.rs");

/// Marks the function Type::NAME of `kernel::drm` as executed (after it returned).
macro_rules! ran {
    ($name:literal, $e:expr) => {{
        let r = $e;
        cov!("method", $name);
        r
    }};
}

module! {
    type: RustDrmSample,
    name: "rust_drm_sample",
    author: "kgen",
    description: "Sample DRM driver on kgen's generated kernel::drm",
    license: "GPL",
}

kernel::drm_uapi_struct! {
    /// `DRM_IOCTL_KGEN_SAMPLE_CREATE`: makes a buffer of `size` bytes, returns its handle.
    struct Create {
        size: u64,
        handle: u32,
        pad: u32,
    }
}

kernel::drm_uapi_struct! {
    /// `DRM_IOCTL_KGEN_SAMPLE_WRITE` and `_READ`: `len` bytes at user address `ptr` to or from
    /// the buffer `handle` at `offset`.
    struct Rw {
        handle: u32,
        pad: u32,
        offset: u64,
        ptr: u64,
        len: u64,
    }
}

kernel::drm_uapi_struct! {
    /// `DRM_IOCTL_KGEN_SAMPLE_INFO`: the device's counters and the calling file's.
    struct Info {
        opens: u32,
        closes: u32,
        file_creates: u32,
        unplugged: u32,
        client_id: u64,
    }
}

kernel::drm_uapi_struct! {
    /// `DRM_IOCTL_KGEN_SAMPLE_DESTROY`: deletes `handle` from the calling file.
    struct Destroy {
        handle: u32,
        pad: u32,
    }
}

kernel::drm_uapi_struct! {
    /// `DRM_IOCTL_KGEN_SAMPLE_MAP`: the mmap offset of `handle` in the calling file.
    struct Map {
        handle: u32,
        pad: u32,
        offset: u64,
    }
}

/// The largest buffer the driver makes: 16 MiB.
const MAX_SIZE: u64 = 16 << 20;

/// The device's data.
struct DeviceData {
    opens: AtomicU32,
    closes: AtomicU32,
}

/// The data of each open file.
struct FileData {
    dev: ARef<Device<SampleDriver>>,
    creates: AtomicU32,
}

impl drm::DriverFile for FileData {
    type Driver = SampleDriver;

    fn open(dev: &Device<SampleDriver>) -> Result<Pin<KBox<Self>>> {
        callback!("open");
        dev.opens.fetch_add(1, Ordering::Relaxed);
        Ok(KBox::pin(
            FileData {
                dev: dev.into(),
                creates: AtomicU32::new(0),
            },
            GFP_KERNEL,
        )?)
    }
}

impl Drop for FileData {
    fn drop(&mut self) {
        callback!("postclose");
        self.dev.closes.fetch_add(1, Ordering::Relaxed);
    }
}

impl Drop for DeviceData {
    fn drop(&mut self) {
        callback!("release");
        pr_info!(
            "kgen-drm: device released after {} opens, {} closes\n",
            self.opens.load(Ordering::Relaxed),
            self.closes.load(Ordering::Relaxed)
        );
    }
}

struct SampleDriver;

#[vtable]
impl drm::Driver for SampleDriver {
    type Data = DeviceData;
    type File = FileData;

    const INFO: drm::DriverInfo = drm::DriverInfo {
        major: 1,
        minor: 2,
        patchlevel: 3,
        name: c_str!("kgen_sample"),
        desc: c_str!("kgen sample DRM driver"),
    };
    const FEATURES: u32 = drm::features::GEM | drm::features::RENDER;

    kernel::declare_drm_ioctls! {
        (KGEN_SAMPLE_CREATE, 0, Create, ioctl_flags::RENDER_ALLOW, SampleDriver::create),
        (KGEN_SAMPLE_WRITE, 1, Rw, ioctl_flags::RENDER_ALLOW, SampleDriver::write),
        (KGEN_SAMPLE_READ, 2, Rw, ioctl_flags::RENDER_ALLOW, SampleDriver::read),
        (KGEN_SAMPLE_INFO, 3, Info, ioctl_flags::RENDER_ALLOW, SampleDriver::info),
        (KGEN_SAMPLE_DESTROY, 4, Destroy, ioctl_flags::RENDER_ALLOW, SampleDriver::destroy),
        (KGEN_SAMPLE_MAP, 5, Map, ioctl_flags::RENDER_ALLOW, SampleDriver::map),
    }

    fn dumb_create(
        file: &File<Self>,
        dev: &Device<Self>,
        args: &mut drm::DumbCreate,
    ) -> Result {
        callback!("dumb_create");
        let geometry = (args.width(), args.height(), args.bpp(), args.flags());
        cov!("method", "DumbCreate::width");
        cov!("method", "DumbCreate::height");
        cov!("method", "DumbCreate::bpp");
        cov!("method", "DumbCreate::flags");
        if args.bpp() == 8 {
            // 8-bit buffers are made here, with lines aligned to 64 bytes: what the shmem
            // helper does for the others, by hand.
            let pitch = (args.width().checked_add(63).ok_or(EINVAL)?) & !63;
            let size = (u64::from(pitch) * u64::from(args.height()) + 4095) & !4095;
            if pitch == 0 || size == 0 || size > MAX_SIZE {
                return Err(EINVAL);
            }
            let obj = GemObject::new_shmem(dev, size as usize)?;
            let handle = file.create_handle(&obj)?;
            ran!("DumbCreate::set_handle", args.set_handle(handle));
            ran!("DumbCreate::set_pitch", args.set_pitch(pitch));
            ran!("DumbCreate::set_size", args.set_size(size));
        } else {
            ran!("File::create_dumb_shmem", file.create_dumb_shmem(dev, args))?;
        }
        pr_info!(
            "kgen-drm: dumb buffer {}x{}x{} (flags {}): handle {}, pitch {}, size {}\n",
            geometry.0,
            geometry.1,
            geometry.2,
            geometry.3,
            ran!("DumbCreate::handle", args.handle()),
            ran!("DumbCreate::pitch", args.pitch()),
            ran!("DumbCreate::size", args.size())
        );
        Ok(())
    }
}

impl SampleDriver {
    fn create(dev: &Device<Self>, args: &mut Create, file: &File<Self>) -> Result<u32> {
        if args.size == 0 || args.size > MAX_SIZE {
            return Err(EINVAL);
        }
        let obj = ran!(
            "GemObject::new_shmem",
            GemObject::new_shmem(dev, args.size as usize)
        )?;
        args.handle = ran!("File::create_handle", file.create_handle(&obj))?;
        file.inner().creates.fetch_add(1, Ordering::Relaxed);
        cov!("method", "File::inner");
        Ok(0)
    }

    /// The object of `handle` in `file`, or `ENOENT`.
    fn lookup(file: &File<Self>, handle: u32) -> Result<ARef<GemObject>> {
        ran!("File::lookup", file.lookup(handle)).ok_or(ENOENT)
    }

    fn write(_dev: &Device<Self>, args: &mut Rw, file: &File<Self>) -> Result<u32> {
        let obj = Self::lookup(file, args.handle)?;
        if ran!("GemObject::handle_count", obj.handle_count()) == 0 {
            return Err(ENOENT);
        }
        let map = ran!("GemObject::vmap", obj.vmap())?;
        let reader = UserSlice::new(args.ptr as usize, args.len as usize).reader();
        ran!(
            "VMap::write_from_user",
            map.write_from_user(args.offset as usize, reader)
        )?;
        Ok(0)
    }

    fn read(_dev: &Device<Self>, args: &mut Rw, file: &File<Self>) -> Result<u32> {
        let obj = Self::lookup(file, args.handle)?;
        let map = ran!("GemObject::vmap", obj.vmap())?;
        if ran!("VMap::len", map.len()) != ran!("GemObject::size", obj.size()) || map.is_empty() {
            return Err(EIO);
        }
        cov!("method", "VMap::is_empty");
        let writer = UserSlice::new(args.ptr as usize, args.len as usize).writer();
        ran!(
            "VMap::read_to_user",
            map.read_to_user(args.offset as usize, writer)
        )?;
        Ok(0)
    }

    fn info(dev: &Device<Self>, args: &mut Info, file: &File<Self>) -> Result<u32> {
        args.opens = dev.opens.load(Ordering::Relaxed);
        args.closes = dev.closes.load(Ordering::Relaxed);
        args.file_creates = file.inner().creates.load(Ordering::Relaxed);
        args.unplugged = ran!("Device::is_unplugged", dev.is_unplugged()).into();
        args.client_id = ran!("File::client_id", file.client_id());
        // Render-node clients are never authenticated; the primary node's first client is
        // the master, which is.
        let _ = ran!("File::is_authenticated", file.is_authenticated());
        Ok(0)
    }

    fn destroy(_dev: &Device<Self>, args: &mut Destroy, file: &File<Self>) -> Result<u32> {
        ran!("File::delete_handle", file.delete_handle(args.handle))?;
        Ok(0)
    }

    fn map(dev: &Device<Self>, args: &mut Map, file: &File<Self>) -> Result<u32> {
        args.offset = ran!(
            "File::dumb_map_offset",
            file.dumb_map_offset(dev, args.handle)
        )?;
        Ok(0)
    }
}

struct RustDrmSample {
    // Dropped in this order: the DRM device goes away before its parent.
    _reg: drm::Registration<SampleDriver>,
    _parent: platform::SimpleDevice,
}

impl kernel::Module for RustDrmSample {
    fn init(_module: &'static ThisModule) -> Result<Self> {
        let parent = ran!(
            "SimpleDevice::register",
            platform::SimpleDevice::register(c_str!("kgen_drm_sample"), -1)
        )?;
        pr_info!(
            "kgen-drm: parent platform device, id {}\n",
            ran!("SimpleDevice::device", parent.device()).id()
        );
        let data = DeviceData {
            opens: AtomicU32::new(0),
            closes: AtomicU32::new(0),
        };
        let dev = ran!(
            "Device::new",
            Device::<SampleDriver>::new(parent.as_ref(), data, kernel::drm_fops!())
        )?;
        let reg = ran!("Registration::new", drm::Registration::new(&dev, 0))?;
        if ran!("Registration::device", reg.device()).opens.load(Ordering::Relaxed) != 0 {
            return Err(EINVAL);
        }
        // A second registration of one device is refused.
        let again = drm::Registration::new(&dev, 0);
        pr_info!(
            "kgen-drm: {} second registration\n",
            if matches!(again, Err(e) if e == EBUSY) { "PASS" } else { "FAIL" }
        );
        pr_info!("kgen-drm: registered\n");
        Ok(Self {
            _reg: reg,
            _parent: parent,
        })
    }
}
