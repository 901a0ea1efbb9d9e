#include "emit/rust_types.hpp"

#include <map>
#include <regex>
#include <set>

#include "support/text.hpp"

namespace kgen::emit {

using model::CType;

namespace {

// Fixed-width kernel typedefs keep their Rust names (bindgen maps them to the
// same primitive types).
const std::map<std::string, std::string>& fixed_typedefs() {
  static const std::map<std::string, std::string> m = {
      {"u8", "u8"},   {"u16", "u16"},   {"u32", "u32"},   {"u64", "u64"},   {"s8", "i8"},
      {"s16", "i16"}, {"s32", "i32"},   {"s64", "i64"},   {"__u8", "u8"},   {"__u16", "u16"},
      {"__u32", "u32"}, {"__u64", "u64"}, {"__s8", "i8"}, {"__s16", "i16"}, {"__s32", "i32"},
      {"__s64", "i64"}, {"uint8_t", "u8"}, {"uint16_t", "u16"}, {"uint32_t", "u32"}, {"uint64_t", "u64"},
      {"int8_t", "i8"}, {"int16_t", "i16"}, {"int32_t", "i32"}, {"int64_t", "i64"}, {"size_t", "usize"},
      {"ssize_t", "isize"}};
  return m;
}

const std::map<std::string, std::string>& builtin_ints() {
  static const std::map<std::string, std::string> m = {
      {"char", "crate::ffi::c_char"},           {"signed char", "crate::ffi::c_schar"},
      {"unsigned char", "crate::ffi::c_uchar"}, {"short", "crate::ffi::c_short"},
      {"unsigned short", "crate::ffi::c_ushort"}, {"int", "crate::ffi::c_int"},
      {"unsigned int", "crate::ffi::c_uint"},   {"long", "crate::ffi::c_long"},
      {"unsigned long", "crate::ffi::c_ulong"}, {"long long", "crate::ffi::c_longlong"},
      {"unsigned long long", "crate::ffi::c_ulonglong"}};
  return m;
}

}  // namespace

std::string ffi_type(const CType& t) {
  switch (t.kind) {
    case CType::Kind::Void: return "crate::ffi::c_void";
    case CType::Kind::Bool: return "bool";
    case CType::Kind::Int: {
      if (auto it = fixed_typedefs().find(t.typedef_name); it != fixed_typedefs().end()) return it->second;
      if (auto it = builtin_ints().find(t.builtin); it != builtin_ints().end()) return it->second;
      return (t.is_signed ? "i" : "u") + std::to_string(t.bits);
    }
    case CType::Kind::Enum:
      if (!t.typedef_name.empty()) return "bindings::" + t.typedef_name;
      if (!t.tag.empty()) return "bindings::" + t.tag;
      return (t.is_signed ? "i" : "u") + std::to_string(t.bits);
    case CType::Kind::Record:
      return "bindings::" + (t.tag.empty() ? t.typedef_name : t.tag);
    case CType::Kind::Pointer: {
      const CType& p = *t.pointee;
      return std::string(p.is_const ? "*const " : "*mut ") + ffi_type(p);
    }
    case CType::Kind::Float: return "f64";
    default: return "crate::ffi::c_void";
  }
}

std::optional<IntShape> int_shape(const std::string& r) {
  static const std::map<std::string, IntShape> m = {
      {"u8", {false, 8}},   {"u16", {false, 16}}, {"u32", {false, 32}}, {"u64", {false, 64}},
      {"i8", {true, 8}},    {"i16", {true, 16}},  {"i32", {true, 32}},  {"i64", {true, 64}},
      {"usize", {false, 64}}, {"isize", {true, 64}},
      {"crate::ffi::c_char", {false, 8}},  {"crate::ffi::c_schar", {true, 8}},
      {"crate::ffi::c_uchar", {false, 8}}, {"crate::ffi::c_short", {true, 16}},
      {"crate::ffi::c_ushort", {false, 16}}, {"crate::ffi::c_int", {true, 32}},
      {"crate::ffi::c_uint", {false, 32}}, {"crate::ffi::c_long", {true, 64}},
      {"crate::ffi::c_ulong", {false, 64}}, {"crate::ffi::c_longlong", {true, 64}},
      {"crate::ffi::c_ulonglong", {false, 64}}};
  auto it = m.find(r);
  if (it == m.end()) return std::nullopt;
  return it->second;
}

namespace {
// The primitive a type name stands for, so that c_int and i32 compare equal.
std::string primitive(const std::string& r) {
  static const std::map<std::string, std::string> m = {
      {"crate::ffi::c_char", "u8"},  {"crate::ffi::c_schar", "i8"},  {"crate::ffi::c_uchar", "u8"},
      {"crate::ffi::c_short", "i16"}, {"crate::ffi::c_ushort", "u16"}, {"crate::ffi::c_int", "i32"},
      {"crate::ffi::c_uint", "u32"}, {"crate::ffi::c_long", "isize"}, {"crate::ffi::c_ulong", "usize"},
      {"crate::ffi::c_longlong", "i64"}, {"crate::ffi::c_ulonglong", "u64"}};
  auto it = m.find(r);
  return it == m.end() ? r : it->second;
}

}  // namespace

std::string rust_primitive(const std::string& t) { return primitive(t); }

namespace {
bool is_pointer_sized(const std::string& prim) { return prim == "usize" || prim == "isize"; }
}  // namespace

std::string convert_int(const std::string& expr, const std::string& from, const std::string& to) {
  std::string pf = primitive(from), pt = primitive(to);
  if (pf == pt) return expr;
  auto f = int_shape(pf), t = int_shape(pt);
  if (!f || !t) return expr + " as " + to;
  // core implements From for lossless integer conversions, except into the
  // pointer-sized types from 32 bits and more.
  bool lossless = (f->is_signed == t->is_signed && f->bits < t->bits) || (!f->is_signed && t->is_signed && f->bits < t->bits);
  if (is_pointer_sized(pt) && f->bits > 16) lossless = false;
  if (is_pointer_sized(pf)) lossless = false;
  if (lossless) return to + "::from(" + expr + ")";
  return expr + " as " + to;
}

std::string macro_const_type(const model::MacroValue& v) {
  if (!v.is_unsigned && v.value < 0) return v.value >= -2147483648ll ? "i32" : "i64";
  unsigned long long u = static_cast<unsigned long long>(v.value);
  return u <= 0xffffffffull ? "u32" : "u64";
}

bool bindgen_evaluates(const std::string& body) {
  static const std::regex cast(R"(\(\s*[A-Za-z_][A-Za-z0-9_ ]*\s*\*?\s*\)\s*[A-Za-z0-9_(])");
  static const std::regex call(R"([A-Za-z_][A-Za-z0-9_]*\s*\()");
  return body.find("__force") == std::string::npos && !std::regex_search(body, cast) &&
         !std::regex_search(body, call);
}

std::string rust_ident(const std::string& n) {
  static const std::set<std::string> kw = {
      "as",     "break", "const",    "continue", "crate", "else",    "enum",    "extern", "false",
      "fn",     "for",   "if",       "impl",     "in",    "let",     "loop",    "match",  "mod",
      "move",   "mut",   "pub",      "ref",      "return", "self",   "Self",    "static", "struct",
      "super",  "trait", "true",     "type",     "unsafe", "use",    "where",   "while",  "async",
      "await",  "dyn",   "abstract", "become",   "box",   "do",      "final",   "macro",  "override",
      "priv",   "typeof", "unsized", "virtual",  "yield", "try"};
  return kw.count(n) ? n + "_" : n;
}

std::string Conversion::apply(const std::string& expr) const {
  switch (kind) {
    case Kind::Same: return expr;
    case Kind::From: return to + "::from(" + expr + ")";
    case Kind::TryFrom: return to + "::try_from(" + expr + ")?";
    case Kind::Cast: return expr + " as " + to;
    case Kind::EnumFromC: return to + "::try_from_c(" + expr + ")?";
  }
  return expr;
}

std::string Conversion::describe() const {
  switch (kind) {
    case Kind::Same: return "same";
    case Kind::From: return "from " + from + " into " + to;
    case Kind::TryFrom: return "try_from " + from + " into " + to;
    case Kind::Cast: return "cast " + from + " as " + to + " (CAST: " + reason + ")";
    case Kind::EnumFromC: return "enum " + to + " from C " + from + " (EINVAL for an unknown value)";
  }
  return "";
}

Conversion plan_conversion(const std::string& from, const std::string& to, bool in_result,
                           const std::string& cast_reason) {
  Conversion c;
  c.from = from;
  c.to = to;
  std::string e = convert_int("x", from, to);
  if (e == "x") return c;
  if (e.find(" as ") == std::string::npos) {
    c.kind = Conversion::Kind::From;
    return c;
  }
  bool ints = int_shape(primitive(from)) && int_shape(primitive(to));
  if (ints && in_result) {
    c.kind = Conversion::Kind::TryFrom;
    return c;
  }
  c.kind = Conversion::Kind::Cast;
  c.reason = cast_reason;
  return c;
}

}  // namespace kgen::emit
