#include "passes/convention.hpp"

#include <map>
#include <memory>
#include <tuple>

namespace kgen::passes {

using emit::CodeWriter;
using emit::Conversion;
using model::CType;
using spec::Returns;

std::optional<CType> c_type_of_rust(const std::string& rust) {
  static const std::map<std::string, std::tuple<const char*, bool, unsigned>> m = {
      {"u8", {"u8", false, 8}},    {"u16", {"u16", false, 16}}, {"u32", {"u32", false, 32}},
      {"u64", {"u64", false, 64}}, {"i8", {"s8", true, 8}},     {"i16", {"s16", true, 16}},
      {"i32", {"s32", true, 32}},  {"i64", {"s64", true, 64}}};
  CType c;
  if (rust == "bool") {
    c.kind = CType::Kind::Bool;
    c.spelling = "bool";
    c.builtin = "_Bool";
    c.bits = 8;
    return c;
  }
  auto it = m.find(rust);
  if (it == m.end()) return std::nullopt;
  auto [name, sgn, bits] = it->second;
  c.kind = CType::Kind::Int;
  c.spelling = c.typedef_name = name;
  c.is_signed = sgn;
  c.bits = bits;
  return c;
}

Returns derive_returns(const CType& t) {
  Returns r;
  switch (t.kind) {
    case CType::Kind::Void: r.kind = Returns::Kind::Void; break;
    case CType::Kind::Bool: r.kind = Returns::Kind::Bool; break;
    case CType::Kind::Int: r.kind = t.is_signed ? Returns::Kind::Errno : Returns::Kind::Plain; break;
    default: r.kind = Returns::Kind::Plain; break;
  }
  return r;
}

std::string convert_into(CodeWriter& w, const std::string& var, const Conversion& c) {
  switch (c.kind) {
    case Conversion::Kind::Same:
    case Conversion::Kind::From: return c.apply(var);
    case Conversion::Kind::TryFrom:
    case Conversion::Kind::EnumFromC: w.line("let " + var + " = " + c.apply(var) + ";"); return var;
    case Conversion::Kind::Cast:
      w.comment(c.reason, "CAST");
      w.line("let " + var + " = " + c.apply(var) + ";");
      return var;
  }
  return var;
}

namespace {

std::string unsafe_call(const MethodSite& m) { return "unsafe { " + m.call + " }"; }

void safety(CodeWriter& w, const MethodSite& m) {
  for (const auto& c : m.checks) {
    w.open("if " + c);
    w.line("return Err(code::EINVAL);");
    w.close();
  }
  w.comment(m.safety, "SAFETY");
}

// `ret`, the C return value, as 0 or a negative errno: through the spec's
// `errno` function when it names one.
std::string errno_of(CodeWriter& w, const MethodSite& m) {
  if (m.errno_call.empty()) return "ret";
  w.comment(m.errno_safety, "SAFETY");
  return "unsafe { " + m.errno_call + " }";
}

// The body of a `from_result(|| { ... })` closure, for callbacks returning a Result.
void in_result(CodeWriter& w, const CallbackSite& c, const std::function<void(CodeWriter&)>& tail) {
  w.open("from_result(||");
  if (c.prelude) c.prelude(w);
  tail(w);
  w.close(")");
}

void plain(CodeWriter& w, const CallbackSite& c, const std::function<void(CodeWriter&)>& tail) {
  if (c.prelude) c.prelude(w);
  tail(w);
}

class Errno : public Convention {
 public:
  const char* name() const override { return "errno"; }
  std::string check(const CType& t, bool, const spec::Spec&, const Returns&) const override {
    return t.kind == CType::Kind::Int && t.is_signed ? "" : "errno";
  }
  bool method_result() const override { return true; }
  bool callback_result() const override { return true; }
  std::optional<CType> helper_ret(const Returns&) const override { return c_type_of_rust("i32"); }
  std::string method_ret(const Returns&, const MethodSite&) const override { return " -> Result"; }
  void method_body(CodeWriter& w, const Returns&, const MethodSite& m) const override {
    safety(w, m);
    if (m.errno_call.empty()) {
      w.line("to_result(" + unsafe_call(m) + ")");
      return;
    }
    w.line("let ret = " + unsafe_call(m) + ";");
    w.line("to_result(" + errno_of(w, m) + ")");
  }
  std::string callback_ret(const Returns&, const CallbackSite&) const override { return " -> Result"; }
  void callback_body(CodeWriter& w, const Returns&, const CallbackSite& c) const override {
    in_result(w, c, [&](CodeWriter& w) {
      w.line(c.invoke + "?;");
      w.line("Ok(0)");
    });
  }
};

class Value : public Convention {
 public:
  const char* name() const override { return "value"; }
  std::string check(const CType& t, bool, const spec::Spec&, const Returns&) const override {
    return t.kind == CType::Kind::Int && t.is_signed ? "" : "value";
  }
  bool method_result() const override { return true; }
  bool callback_result() const override { return true; }
  std::optional<CType> helper_ret(const Returns&) const override { return c_type_of_rust("i32"); }
  std::string method_ret(const Returns& r, const MethodSite&) const override { return " -> Result<" + r.type + ">"; }
  void method_body(CodeWriter& w, const Returns&, const MethodSite& m) const override {
    safety(w, m);
    w.line("let ret = " + unsafe_call(m) + ";");
    w.line("to_result(" + errno_of(w, m) + ")?;");
    w.line("Ok(" + convert_into(w, "ret", m.ret) + ")");
  }
  std::string callback_ret(const Returns& r, const CallbackSite&) const override {
    return " -> Result<" + r.type + ">";
  }
  void callback_body(CodeWriter& w, const Returns&, const CallbackSite& c) const override {
    in_result(w, c, [&](CodeWriter& w) {
      w.line("let ret = " + c.invoke + "?;");
      w.line("Ok(" + convert_into(w, "ret", c.ret) + ")");
    });
  }
};

// Methods only: C writes the value through its last parameter and returns
// 0 or an errno (through the spec's `errno` function, if named).
class Out : public Convention {
 public:
  const char* name() const override { return "out"; }
  std::string check(const CType& t, bool, const spec::Spec&, const Returns&) const override {
    return t.kind == CType::Kind::Int && t.is_signed ? "" : "errno";
  }
  bool method_result() const override { return true; }
  bool for_callbacks() const override { return false; }
  std::string method_ret(const Returns& r, const MethodSite&) const override { return " -> Result<" + r.type + ">"; }
  void method_body(CodeWriter& w, const Returns&, const MethodSite& m) const override {
    w.line("let mut " + m.out + ": " + m.out_type + " = 0;");
    safety(w, m);
    w.line("let ret = " + unsafe_call(m) + ";");
    w.line("to_result(" + errno_of(w, m) + ")?;");
    w.line("Ok(" + convert_into(w, m.out, m.ret) + ")");
  }
  std::string callback_ret(const Returns&, const CallbackSite&) const override { return ""; }
  void callback_body(CodeWriter&, const Returns&, const CallbackSite&) const override {}
};

class Void : public Convention {
 public:
  const char* name() const override { return "void"; }
  std::string check(const CType& t, bool must_check, const spec::Spec&, const Returns&) const override {
    return t.kind != CType::Kind::Void && must_check ? "must_check" : "";
  }
  std::optional<CType> helper_ret(const Returns&) const override {
    CType c;
    c.kind = CType::Kind::Void;
    c.spelling = "void";
    return c;
  }
  std::string method_ret(const Returns&, const MethodSite& m) const override {
    return m.checks.empty() ? "" : " -> Result";
  }
  void method_body(CodeWriter& w, const Returns&, const MethodSite& m) const override {
    safety(w, m);
    w.line(unsafe_call(m) + ";");
    if (!m.checks.empty()) w.line("Ok(())");
  }
  std::string callback_ret(const Returns&, const CallbackSite&) const override { return ""; }
  void callback_body(CodeWriter& w, const Returns&, const CallbackSite& c) const override {
    plain(w, c, [&](CodeWriter& w) {
      w.line(c.invoke + ";");
      if (!c.after.empty()) {
        w.comment(c.after_safety, "SAFETY");
        w.line(c.after + ";");
      }
    });
  }
};

// Callbacks only: `probe` returns the driver's per-device data, which the
// trampoline stores on the device (the ops table's driver_data).
class Data : public Convention {
 public:
  const char* name() const override { return "data"; }
  std::string check(const CType& t, bool, const spec::Spec&, const Returns&) const override {
    return t.kind == CType::Kind::Int && t.is_signed ? "" : "errno";
  }
  bool callback_result() const override { return true; }
  bool for_methods() const override { return false; }
  std::string method_ret(const Returns&, const MethodSite&) const override { return ""; }
  void method_body(CodeWriter&, const Returns&, const MethodSite&) const override {}
  std::string callback_ret(const Returns&, const CallbackSite& c) const override {
    return " -> Result<" + c.data_type + ">";
  }
  void callback_body(CodeWriter& w, const Returns&, const CallbackSite& c) const override {
    in_result(w, c, [&](CodeWriter& w) {
      w.line("let data = " + c.invoke + "?;");
      w.comment(c.store_safety, "SAFETY");
      w.line("unsafe { " + c.store + " };");
      w.line("Ok(0)");
    });
  }
};

class Bool : public Convention {
 public:
  const char* name() const override { return "bool"; }
  std::string check(const CType& t, bool, const spec::Spec&, const Returns&) const override {
    return t.kind == CType::Kind::Bool || t.kind == CType::Kind::Int ? "" : "bool";
  }
  std::optional<CType> helper_ret(const Returns&) const override { return c_type_of_rust("bool"); }
  std::string method_ret(const Returns&, const MethodSite&) const override { return " -> bool"; }
  void method_body(CodeWriter& w, const Returns&, const MethodSite& m) const override {
    safety(w, m);
    w.line(unsafe_call(m) + (m.c_bool ? "" : " != 0"));
  }
  std::string callback_ret(const Returns&, const CallbackSite&) const override { return " -> bool"; }
  void callback_body(CodeWriter& w, const Returns&, const CallbackSite& c) const override {
    plain(w, c, [&](CodeWriter& w) { w.line(c.c_bool ? c.invoke : c.ffi_ret + "::from(" + c.invoke + ")"); });
  }
};

class Plain : public Convention {
 public:
  const char* name() const override { return "plain"; }
  std::string check(const CType&, bool, const spec::Spec&, const Returns&) const override { return ""; }
  std::optional<CType> helper_ret(const Returns& r) const override { return c_type_of_rust(r.type); }
  std::string method_ret(const Returns&, const MethodSite& m) const override {
    return m.checks.empty() ? " -> " + m.ret.to : " -> Result<" + m.ret.to + ">";
  }
  void method_body(CodeWriter& w, const Returns&, const MethodSite& m) const override {
    safety(w, m);
    std::string open = m.checks.empty() ? "" : "Ok(", close = m.checks.empty() ? "" : ")";
    if (m.ret.kind == Conversion::Kind::Same) {
      w.line(open + unsafe_call(m) + close);
      return;
    }
    w.line("let ret = " + unsafe_call(m) + ";");
    std::string v = convert_into(w, "ret", m.ret);
    w.line(open + v + close);
  }
  std::string callback_ret(const Returns&, const CallbackSite& c) const override { return " -> " + c.ret.from; }
  void callback_body(CodeWriter& w, const Returns&, const CallbackSite& c) const override {
    plain(w, c, [&](CodeWriter& w) {
      if (c.ret.kind == Conversion::Kind::Cast) w.comment(c.ret.reason, "CAST");
      w.line(c.ret.apply(c.invoke));
    });
  }
};

class Enum : public Convention {
 public:
  const char* name() const override { return "enum"; }
  std::string check(const CType& t, bool, const spec::Spec& s, const Returns& r) const override {
    if (t.kind != CType::Kind::Enum && t.kind != CType::Kind::Int) return "enum";
    for (const auto& e : s.enums)
      if (e.rust == r.type) return "";
    return "known enum";
  }
  bool method_result() const override { return true; }
  std::string method_ret(const Returns& r, const MethodSite&) const override { return " -> Result<" + r.type + ">"; }
  void method_body(CodeWriter& w, const Returns& r, const MethodSite& m) const override {
    safety(w, m);
    w.line("let ret = " + unsafe_call(m) + ";");
    w.line(r.type + "::try_from_c(ret)");
  }
  std::string callback_ret(const Returns& r, const CallbackSite&) const override { return " -> " + r.type; }
  void callback_body(CodeWriter& w, const Returns&, const CallbackSite& c) const override {
    plain(w, c, [&](CodeWriter& w) {
      if (c.ret.kind == Conversion::Kind::Cast) w.comment(c.ret.reason, "CAST");
      w.line(c.ret.apply(c.invoke + ".to_c()"));
    });
  }
};

// ERR_PTR and NULL: a pointer to a spec type becomes a reference (or an ARef).
class Pointer : public Convention {
 public:
  explicit Pointer(bool err) : err_(err) {}
  const char* name() const override { return err_ ? "err_ptr" : "null_ptr"; }
  std::string check(const CType& t, bool, const spec::Spec&, const Returns&) const override {
    return t.is_pointer() ? "" : name();
  }
  bool method_result() const override { return err_; }
  bool for_callbacks() const override { return false; }
  std::string method_ret(const Returns&, const MethodSite& m) const override {
    std::string inner = m.counted ? "crate::types::ARef<" + m.target + ">" : "&" + m.target;
    return std::string(err_ ? " -> Result<" : " -> Option<") + inner + ">";
  }
  void method_body(CodeWriter& w, const Returns&, const MethodSite& m) const override {
    std::string wrap =
        m.counted ? "crate::types::ARef::from_raw(ret.cast())" : m.target + "::from_raw(ret.as_ptr())";
    std::string own = m.counted ? "returns a valid `" + m.target_tag +
                                      "` with a reference taken for the caller, which the `ARef` now owns"
                                : "returns a valid `" + m.target_tag + "` that lives as long as `self`";
    safety(w, m);
    if (err_) {
      w.line("let ret = crate::error::from_err_ptr(" + unsafe_call(m) + ")?;");
      w.comment("`from_err_ptr` let through only a valid pointer: by its convention, `" + m.c_fn +
                    "` never returns NULL.",
                "SAFETY");
      w.line("let ret = unsafe { core::ptr::NonNull::new_unchecked(ret) };");
    } else {
      w.line("let ret = core::ptr::NonNull::new(" + unsafe_call(m) + ")?;");
    }
    w.comment("`" + m.c_fn + "` " + own + ".", "SAFETY");
    w.line(std::string(err_ ? "Ok" : "Some") + "(unsafe { " + wrap + " })");
  }
  std::string callback_ret(const Returns&, const CallbackSite&) const override { return ""; }
  void callback_body(CodeWriter&, const Returns&, const CallbackSite&) const override {}

 private:
  bool err_;
};

// Callbacks only: the Rust Result becomes a C status code through the ops
// table's 'status' expressions.
class Status : public Convention {
 public:
  const char* name() const override { return "status"; }
  std::string check(const CType& t, bool, const spec::Spec&, const Returns&) const override {
    return t.kind == CType::Kind::Int || t.kind == CType::Kind::Enum ? "" : "status";
  }
  bool for_methods() const override { return false; }
  std::string method_ret(const Returns&, const MethodSite&) const override { return ""; }
  void method_body(CodeWriter&, const Returns&, const MethodSite&) const override {}
  std::string callback_ret(const Returns&, const CallbackSite&) const override { return " -> Result"; }
  void callback_body(CodeWriter& w, const Returns&, const CallbackSite& c) const override {
    plain(w, c, [&](CodeWriter& w) {
      w.open("match " + c.invoke);
      w.line("Ok(()) => " + c.status_ok + ",");
      w.line("Err(e) => " + c.status_err + ",");
      w.close();
    });
  }
};

}  // namespace

const Convention& convention(Returns::Kind k) {
  static const Errno errno_;
  static const Value value;
  static const Void void_;
  static const Bool bool_;
  static const Plain plain_;
  static const Enum enum_;
  static const Pointer err_ptr(true), null_ptr(false);
  static const Status status;
  static const Data data;
  static const Out out;
  switch (k) {
    case Returns::Kind::Errno: return errno_;
    case Returns::Kind::Value: return value;
    case Returns::Kind::Void: return void_;
    case Returns::Kind::Bool: return bool_;
    case Returns::Kind::Plain: return plain_;
    case Returns::Kind::Enum: return enum_;
    case Returns::Kind::ErrPtr: return err_ptr;
    case Returns::Kind::NullPtr: return null_ptr;
    case Returns::Kind::Status: return status;
    case Returns::Kind::Data: return data;
    case Returns::Kind::Out: return out;
  }
  return errno_;
}

}  // namespace kgen::passes
