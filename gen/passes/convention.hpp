// Return conventions, one type each (in the manner of ynl-gen's one class
// per attribute type): each knows its check against the C return type (the
// `conventions` pass) and how a method body and a callback trampoline return
// through it (emit). Nothing else switches over spec::Returns::Kind.
#pragma once
#include <functional>
#include <optional>
#include <string>

#include "emit/code_writer.hpp"
#include "emit/rust_types.hpp"
#include "model/cmodel.hpp"
#include "spec/spec.hpp"

namespace kgen::passes {

// A method's call of its C function, as lowered.
struct MethodSite {
  std::string c_fn;
  std::string call;    // `bindings::f(ptr, a)`, the unsafe operation
  std::string safety;  // why `call` is sound here (the SAFETY comment)
  emit::Conversion ret;  // the C return value into the Rust one (value, plain)
  bool c_bool = false;   // the C function returns `bool`
  // err_ptr / null_ptr: the spec type the pointer becomes.
  std::string target, target_tag;
  bool counted = false;  // reference-counted: an ARef
  // Arguments C needs in range (spec `u32 < BOUND`): conditions that make
  // the method return EINVAL before the call. A plain or void method that
  // checks returns a Result.
  std::vector<std::string> checks;
  // out: the local the C function writes the value into (its last
  // parameter), and the local's FFI type.
  std::string out, out_type;
  // The C return value into 0 or a negative errno, when the spec names an
  // `errno` function (`bindings::f(ret)`), and why calling it is sound.
  std::string errno_call, errno_safety;
};

// A trampoline's call of the trait method, as lowered.
struct CallbackSite {
  std::string invoke;    // `T::name(args)`
  std::string ffi_ret;   // the C return type, as Rust spells it
  emit::Conversion ret;  // the Rust value into the C return type
  bool c_bool = false;   // C returns `bool`
  std::string enum_c;    // enum: the C-side type of the Rust enum
  std::string status_ok, status_err;
  // data: the statement storing `data` (the driver's per-device data) on
  // the device, and why it is sound.
  std::string store, store_safety, data_type;
  // drops_data: the statement run after the trait method (dropping the
  // driver data), and why it is sound.
  std::string after, after_safety;
  std::function<void(emit::CodeWriter&)> prelude;  // argument conversions, run first
};

class Convention {
 public:
  virtual ~Convention() = default;
  virtual const char* name() const = 0;
  // What is wrong with returning through this convention from a C function
  // of return type `t` ("" when it fits).
  virtual std::string check(const model::CType& t, bool must_check, const spec::Spec& s,
                            const spec::Returns& r) const = 0;
  // Whether Rust code returning through it returns a Result (so a checked
  // conversion can use `?`), for methods and for trait methods.
  virtual bool method_result() const { return false; }
  virtual bool callback_result() const { return false; }
  virtual bool for_methods() const { return true; }
  virtual bool for_callbacks() const { return true; }
  // The C return type of a helper for a function-like macro.
  virtual std::optional<model::CType> helper_ret(const spec::Returns& r) const { return std::nullopt; }
  // The Rust return type (" -> T" or "") and the body's tail after the
  // receiver pointer is bound.
  virtual std::string method_ret(const spec::Returns& r, const MethodSite& m) const = 0;
  virtual void method_body(emit::CodeWriter& w, const spec::Returns& r, const MethodSite& m) const = 0;
  virtual std::string callback_ret(const spec::Returns& r, const CallbackSite& c) const = 0;
  virtual void callback_body(emit::CodeWriter& w, const spec::Returns& r, const CallbackSite& c) const = 0;
};

// The convention object of a kind (a static instance).
const Convention& convention(spec::Returns::Kind k);
// The convention a C return type implies when the spec says nothing.
spec::Returns derive_returns(const model::CType& t);
// The C type of a Rust integer or bool type name (for macro helpers).
std::optional<model::CType> c_type_of_rust(const std::string& rust);

// Emits `let <var> = <conversion of var>;` (with a `// CAST:` comment for a
// cast) when the conversion is not inline-able; returns the expression that
// now holds the converted value.
std::string convert_into(emit::CodeWriter& w, const std::string& var, const emit::Conversion& c);

}  // namespace kgen::passes
