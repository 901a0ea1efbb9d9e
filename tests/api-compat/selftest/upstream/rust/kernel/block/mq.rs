//! blk-mq.
pub mod gen_disk;
mod request;

pub use request::Request;
