//! Requests.
use core::marker::PhantomData;

/// A request.
pub struct Request<T>(PhantomData<T>);

impl<T> Request<T> {
    /// Ends the request.
    pub fn end_ok(_this: Self) {}
    /// Its disk.
    pub fn disk(&self) -> super::gen_disk::GenDisk {
        super::gen_disk::GenDisk
    }
}
