// The C model: what the frontend saw in the headers, independent of libclang.
// It is built once per parse and then only read (frozen), as in bindgen.
#pragma once
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "support/diag.hpp"

namespace kgen::model {

struct CParam;

struct CType {
  enum class Kind { Void, Bool, Int, Float, Pointer, Record, Enum, Function, Array, Other };
  Kind kind = Kind::Other;
  std::string spelling;      // as written, e.g. "u16", "const struct phy_tdr_config *"
  std::string typedef_name;  // outermost typedef the type is spelled with ("u16", "irqreturn_t")
  std::string tag;           // record/enum tag, without "struct "/"enum "
  bool is_const = false;
  // Int/Bool/Enum: size and signedness of the canonical type.
  bool is_signed = false;
  unsigned bits = 0;
  std::string builtin;  // canonical builtin spelling for ints ("int", "unsigned short", "unsigned long")
  std::shared_ptr<CType> pointee;  // Pointer, Array (element)
  long long array_size = -1;
  // Function (prototype, also the pointee of a function pointer).
  std::shared_ptr<CType> ret;
  std::vector<CParam> params;
  bool variadic = false;

  bool is_pointer() const { return kind == Kind::Pointer; }
  bool is_function_pointer() const {
    return kind == Kind::Pointer && pointee && pointee->kind == Kind::Function;
  }
  // The C spelling suitable for a declaration of a variable named `name`.
  std::string declare(const std::string& name) const;
};

struct CParam {
  std::string name;
  CType type;
};

struct CFunction {
  std::string name;
  CType ret;
  std::vector<CParam> params;
  bool variadic = false;
  bool is_static_inline = false;  // static (inline) definition in a header
  bool warn_unused_result = false;
  Location loc;
  std::string doc;  // raw comment text attached by clang, if any
  std::vector<std::string> other_files;  // files of further declarations (for restrict_to)
  // A static inline definition: what its body calls, in order (functions and
  // function-like macros), when the parse was asked for it.
  std::vector<std::string> calls;
  // A helper kgen makes up under another name (a spec's `aliases`): the C
  // function its body calls; empty: `name` itself.
  std::string helper_calls;
};

struct CRecord;

struct CField {
  std::string name;  // for an anonymous struct/union member, bindgen's `__bindgen_anon_N`
  CType type;
  int bit_width = -1;  // -1: not a bitfield
  Location loc;
  std::string doc;
  // The preprocessor conditions on CONFIG_ options the member is declared
  // under, as a Rust cfg predicate ("CONFIG_BLK_DEBUG_FS",
  // "all(CONFIG_A, not(CONFIG_B))"); empty when unconditional. Other
  // conditions (#if on values) are not mapped.
  std::string cfg;
  // An anonymous struct or union member (C11, `struct_group()`): its members,
  // which C names as members of the enclosing struct.
  std::shared_ptr<const CRecord> anonymous;
};

struct CRecord {
  std::string tag;
  bool is_union = false;
  bool complete = false;
  std::vector<CField> fields;
  Location loc;
  std::string doc;
  const CField* field(const std::string& name) const;
  // Looks `name` up as C does, through anonymous members; `path` gets the
  // Rust access path bindgen gives it (`__bindgen_anon_1.__bindgen_anon_1.x`).
  const CField* member(const std::string& name, std::string& path) const;
  bool is_ops_table() const;  // every named member is a function pointer, or most of them are
};

struct CEnumConstant {
  std::string name;
  long long value = 0;
  Location loc;
  std::string doc;
};

struct CEnum {
  std::string tag;           // may be empty for an anonymous enum
  std::string typedef_name;  // "phy_interface_t" for typedef enum {...} phy_interface_t
  std::vector<CEnumConstant> constants;
  bool is_signed = false;
  unsigned bits = 32;
  Location loc;
  std::string doc;
};

struct MacroValue {
  long long value = 0;
  bool is_unsigned = false;
  unsigned bits = 32;  // width of the expression's type
  bool is_signed_type = true;
};

struct CMacro {
  std::string name;
  bool function_like = false;
  std::vector<std::string> params;
  std::string body;  // tokens joined by single spaces
  Location loc;
  std::optional<MacroValue> value;  // set for object-like integer constant expressions
  // The header comment documenting the #define (the one after its value, else
  // the block just above it), without comment markers; see frontend/comments.hpp.
  std::string doc;
};

// An invocation of a macro that the parse was asked to record
// (frontend::ParseOptions::record_uses_of), such as
// DEFINE_GUARD(mutex, struct mutex *, mutex_lock(_T), mutex_unlock(_T)).
struct CMacroUse {
  std::string name;
  std::vector<std::string> args;  // top-level arguments, tokens joined by single spaces
  Location loc;
};

// A map from names to the model's entities (functions, records, enums,
// macros), each held once and shared: the views of a parse (restrict_to)
// copy a pointer per entity they keep, not the entity. Used like a std::map:
// iteration and find() give pairs of (name, entity&); operator[] and
// emplace() add entities while the frontend builds the model. A copy of a
// CModel shares its entities too: parse again for a model to change apart.
template <typename T>
class EntityMap {
  using Inner = std::map<std::string, std::shared_ptr<T>>;

 public:
  using value_type = std::pair<const std::string&, T&>;
  template <typename It>
  class Iter {
   public:
    Iter() = default;
    explicit Iter(It it) : it_(it) {}
    value_type operator*() const { return {it_->first, *it_->second}; }
    struct Arrow {
      value_type p;
      const value_type* operator->() const { return &p; }
    };
    Arrow operator->() const { return {**this}; }
    Iter& operator++() {
      ++it_;
      return *this;
    }
    bool operator==(const Iter& o) const { return it_ == o.it_; }
    bool operator!=(const Iter& o) const { return it_ != o.it_; }

   private:
    It it_;
  };
  using iterator = Iter<typename Inner::const_iterator>;
  using const_iterator = iterator;

  iterator begin() const { return iterator(m_.begin()); }
  iterator end() const { return iterator(m_.end()); }
  iterator find(const std::string& k) const { return iterator(m_.find(k)); }
  size_t count(const std::string& k) const { return m_.count(k); }
  size_t size() const { return m_.size(); }
  bool empty() const { return m_.empty(); }
  T& at(const std::string& k) const { return *m_.at(k); }
  T& operator[](const std::string& k) {
    auto& p = m_[k];
    if (!p) p = std::make_shared<T>();
    return *p;
  }
  // Adds `v` under `k` unless `k` is there; true when added. (`k` may be a
  // member of `v`: it is copied before `v` is moved from.)
  template <typename V>
  bool emplace(const std::string& k, V&& v) {
    if (m_.count(k)) return false;
    std::string key = k;
    return m_.emplace(std::move(key), std::make_shared<T>(std::forward<V>(v))).second;
  }
  // Shares every entity of `from` that `keep(entity)` accepts (restrict_to).
  template <typename Pred>
  void share_if(const EntityMap& from, Pred keep) {
    for (const auto& [k, p] : from.m_)
      if (keep(static_cast<const T&>(*p))) m_.emplace_hint(m_.end(), k, p);
  }

 private:
  Inner m_;
};

struct CModel {
  EntityMap<CFunction> functions;
  EntityMap<CRecord> records;  // by tag
  EntityMap<CEnum> enums;      // by tag, or by typedef name when anonymous
  std::map<std::string, std::string> enum_of_constant;  // constant name -> key in enums
  EntityMap<CMacro> macros;
  std::map<std::string, CType> typedefs;  // name -> underlying type
  std::vector<std::string> main_headers;  // the headers that were asked for
  std::vector<CMacroUse> macro_uses;      // in source order
  // What the preprocessor read: for the regeneration cache, and so that one
  // parse can serve several specs (restrict_to).
  std::map<std::string, std::string> input_files;  // every file entered: clang's name -> absolute path
  std::map<std::string, std::vector<std::string>> includes;  // file -> files its #include lines name
                                                             // ("" holds the command line's -include)
  std::map<std::string, std::string> header_files;  // a main header as written -> the file it names
  // How the FFI layer names C enums' constants: bindgen spells an enumerator
  // `<enum>_<NAME>`, unless the tree's options make that enum a Rust scope
  // of its own (--newtype-enum, --rustified-enum, --constified-enum-module:
  // `<enum>::<NAME>`, as 7.3 does for irqreturn). The patterns of those
  // options (bindgen regexes, matched whole); set from the tree's options.
  std::vector<std::string> scoped_enum_patterns;

  // bindgen's Rust path of the constant `name` of `e`: `bindings::e_NAME`,
  // `bindings::e::NAME`, or `bindings::NAME` for an anonymous enum.
  std::string enumerator_path(const CEnum& e, const std::string& name) const;
  const CFunction* function(const std::string& n) const;
  const CRecord* record(const std::string& tag) const;
  const CEnum* enumeration(const std::string& name) const;  // tag or typedef name
  const CMacro* macro(const std::string& n) const;
  // Names that look like `name` (same prefix, edit distance), for "did you mean".
  std::vector<std::string> similar_names(const std::string& name) const;
};

// The model as a parse of only `headers` (a subset of m.main_headers) would
// have produced it: declarations from files those headers do not reach
// through #include lines are left out. Lets several specs share one parse of
// the union of their headers and still see exactly what their own would.
CModel restrict_to(const CModel& m, const std::vector<std::string>& headers);

}  // namespace kgen::model
