// How C types look from Rust: the FFI spelling bindgen gives them inside the
// kernel crate, and the conversions between Rust-side and C-side integers
// that stay clippy-clean (no cast where the types are equal, `into()` where a
// lossless From exists, `as` otherwise).
#pragma once
#include <optional>
#include <string>

#include "model/cmodel.hpp"

namespace kgen::emit {

// FFI type of `t` as the generated code spells it: crate::ffi::c_int, u16,
// *mut bindings::phy_device, bindings::phy_interface_t, bool, ...
std::string ffi_type(const model::CType& t);

struct IntShape {
  bool is_signed;
  unsigned bits;
};
// Shape of a Rust integer type name (u16, crate::ffi::c_int, usize...), if it is one.
std::optional<IntShape> int_shape(const std::string& rust_type);

// The Rust type that bindgen gives an integer macro constant (its default
// rules: u32 when the value fits, then u64; i32/i64 for negative values).
std::string macro_const_type(const model::MacroValue& v);

// Whether bindgen gives a macro with this body a constant: it evaluates
// literals and arithmetic on other macros, not casts or calls.
bool bindgen_evaluates(const std::string& macro_body);

// A Rust identifier for a C name (`type` -> `type_`).
std::string rust_ident(const std::string& c_name);

// The Rust primitive a `crate::ffi::c_*` alias stands for in the kernel
// (c_int -> i32, c_ulong -> usize, c_char -> u8); other names unchanged. Public
// signatures use these, not the FFI aliases.
std::string rust_primitive(const std::string& rust_type);

// Converts `expr` of Rust type `from` into Rust type `to` (`as` where no
// lossless From exists; see Conversion for the planned form).
std::string convert_int(const std::string& expr, const std::string& from, const std::string& to);

// How a value crosses between a Rust type and a C type, as the plan records
// it: nothing to do, a lossless `From`, a checked `try_from` (only where the
// code returns a `Result`), or a cast that carries a `// CAST:` reason.
struct Conversion {
  // EnumFromC: a C value into a spec enum (`E::try_from_c(v)?`).
  enum class Kind { Same, From, TryFrom, Cast, EnumFromC } kind = Kind::Same;
  std::string from, to;
  std::string reason;  // Cast: why the cast is right (the `// CAST:` comment)
  // The Rust expression converting `expr` (TryFrom ends in `?`).
  std::string apply(const std::string& expr) const;
  bool lossy() const { return kind == Kind::TryFrom || kind == Kind::Cast || kind == Kind::EnumFromC; }
  std::string describe() const;  // for Plan::dump()
};

// Plans the conversion of a value of `from` into `to`. A narrowing one is
// checked when `in_result` (the code can return an error), else a cast with
// `cast_reason`.
Conversion plan_conversion(const std::string& from, const std::string& to, bool in_result,
                           const std::string& cast_reason);

}  // namespace kgen::emit
