#!/usr/bin/env python3
"""Self-test of measure.py's scanners on inline Rust (run by check.sh before
measuring; exits non-zero on the first mismatch)."""

import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import measure  # noqa: E402

RUST = r'''
use crate::ffi::{c_int, c_ulong as Flags};
use crate::bindings;

/// Doc with `bindings::not_a_signature` in a comment.
pub struct Device(Opaque<bindings::phy_device>);
pub struct Pair(pub bindings::foo, u32);
pub struct Fields {
    pub a: bindings::bar,
    b: bindings::private_field,
    pub(crate) c: bindings::crate_field,
    pub d: Option<c_int>,
}
struct Private {
    pub x: bindings::in_private_struct,
}
pub enum State {
    Up(bindings::up),
    Down { why: crate::ffi::c_long },
    Gone = bindings::GONE as isize,
}
pub type Alias = kernel::bindings::aliased;
pub const MAX: c_int = bindings::MAX_VALUE;

impl Device {
    pub fn id(&self) -> u32 { let s = "bindings::in_string"; 0 }
    pub unsafe fn from_raw<'a>(ptr: *mut bindings::phy_device) -> &'a mut Self { todo!() }
    pub(crate) fn raw(&self) -> *mut bindings::crate_only { todo!() }
    fn private(&self) -> bindings::private { todo!() }
    pub fn flags(&self, f: Flags) -> Result { let c = 'a'; Ok(()) }

    #[doc(hidden)]
    pub const fn raw(&self) -> bindings::hidden_pub { todo!() }

    pub fn after_hidden(&self) -> bindings::shown { todo!() }
}

impl TryFrom<bindings::phy_state> for State {
    type Error = Error;
    fn try_from(v: bindings::phy_state) -> Result<Self> { todo!() }
}

#[vtable]
pub trait Driver {
    const NAME: &'static CStr;
    type Data: ForeignOwnable;
    fn set_wol(dev: &mut Device, wol: &mut bindings::ethtool_wolinfo) -> Result {
        let x: bindings::in_body = todo!();
        Err(code::ENOTSUPP)
    }
    fn led(dev: &mut Device, rules: core::ffi::c_ulong) -> Result;
    fn pure(dev: &mut Device) -> Result;
}

trait Hidden {
    fn f(x: bindings::hidden_trait);
}

macro_rules! m {
    () => { pub fn in_macro(x: bindings::in_macro) {} };
}

mod inner {
    pub fn nested(x: ffi::c_int) {}
}
'''

EXPECTED = [
    "Pair: bindings::foo",
    "Fields::a: bindings::bar",
    "Fields::d: c_int (imported from bindings/ffi)",
    "State::Up: bindings::up",
    "State::Down: ffi::c_long",
    "Alias: bindings::aliased",
    "MAX: c_int (imported from bindings/ffi)",
    "from_raw: bindings::phy_device",
    "flags: Flags (imported from bindings/ffi)",
    "State: bindings::phy_state",
    "set_wol: bindings::ethtool_wolinfo",
    "led: ffi::c_ulong",
    "nested: ffi::c_int",
    "after_hidden: bindings::shown",
    "hidden raw: bindings::hidden_pub",
]

COMMENTS = """\
// SAFETY: one
// two
// three
x();
    // SAFETY: one
    // two
    // three
y();
/// SAFETY: one
/// two
/// three
// SAFETY: one
// two
// three
//
// SAFETY: one
// two
// three
// SAFETY: one
// two
"""


def main():
    toks = measure.lex(RUST)
    imported = measure.ffi_imports(toks)
    got = []
    for _, kind, name, sig in measure.public_signatures(toks):
        for hit in measure.ffi_names_in(sig, imported):
            got.append(("hidden " if kind.startswith("hidden ") else "") + f"{name}: {hit}")
    ok = True
    if sorted(got) != sorted(EXPECTED):
        print("test_measure: public signatures: expected", sorted(EXPECTED), "got", sorted(got), file=sys.stderr)
        ok = False
    paras = [text for _, text in measure.comment_paragraphs(COMMENTS.splitlines())]
    want = "// SAFETY: one\n// two\n// three"
    # Indented copies count (3 + the one after the empty `//`); the `///`
    # one is another kind, the 2-line one is too short, and a run that goes on
    # past three lines (`// SAFETY: one` twice more) is one longer paragraph.
    if paras.count(want) != 3 or len(paras) != 5:
        print(f"test_measure: comment paragraphs: got {paras}", file=sys.stderr)
        ok = False
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
