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

// Converts `expr` of Rust type `from` into Rust type `to`.
std::string convert_int(const std::string& expr, const std::string& from, const std::string& to);

}  // namespace kgen::emit
