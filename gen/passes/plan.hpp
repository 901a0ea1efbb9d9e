// Stage 3: the spec checked against the C model, as a plan the emitters
// read. run_passes() runs the named passes in a fixed order; after it the
// plan is frozen.
#pragma once
#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <tuple>
#include <set>
#include <string>
#include <vector>

#include "emit/rust_types.hpp"
#include "model/cmodel.hpp"
#include "model/kerneldoc.hpp"
#include "passes/convention.hpp"
#include "spec/spec.hpp"

namespace kgen::passes {

// How Rust code holds the C object it works on.
enum class Access {
  Shared,     // `&T`: other code may hold it too
  Exclusive,  // `&mut T`: nothing else touches it for the duration
  Guard,      // through a lock guard: the C lock is held
};
const char* access_name(Access a);

// A method parameter after lowering: its Rust type and what C gets.
struct LoweredParam {
  std::string name;       // Rust name
  std::string rust_type;  // in the signature
  std::string pass;       // the expression handed to C
  emit::Conversion conv;  // Rust value -> C parameter type
};

// Every decision about a method, made by the `lower` pass.
struct LoweredMethod {
  Access receiver = Access::Exclusive;
  std::string lock;  // guard methods: the C function whose lock is held
  std::vector<LoweredParam> params;
  const Convention* convention = nullptr;
  MethodSite site;        // the C call, its SAFETY reason and the return conversion
  std::string rust_ret;   // " -> T" or ""
  // How the C function's kernel-doc is rewritten for the Rust method: its
  // parameters' Rust names (the receiver is `self`) and what it returns.
  model::DocContext doc;
};

struct PlannedMethod {
  const spec::Method* spec;
  const model::CFunction* fn;
  bool needs_helper = false;  // static inline or macro: a rust_helper_* is generated
  spec::Returns returns;      // effective convention (spec, or derived from the C type)
  LoweredMethod low;
  const model::CFunction* errno_fn = nullptr;  // the spec's `errno` function, if any
};

// A getter or setter after lowering.
struct LoweredAccessor {
  std::string rust_type;  // returned (getter) or taken (setter)
  emit::Conversion conv;  // getter: C field -> `rust_type` or the enum's C type; setter: value -> C
  // getter: the returned expression of `value` after `conv`; setter: the
  // expression of `value` that `conv` then turns into the C field type
  std::string tail;
  std::string write;      // setter: the statement writing `value`
  std::string safety;     // why the field access is sound
};

struct PlannedField {
  const spec::Field* spec;
  model::CType type;  // type of the (last) C field on the path
  bool bitfield = false;
  std::string path;  // Rust access path of the C field (`a.b`, `__bindgen_anon_1.x`)
  LoweredAccessor get, set;
};

struct PlannedLock {
  const spec::Lock* spec;
  const model::CFunction* lock;
  const model::CFunction* unlock;
  std::vector<PlannedMethod> methods;
};

struct PlannedType {
  const spec::Type* spec;
  const model::CRecord* record;
  std::vector<PlannedField> fields;
  std::vector<PlannedMethod> methods;
  std::vector<PlannedLock> locks;
  const model::CFunction* get = nullptr;  // refcounted
  const model::CFunction* put = nullptr;
};

struct PlannedEnum {
  const spec::Enum* spec;
  const model::CEnum* c = nullptr;  // null when built from macros
  std::vector<long long> values;    // per variant
  // Macro-style enums: per variant, the C constant as bindgen names it, when
  // it is an enumerator rather than a macro ("" or missing: `bindings::NAME`).
  std::vector<std::string> c_exprs;
  std::string c_type;  // lower: its C-side Rust type (bindings::x, or u32 for macros)
  // lower: the conversions the output uses (try_from_c: C to Rust; to_c:
  // Rust to C); only those are generated (an unused one is dead code). A
  // shared spec's enums get both: other specs' code uses them.
  mutable bool from_c = false, to_c = false;
};

struct PlannedConst {
  std::string c, rust;
  model::MacroValue value;
  bool hex = false;
  // lower: the Rust expression of the constant: bindgen's `bindings::X`
  // (cast to the group's type, with `cast` saying why that is lossless), or
  // the literal value where bindgen cannot evaluate the macro.
  std::string expr, cast;
  bool literal = false;
  std::string doc;  // the #define's header comment (CMacro::doc), "" when it has none
  bool enumerator = false;  // named by an enumerator, not a macro (`expr` is its enum's constant)
};

struct PlannedConstGroup {
  const spec::ConstGroup* spec;
  std::vector<PlannedConst> consts;
};

// A C parameter of a callback after lowering: how the trampoline makes the
// driver's value from it.
struct LoweredArg {
  enum class Kind {
    Object,  // a pointer to a spec type: `&T` / `&mut T`
    Guard,   // a pointer to a spec type whose lock C holds: the guard
    Ref,     // a pointer to one plain C value: `&T` / `&mut T`
    Value,   // an integer or enum, converted
    Unused,  // not passed to the driver
    Derived,  // a trait parameter made from C values (`params` with `from`/`via`)
  } kind = Kind::Value;
  std::string name;        // Rust name of the C parameter
  std::string c_decl;      // `name: *mut bindings::x` in the trampoline
  Access access = Access::Exclusive;
  std::string trait_type;  // its type in the trait method
  std::string make;        // the unsafe expression that makes the Rust value
  std::string safety;      // why `make` is sound: what is dereferenced, and why it is valid
  std::string guard, guard_lock;  // Guard: the guard type and the C lock function
  emit::Conversion conv;   // Value: C -> Rust
  std::string call;        // what the trait method gets
  // Derived: made before the C parameters become Rust values (its source
  // is a C parameter that is also passed on, which the trampoline rebinds).
  bool early = false;
  // The C pointer is also needed after it is rebound (to store or drop the
  // driver data): the trampoline first copies it into `raw_alias`.
  std::string raw_alias;
};

struct LoweredCallback {
  Access receiver = Access::Exclusive;
  std::string lock;  // the C function whose lock C holds during the call, or ""
  std::vector<LoweredArg> args;  // in C order
  std::vector<LoweredArg> derived;  // Derived trait parameters, made after `args`, in trait order
  std::vector<std::pair<std::string, std::string>> trait_params;  // (declaration, argument), in trait order
  // Internal callbacks with `call`: the unsafe call, and why it is sound.
  std::string internal_call, internal_safety;
  // The call returns a Result, which the trampoline gives C as 0 or an errno
  // (`returns: errno` on an internal callback whose C member returns int).
  bool internal_result = false;
  std::string prelude;  // the spec's hand-written Rust, run after the arguments are made
  const Convention* convention = nullptr;
  CallbackSite site;    // the call of the trait method and the return conversion
  std::string c_ret;    // " -> c_int" or ""
  std::string trait_ret;
  // How the member's kernel-doc is rewritten for the trait method: the C
  // parameters' trait names ("" when not passed on), what it returns, and
  // the doc of the member before it ("Ditto for ..."); `doc.previous` is set
  // by whoever renders, to point at `previous_doc`.
  model::DocContext doc;
  model::KernelDoc previous_doc;
  std::string previous_name;
};

struct PlannedCallback {
  const model::CField* field;        // the function-pointer member
  const spec::Callback* spec = nullptr;  // null: excluded
  const spec::Excluded* excluded = nullptr;
  spec::Returns returns;  // effective convention
  LoweredCallback low;
};

// The per-device driver data of a bus driver (spec::DriverData), lowered.
struct PlannedDriverData {
  const model::CFunction* get = nullptr;
  const model::CFunction* set = nullptr;
  std::string c_param;  // the C type of the device pointer `get` takes
  std::string ffi;      // ... as the trampolines declare it
  std::string safety;   // why `Adapter::data` is sound
};

struct PlannedOps {
  const spec::Ops* spec;
  const model::CRecord* record;
  // The spec's conversions, and one made from `driver_data` (`Pin<&Self>`).
  std::vector<spec::ParamConversion> conversions;
  std::optional<PlannedDriverData> driver_data;
  std::vector<PlannedCallback> callbacks;  // in C member order
  std::vector<const model::CField*> data_fields;  // non-callback members, in C order
  size_t wired() const;
};

// An item the generator saw and chose not to wrap, with the reason (as
// autocxx does): reported, never dropped silently.
struct Ignored {
  std::string what;
  std::string reason;
  Location loc;
};

// The registration shape: an array of ops tables registered with one C
// call and unregistered by Drop (phy's shape).
struct PlannedRegistration {
  bool single = false;     // one driver per `Registration<T>` (spec shape 'single')
  std::string trait, create, box;
  std::vector<std::pair<std::string, std::string>> set;  // C member -> Rust expression
  std::string rust, doc, vtable, c_tag, register_fn, unregister_fn;
  std::string register_args, unregister_args;  // Rust argument lists
  std::string unregister_cast;                 // why the count's cast in Drop is lossless
};

struct PlannedDeviceIdCtor {
  std::string name, params, doc;
  std::vector<std::pair<std::string, std::string>> fields;  // C field -> expression
};

// A device-id entry type and its table.
struct PlannedDeviceId {
  std::string rust, c_tag, doc;
  std::vector<PlannedDeviceIdCtor> ctors;
  std::vector<std::tuple<std::string, std::string, std::string>> getters;  // name, C field, Rust type
  std::string driver_trait, driver_const;  // the ops trait's const holding the driver's id
  // A table with per-entry info: the C field holding the index, the macro
  // declaring a table, and the modpost symbol's bus name (spec::DeviceId).
  // `mod_path` is the module's path under `$crate::` (`pci`).
  std::string info, table_macro, modpost, info_type, mod_path;
  std::vector<std::string> zero_fields;  // every field of the C struct, zeroed in the table's end
  // The id type implements the kernel crate's `device_id::RawDeviceId`
  // (its tables are declared by the crate's `module_device_table!`).
  bool raw_device_id = false;
};

// The module macro: a module that registers drivers and exports a device table.
struct PlannedModuleMacro {
  bool single = false;  // module_pci_driver!'s shape: one driver type, named by the module
  std::string name, device_table, trait, vtable, create, registration, mod_path, id_c_tag;
  // The table declared through the kernel crate's macro instead of a static
  // named `device_table`: the macro, its table type, and the id type.
  std::string table_macro, table_type, id_rust;
  std::vector<std::string> id_zero_fields;  // every field of the id struct, zeroed in the sentinel
};

struct Plan {
  const spec::Spec* spec = nullptr;
  // C functions kgen made up: the prototypes of helpers for function-like
  // macros, typed from the spec (a deque keeps pointers to them stable).
  std::deque<model::CFunction> synthesized;
  const model::CModel* c = nullptr;
  std::vector<PlannedType> types;
  std::vector<PlannedEnum> enums;
  std::vector<PlannedConstGroup> consts;
  std::vector<PlannedOps> ops;
  std::vector<const model::CFunction*> helpers;  // static inlines that need rust_helper_*
  std::map<std::string, model::KernelDoc> docs;  // kernel-doc by function name (headers + doc_sources)
  std::vector<Ignored> ignored;
  std::optional<PlannedRegistration> registration;
  std::optional<PlannedDeviceId> device_id;
  std::optional<PlannedModuleMacro> module_macro;
  // lower: spec types whose `&mut` callbacks make with from_raw.
  std::set<std::string> from_raw_types;
  // The plans of the specs this one `uses` (shared types), and what of them
  // the output names: `use` paths (`crate::irq::IrqReturn`), set by lower.
  std::vector<const Plan*> used;
  std::set<std::string> used_imports;
  std::vector<Diagnostic> warnings;
  // Text summary, for --dump-after and tests.
  std::string dump() const;
};

struct PassInfo {
  const char* name;
  const char* what;
};
const std::vector<PassInfo>& pass_list();

// Extra kernel-doc sources (already read), keyed by path for messages.
using DocSources = std::map<std::string, std::string>;

// Runs every pass in order. Throws kgen::Error with all errors of the first
// failing pass. `after` is called after each pass with its name.
// `used`: the plans of the specs `s` uses (spec::Spec::uses), already run.
Plan run_passes(const spec::Spec& s, const model::CModel& m, const DocSources& docs,
                const std::function<void(const char*, const Plan&)>& after = {},
                const std::vector<const Plan*>& used = {});

// Names of macros whose values the plan needs (so the frontend can evaluate
// them before the passes run).
std::vector<std::string> macros_to_evaluate(const spec::Spec& s, const model::CModel& m);

}  // namespace kgen::passes
