// The render layer: the code writer, the return conventions and the planned
// conversions, without going through a whole spec.
#include <catch2/catch.hpp>

#include "emit/code_writer.hpp"
#include "emit/rust_types.hpp"
#include "passes/convention.hpp"

using namespace kgen;
using emit::CodeWriter;
using emit::Conversion;
using spec::Returns;

namespace {

model::CType int_type(bool is_signed = true) {
  model::CType t;
  t.kind = model::CType::Kind::Int;
  t.is_signed = is_signed;
  t.bits = 32;
  t.builtin = is_signed ? "int" : "unsigned int";
  t.spelling = t.builtin;
  return t;
}

Returns returns(Returns::Kind k, const std::string& type = "") {
  Returns r;
  r.kind = k;
  r.type = type;
  return r;
}

}  // namespace

TEST_CASE("the code writer owns indentation and blocks", "[render]") {
  CodeWriter w(4);
  w.open("fn f() -> Result");
  w.line("let x = 1;");
  w.line("");
  w.open("match x");
  w.line("1 => Ok(()),");
  w.close(",");
  w.close();
  CHECK(w.str() ==
        "    fn f() -> Result {\n        let x = 1;\n\n        match x {\n            1 => Ok(()),\n        },\n    }");
  CHECK_THROWS(w.close());
}

TEST_CASE("the code writer wraps comments to the width and keeps hand-written code's indentation", "[render]") {
  CodeWriter w(8, 40);
  w.comment("`ptr` points at a valid `phy_device` for the call.", "SAFETY");
  for (const auto& l : w.lines()) CHECK(l.size() <= 40);
  CHECK(w.lines()[0] == "        // SAFETY: `ptr` points at a");
  CHECK(w.lines()[1] == "        // valid `phy_device` for the");
  CHECK(w.lines()[2] == "        // call.");
  CodeWriter c(4);
  c.code("if x {\n    y();\n}\n");
  CHECK(c.str() == "    if x {\n        y();\n    }");
}

TEST_CASE("conversions: lossless From, checked try_from in a Result, else a cast with a reason", "[render]") {
  CHECK(emit::plan_conversion("u16", "u16", true, "").kind == Conversion::Kind::Same);
  CHECK(emit::plan_conversion("crate::ffi::c_int", "i32", false, "").kind == Conversion::Kind::Same);
  auto from = emit::plan_conversion("u16", "u32", false, "");
  CHECK(from.apply("x") == "u32::from(x)");
  auto checked = emit::plan_conversion("crate::ffi::c_int", "u16", true, "unused");
  CHECK(checked.apply("x") == "u16::try_from(x)?");
  auto cast = emit::plan_conversion("u32", "crate::ffi::c_int", false, "why");
  CHECK(cast.kind == Conversion::Kind::Cast);
  CHECK(cast.reason == "why");
  CodeWriter w(0);
  CHECK(passes::convert_into(w, "v", cast) == "v");
  CHECK(w.str() == "// CAST: why\nlet v = v as crate::ffi::c_int;");
  CHECK(emit::rust_primitive("crate::ffi::c_ulong") == "usize");
  CHECK(emit::rust_primitive("crate::ffi::c_char") == "u8");
}

TEST_CASE("each convention checks the C return type", "[render]") {
  spec::Spec s;
  model::CType ptr;
  ptr.kind = model::CType::Kind::Pointer;
  ptr.spelling = "struct x *";
  model::CType v;
  v.kind = model::CType::Kind::Void;
  CHECK(passes::convention(Returns::Kind::Errno).check(int_type(), false, s, {}).empty());
  CHECK(passes::convention(Returns::Kind::Errno).check(int_type(false), false, s, {}) == "errno");
  CHECK(passes::convention(Returns::Kind::ErrPtr).check(int_type(), false, s, {}) == "err_ptr");
  CHECK(passes::convention(Returns::Kind::NullPtr).check(ptr, false, s, {}).empty());
  CHECK(passes::convention(Returns::Kind::Void).check(int_type(), true, s, {}) == "must_check");
  CHECK(passes::convention(Returns::Kind::Void).check(v, true, s, {}).empty());
  CHECK(passes::convention(Returns::Kind::Enum).check(int_type(), false, s, returns(Returns::Kind::Enum, "E")) ==
        "known enum");
  CHECK_FALSE(passes::convention(Returns::Kind::Status).for_methods());
  CHECK_FALSE(passes::convention(Returns::Kind::ErrPtr).for_callbacks());
  CHECK(passes::derive_returns(int_type()).kind == Returns::Kind::Errno);
  CHECK(passes::derive_returns(int_type(false)).kind == Returns::Kind::Plain);
}

TEST_CASE("conventions render method bodies and callback bodies", "[render]") {
  passes::MethodSite m;
  m.c_fn = "f";
  m.call = "bindings::f(ptr)";
  m.safety = "`f` gets a valid `x`.";
  m.ret = emit::plan_conversion("crate::ffi::c_int", "u16", true, "");
  CodeWriter w(0);
  const auto& value = passes::convention(Returns::Kind::Value);
  value.method_body(w, returns(Returns::Kind::Value, "u16"), m);
  CHECK(w.str() ==
        "// SAFETY: `f` gets a valid `x`.\nlet ret = unsafe { bindings::f(ptr) };\nto_result(ret)?;\n"
        "let ret = u16::try_from(ret)?;\nOk(ret)");
  CHECK(value.method_ret(returns(Returns::Kind::Value, "u16"), m) == " -> Result<u16>");

  passes::CallbackSite c;
  c.invoke = "T::start(d)";
  c.prelude = [](CodeWriter& w) { w.line("let d = make();"); };
  CodeWriter e(8);
  passes::convention(Returns::Kind::Errno).callback_body(e, returns(Returns::Kind::Errno), c);
  CHECK(e.str() ==
        "        from_result(|| {\n            let d = make();\n            T::start(d)?;\n            Ok(0)\n"
        "        })");
  c.status_ok = "status::OK";
  c.status_err = "e.to_blk_status()";
  CodeWriter st(0);
  passes::convention(Returns::Kind::Status).callback_body(st, returns(Returns::Kind::Status), c);
  CHECK(st.str() == "let d = make();\nmatch T::start(d) {\n    Ok(()) => status::OK,\n    Err(e) => e.to_blk_status(),\n}");
}
