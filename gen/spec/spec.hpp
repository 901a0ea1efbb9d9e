// The header spec: what to wrap, and the invariants C keeps only by
// convention. Loaded strictly from YAML (see header-specs/TEMPLATE.yaml);
// every item remembers where it was written, for file:line:column errors.
#pragma once
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "spec/kernel_version.hpp"
#include "support/diag.hpp"

namespace kgen::spec {

// How a function or callback reports success and failure.
struct Returns {
  enum class Kind {
    Errno,    // int: 0 or a negative errno -> Result
    Value,    // int: a non-negative value or a negative errno -> Result<T>
    Void,     // no value
    Bool,     // int or bool used as truth value -> bool
    Plain,    // the value as is, converted to `type`
    Enum,     // a C enum value <-> a generated Rust enum (`type` names it)
    ErrPtr,   // pointer or ERR_PTR -> Result<...>
    NullPtr,  // pointer or NULL -> Option<...>
    Status,   // callbacks: Rust Result -> a C status code, through the ops table's 'status'
    Data,     // callbacks: Result<Pin<KBox<Self>>> -> 0 or an errno; the data is stored
              // on the device through the ops table's `driver_data.set`
    Out,      // methods: the C function writes the value through its last parameter (a
              // pointer to an integer) and returns 0 or an errno -> Result<T>
  };
  Kind kind = Kind::Errno;
  std::string type;  // Rust type for Value/Plain/Enum
  bool explicit_ = false;
  Location loc;
};

struct ArgMap {
  std::string name;       // C parameter name (trait parameter name in `params`)
  std::string rust_type;  // e.g. u16, u8
  Location loc;
  // `params` only: where the value comes from and how it is made (see
  // Callback::params). Empty: found by name or by type.
  std::string from;  // C parameter name, C struct tag or C type, then `.field`s
  std::string via;   // hand-written unsafe fn that makes `rust_type` from the C value
  std::string why;   // why calling `via` is sound (the SAFETY comment)
  // Method arguments only: the value must be below this C constant (written
  // `u32 < PCI_STD_NUM_BARS`); the method checks it and returns EINVAL.
  std::string below;
  // Method arguments only: the Rust name, when it is not the C one (written
  // `offset: u16`, for a C parameter named like a Rust keyword, say).
  std::string rust_name;
};

// A hand-written unsafe fn that turns a C value of type `c` into `rust` for
// the trait: used for every trait parameter of that Rust type whose C value
// has that C type, unless the parameter names its own `via`.
struct ParamConversion {
  std::string rust;  // Rust type in the trait, e.g. `Option<&Self>`
  std::string c;     // C type of the value, e.g. `struct request_queue *`
  std::string via;   // path of the fn, e.g. `gen_disk::queue_data::<T>`
  std::string why;   // why calling it is sound
  Location loc;
};

struct Method {
  std::string c;     // C function
  std::string rust;  // Rust method name
  std::string receiver = "&mut self";  // or "&self"
  std::vector<ArgMap> args;
  Returns returns;
  std::string context;  // "may sleep", "atomic", "holds <lock>"...
  std::string doc;      // overrides kernel-doc when set
  // A C function `int f(int)` that turns the return value into 0 or a
  // negative errno (pcibios_err_to_errno for PCIBIOS_* codes); empty: the
  // value already is one.
  std::string errno_fn;
  Location errno_loc;
  Location loc;
};

struct Field {
  std::string c;       // C field path, e.g. "speed" or "mdio.addr"
  std::string get;     // getter name (may be empty)
  std::string set;     // setter name (may be empty)
  std::string type;    // Rust type of the value
  std::string as;      // "bool": a non-zero test
  std::string equals;  // getter: compares against this C macro or enum constant
  std::string enum_;   // Rust enum (from `enums`) the field holds
  std::string doc;
  Location loc;
};

struct AsRef {
  std::string target;  // Rust type, e.g. kernel::device::Device
  std::string field;   // C field path inside the struct
  std::string via;     // unsafe fn(*mut T) -> &Target
  Location loc;
};

// A lock/unlock pair -> a #[must_use] guard whose Drop unlocks; the guard's
// methods call what C allows only with the lock held.
struct Lock {
  std::string rust;    // guard type
  std::string method;  // method of the type that locks and returns the guard
  std::string lock, unlock;
  std::string doc;
  std::vector<Method> methods;  // methods of the guard
  Location loc;
};

struct Type {
  std::string rust;
  std::string c;  // "struct phy_device"
  enum class Ownership { Borrowed, RefCounted, Owned, Pinned } ownership = Ownership::Borrowed;
  std::string get, put;  // refcounted: get/put pair
  std::string free;      // owned: destructor
  std::string doc;
  std::vector<std::string> invariants;
  std::vector<Field> fields;
  std::vector<Method> methods;
  std::optional<AsRef> as_ref;
  std::vector<Lock> locks;
  std::string extra_impl;  // hand-written Rust inside `impl Rust { ... }` (escape hatch)
  // Generic parameter of the Rust type ("T: Operations"): the type is
  // `Rust<T>` with a PhantomData, for C objects whose private data has a
  // driver-chosen type.
  std::string generic;
  Location loc;
};

struct Enum {
  std::string rust;
  std::string c;  // "enum phy_state" or empty when built from macros
  std::vector<std::pair<std::string, std::string>> variants;  // C name -> Rust variant
  std::vector<Location> variant_locs;
  std::string unknown;  // variant used by getters for an unknown C value
  std::string doc;
  std::vector<std::pair<std::string, std::string>> docs;  // C name -> doc, where the header has no comment
  bool from_macros = false;
  Location loc;
};

struct ConstGroup {
  std::string module;  // Rust module holding the constants
  std::string type;    // Rust integer type
  std::string doc;
  std::vector<std::pair<std::string, std::string>> names;  // C macro -> Rust name
  std::vector<Location> name_locs;
  std::vector<std::pair<std::string, std::string>> docs;  // C macro -> doc, where the header has no comment
  std::vector<std::string> match;  // globs over macro names
  std::string from;                // header the matched macros must come from
  Location loc;
};

struct Callback {
  std::string name;  // member of the ops struct
  std::string rust;  // the trait method, when not `name` (two tables of one trait share names)
  // "mut" -> &mut Device, "shared" -> &Device, or the name of one of the
  // type's lock guards: the C side calls it with that lock held, and the
  // callback gets the guard (which then does not unlock).
  std::string receiver = "mut";
  Location receiver_loc;
  std::vector<ArgMap> args;
  Returns returns;
  // Explicit trait parameters (name -> Rust type, in order), when the trait
  // method's parameters are not the C ones. Each one's value comes from
  // `from` (a C parameter name, the tag of the one C parameter that points at
  // that struct, or the one C parameter of that C type, followed by `.field`
  // through the pointer), or else from the C parameter of the same name, the
  // one pointing at the spec type its Rust type names, the one matching an
  // ops `conversions` entry, or the one unused integer parameter. It is made
  // by `via` (or the matching conversion) or by the usual conversion. C
  // parameters that no trait parameter uses are not passed to the driver.
  bool has_params = false;
  std::vector<ArgMap> params;
  std::string prelude;  // hand-written Rust run in the trampoline before the call (escape hatch)
  bool required = false;  // no default: every implementation must define it; always installed
  // The device's driver data (ops `driver_data`) is taken back and dropped
  // after the trait method returns: the last callback of a binding (remove).
  bool drops_data = false;
  // Internal: the trampoline calls no trait method; always installed. For
  // bookkeeping callbacks the generated types need, not the driver. It calls
  // the hand-written unsafe fn `call` with the C values `call_from` (sources
  // as in `from`), for the reason `why`, and returns success (0) to C; or,
  // as an escape hatch, runs the hand-written Rust `body`.
  bool internal = false;
  std::string body;
  std::string call, why;
  std::vector<std::string> call_from;
  Location loc;
};

struct Excluded {
  std::string name;
  std::string reason;
  Location loc;
};

struct AssocConst {
  std::string rust;  // NAME
  std::string type;  // &'static CStr
  std::string default_;  // default value expression, may be empty
  std::string doc;
  Location loc;
};

// An associated type of the trait (`type IdInfo: 'static;`).
struct AssocType {
  std::string rust;    // IdInfo
  std::string bounds;  // 'static
  std::string doc;
  Location loc;
};

// Per-device data of a bus driver: `probe` returns it (`returns: data`), the
// C side keeps it on the device through `set`, callbacks get it back as
// `Pin<&Self>` through `get`, and the callback with `drops_data` drops it.
struct DriverData {
  std::string get;  // C fn: void *(struct x *)
  std::string set;  // C fn: void (struct x *, void *)
  std::string box = "KBox";  // the owning pointer of the data (KBox)
  Location loc;
};

struct Ops {
  std::string c;  // "struct phy_driver"
  std::string trait;
  std::string vtable;
  std::string create;   // const fn building the vtable
  std::string doc;
  std::string guarantee;  // what the C side guarantees every callback (quoted in SAFETY comments)
  std::vector<AssocConst> consts;
  std::vector<AssocType> types;
  std::optional<DriverData> driver_data;
  std::vector<std::pair<std::string, std::string>> init;  // non-callback field -> expression
  std::vector<Location> init_locs;
  std::vector<Callback> callbacks;
  std::vector<Excluded> excluded;
  std::vector<ParamConversion> conversions;
  // The trait of another ops table of this spec that this table's
  // callbacks belong to (`pci_error_handlers` extends `pci_driver`'s
  // Driver): no trait of its own, its trampolines join the other's Adapter.
  std::string extends;
  std::string supertraits;  // bounds of the trait, e.g. "Sized"
  // opaque: a pub wrapper type built by `create` (registered by value);
  // static: a `pub(crate) struct <vtable><T>` whose `build()` returns a
  // `&'static` C table (for C objects that keep a `const struct ... *ops`).
  std::string table = "opaque";
  // A submodule file of the module for the trait, its trampolines and C
  // table (`operations`: rust/kernel/block/mq/operations.rs), with
  // `pub use operations::Trait;`, as upstream splits blk-mq; empty: inline.
  std::string file;
  // The 'status' return convention: Rust expressions for success and for an
  // error `e` (e.g. ok: "status::OK", err: "e.to_blk_status()").
  std::string status_ok, status_err;
  Location loc;
};

struct DeviceIdCtor {
  std::string name;
  std::vector<std::pair<std::string, std::string>> params;  // name -> Rust type
  std::vector<std::pair<std::string, std::string>> fields;  // C field -> expression
  std::string doc;
  Location loc;
};

struct DeviceId {
  std::string rust;
  std::string c;
  std::string doc;
  std::vector<std::pair<std::string, std::string>> getters;  // Rust getter -> C field
  std::vector<DeviceIdCtor> ctors;
  std::string driver_const;  // associated const of the ops trait holding the id
  // A table with per-entry driver info (bus drivers): the C field that holds
  // the entry's index into the info array, the name of the macro that
  // declares a table, and the bus name modpost knows it by
  // (`__mod_<modpost>__<table>_device_table`). `driver_const` then names
  // the trait's `IdTable` const, and `info_type` its info type.
  std::string info;
  std::string table_macro;
  std::string modpost;
  std::string info_type;
  Location loc;
};

struct Registration {
  std::string rust;
  std::string doc;
  // array: a static array of drivers, registered together (phy);
  // single: `Registration<T>` owns one pinned driver struct, named at
  // registration (pci).
  std::string shape = "array";
  // single: C members of the driver struct set before it is registered, to
  // Rust expressions of `name` (the driver's name) and `T` (the driver).
  std::vector<std::pair<std::string, std::string>> set;
  std::vector<Location> set_locs;
  std::string register_fn, unregister_fn;
  // array: vtables | count | module; single: vtable | module | name
  std::vector<std::string> register_args, unregister_args;
  Location loc, register_loc, unregister_loc;
};

struct ModuleMacro {
  std::string name;
  std::string device_table;  // symbol name of the device table, for modpost
  // Or the kernel crate's macro that declares it (`module_device_table`,
  // 7.3: modpost reads `__mod_device_table__..._kmod_<module>__<type>__...`),
  // and the table type it is given ("mdio"); the id type then implements
  // `kernel::device_id::RawDeviceId`.
  std::string table_macro, table_type;
  std::string doc;
  Location loc;
};

struct HandWritten {
  std::string file;         // path of the Rust file, relative to the spec
  std::string module;       // `pub mod <module>;` in the generated module
  std::string kernel_file;  // where it goes in a kernel tree
  std::string reexport;     // `pub use <module>::{...};` items, may be empty
  Location loc;
};

struct Spec {
  std::string path;  // the spec file
  std::string name;
  // module
  std::string rust_path;    // kernel::net::phy
  std::string kernel_file;  // rust/kernel/net/phy.rs
  std::string kconfig;
  std::string c_header;
  std::string mode = "replace";  // replace | add
  std::string module_doc;
  std::vector<std::string> imports;
  std::vector<std::string> copyright;  // upstream's copyright lines, kept in the derived file
  std::vector<std::string> headers;
  std::vector<std::string> doc_sources;
  std::string helpers;  // helper file stem: rust/helpers/<helpers>.c
  std::vector<HandWritten> hand_written;
  // Static inline functions that hand-written code calls: each gets a
  // rust_helper_* like those the generated methods need.
  std::vector<std::string> extra_helpers;
  Location extra_helpers_loc;
  // C functions by a name that stays when kernels rename them (alias -> C
  // function, usually chosen by `kernel:`): each gets an exported
  // rust_helper_<alias> calling it, which hand-written code calls as
  // bindings::<alias>.
  std::vector<std::pair<std::string, std::string>> aliases;
  std::vector<Location> alias_locs;
  // Specs of shared types (`shared: true`, each in its own module, e.g.
  // kernel::irq) whose types and enums this spec's callbacks and methods
  // may name; file names beside this spec.
  std::vector<std::string> uses;
  std::vector<Location> uses_locs;
  // This spec's types are used by other specs: each gets a pub(crate)
  // `from_raw`, for their trampolines.
  bool shared = false;
  std::vector<Type> types;
  std::vector<Enum> enums;
  std::vector<ConstGroup> constants;
  std::vector<Ops> ops;
  std::optional<DeviceId> device_id;
  std::optional<Registration> registration;
  std::optional<ModuleMacro> module_macro;
  // The kernel version the spec was read for: its items with a `kernel:`
  // range that does not admit it were left out. nullopt: read without one
  // (only a spec without conditions can be).
  std::optional<KernelVersion> kernel;
  // The spec's items with a `kernel:` range (kept or not), and the lines of
  // the spec they span: how much of it is version-conditional.
  size_t kernel_conditions = 0;
  size_t kernel_condition_lines = 0;
  Location loc;
};

// Loads and validates the syntax of a spec. Errors (syntax, unknown key,
// wrong value) are collected and thrown together as kgen::Error.
//
// `kernel` is the version of the tree the spec is read for: an item (a list
// item or a mapping's value) that is a mapping with a `kernel: RANGE` key is
// kept only if RANGE admits it, without that key; `{kernel: {RANGE: X,
// RANGE: Y}}` stands for the value of the first RANGE that admits it (a
// string where one belongs: an excluded callback's reason, an init
// expression), and for nothing if none does. A spec with such items and no
// `kernel` is an error.
Spec load(const std::string& path, const std::optional<KernelVersion>& kernel = std::nullopt);
Spec load_string(const std::string& text, const std::string& path,
                 const std::optional<KernelVersion>& kernel = std::nullopt);

// A strict or reserved keyword of Rust 2021, which cannot name a method.
bool is_rust_keyword(const std::string& s);

}  // namespace kgen::spec
