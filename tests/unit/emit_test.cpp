#include <catch2/catch.hpp>

#include "emit/ffi.hpp"
#include "emit/rust_types.hpp"
#include "emit/rust_view.hpp"
#include "emit/safety.hpp"

using namespace kgen::emit;

TEST_CASE("integer conversions stay clippy-clean", "[emit]") {
  CHECK(convert_int("x", "u16", "u16") == "x");
  CHECK(convert_int("x", "crate::ffi::c_int", "i32") == "x");
  CHECK(convert_int("x", "u16", "crate::ffi::c_int") == "crate::ffi::c_int::from(x)");
  CHECK(convert_int("x", "u16", "u32") == "u32::from(x)");
  CHECK(convert_int("x", "crate::ffi::c_int", "u8") == "x as u8");
  CHECK(convert_int("x", "u32", "crate::ffi::c_ulong") == "x as crate::ffi::c_ulong");
}

TEST_CASE("the unsafe audit finds undocumented blocks", "[emit]") {
  auto ok = audit_unsafe("fn f() {\n    // SAFETY: fine.\n    unsafe { g() };\n}\n");
  CHECK(ok.blocks == 1);
  CHECK(ok.undocumented.empty());
  auto split = audit_unsafe("    // SAFETY: fine.\n    let r =\n        unsafe { g() };\n");
  CHECK(split.undocumented.empty());
  auto bad = audit_unsafe("fn f() {\n    let x = 1;\n    unsafe { g() };\n}\nunsafe impl Send for X {}\n");
  CHECK(bad.blocks == 2);
  CHECK(bad.undocumented == std::vector<unsigned>{3, 5});
  CHECK(audit_unsafe("unsafe fn f() {}\n").blocks == 0);
}

TEST_CASE("bindings names used and defined", "[emit]") {
  auto used = bindings_used("bindings::phy_device x; bindings::genphy_soft_reset(p)");
  CHECK(used == std::set<std::string>{"genphy_soft_reset", "phy_device"});
  auto def = bindings_defined("pub struct phy_device {}\npub fn genphy_soft_reset();\npub const X: u32 = 1;\n"
                              "pub use self::irqreturn as irqreturn_t;\n");
  CHECK(def == std::set<std::string>{"X", "genphy_soft_reset", "irqreturn_t", "phy_device"});
  CHECK(rename_helpers("    pub fn rust_helper_phy_read(") ==
        "    #[link_name = \"rust_helper_phy_read\"]\n    pub fn phy_read(");
}

TEST_CASE("doc lines wrap and keep blank separators", "[emit]") {
  auto l = doc_lines({"one two three", "four"}, 9);
  CHECK(l == std::vector<std::string>{" one two", " three", "", " four"});
}
