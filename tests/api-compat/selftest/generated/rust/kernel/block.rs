//! Block devices.
pub mod mq;
