//! blk-mq.
pub mod gen_disk;
pub mod request;

// A shorter path for GenDisk: signatures that name it are no change.
pub use gen_disk::GenDisk;
pub use request::Request;
