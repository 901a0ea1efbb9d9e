// The passes: each check of the spec against the C model, on small headers.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <stdexcept>

#include "driver/generate.hpp"
#include "emit/c_helpers.hpp"
#include "emit/rust_view.hpp"
#include "frontend/frontend.hpp"
#include "passes/plan.hpp"
#include "spec/spec.hpp"
#include "support/fs.hpp"

using namespace kgen;
namespace stdfs = std::filesystem;

namespace {

const char* kHeader =
    "struct dev { int speed; unsigned up:1; };\n"
    "struct dev_ops { const char *name; int (*start)(struct dev *d); void (*stop)(struct dev *d);\n"
    "  int (*get)(struct dev *d, char *buf); };\n"
    "int dev_reset(struct dev *d);\n"
    "__attribute__((warn_unused_result)) int dev_claim(struct dev *d);\n"
    "static inline int dev_peek(struct dev *d, int reg) { return reg; }\n"
    "void *dev_alloc(void);\n";

const char* kSpecHead =
    "kgen: 1\nname: t\nmodule: {rust_path: kernel::t, kernel_file: rust/kernel/t.rs, c_header: include/t.h}\n"
    "headers: [t.h]\nhelpers: t\n";

// A directory of its own for each fixture (tests may run in parallel).
stdfs::path unique_dir() {
  std::string tmpl = (stdfs::temp_directory_path() / "kgen-test-passes-XXXXXX").string();
  if (!mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
  return tmpl;
}

struct Fixture {
  stdfs::path dir = unique_dir();
  model::CModel m;
  explicit Fixture(const std::string& header = kHeader) {
    stdfs::create_directories(dir);
    fs::write_if_changed(dir / "t.h", header);
    frontend::ParseOptions o;
    o.headers = {"t.h"};
    o.flags = {"-I" + dir.string()};
    m = frontend::parse(o);
  }
  ~Fixture() {
    std::error_code ec;
    stdfs::remove_all(dir, ec);
  }
  std::string errors(const std::string& body) {
    auto s = spec::load_string(std::string(kSpecHead) + body, "t.yaml");
    try {
      passes::run_passes(s, m, {});
    } catch (const Error& e) {
      return e.what();
    }
    return "";
  }
  passes::Plan plan(const spec::Spec& s) { return passes::run_passes(s, m, {}); }
};

}  // namespace

TEST_CASE("an unknown C function is an error at the spec's location, with a suggestion", "[passes]") {
  Fixture f;
  auto e = f.errors("types:\n  - rust: Dev\n    c: struct dev\n    methods:\n      - {c: dev_rest}\n");
  CHECK(e.find("t.yaml:10:9: error: unknown C function 'dev_rest'") != std::string::npos);
  CHECK(e.find("did you mean 'dev_reset'") != std::string::npos);
  CHECK(e.find("stage 'resolve-types'") != std::string::npos);
}

TEST_CASE("unknown fields list the struct's fields", "[passes]") {
  Fixture f;
  auto e = f.errors("types:\n  - rust: Dev\n    c: struct dev\n    fields:\n      - {c: sped, get: speed}\n");
  CHECK(e.find("struct dev has no field 'sped'") != std::string::npos);
  CHECK(e.find("its fields are: speed, up") != std::string::npos);
}

TEST_CASE("every callback is wired or excluded, and every member initialized", "[passes]") {
  Fixture f;
  auto e = f.errors(
      "ops:\n  - {c: struct dev_ops, trait: Ops, vtable: V, create: c, guarantee: g,\n"
      "     callbacks: {start: {}}}\n");
  CHECK(e.find("callbacks neither wired nor excluded: stop, get") != std::string::npos);
  CHECK(e.find("data members without an initializer: name") != std::string::npos);
  auto both = f.errors(
      "ops:\n  - {c: struct dev_ops, trait: Ops, vtable: V, create: c, guarantee: g, init: {name: x},\n"
      "     callbacks: {start: {}, stop: {}, get: {}}, excluded: {get: buffer}}\n");
  CHECK(both.find("callback 'get' is both wired and excluded") != std::string::npos);
}

TEST_CASE("conventions must match the C return types", "[passes]") {
  Fixture f;
  auto e = f.errors("types:\n  - rust: Dev\n    c: struct dev\n    methods:\n"
                    "      - {c: dev_claim, returns: void}\n      - {c: dev_reset, returns: err_ptr}\n");
  CHECK(e.find("is __must_check (warn_unused_result) but the spec discards its result") != std::string::npos);
  CHECK(e.find("wrong convention for Dev::dev_reset: 'err_ptr' but C returns 'int'") != std::string::npos);
}

TEST_CASE("static inline functions get helpers; conventions default from C", "[passes]") {
  Fixture f;
  auto s = spec::load_string(std::string(kSpecHead) +
                                 "types:\n  - rust: Dev\n    c: struct dev\n    methods:\n"
                                 "      - {c: dev_peek, rust: peek}\n      - {c: dev_reset}\n",
                             "t.yaml");
  auto p = f.plan(s);
  REQUIRE(p.helpers.size() == 1);
  CHECK(p.helpers[0]->name == "dev_peek");
  REQUIRE(p.types.size() == 1);
  CHECK(p.types[0].methods[0].needs_helper);
  CHECK(p.types[0].methods[1].returns.kind == spec::Returns::Kind::Errno);
  CHECK(p.dump().find("helper rust_helper_dev_peek") != std::string::npos);
}

TEST_CASE("a failing generate writes nothing", "[passes][driver]") {
  Fixture f;
  auto out = f.dir / "out";
  stdfs::remove_all(out);
  fs::write_if_changed(f.dir / "bad.yaml", std::string(kSpecHead) +
                                               "types:\n  - rust: Dev\n    c: struct nosuch\n");
  driver::GenerateOptions o;
  o.spec_path = (f.dir / "bad.yaml").string();
  o.extra_flags = {"-I" + f.dir.string()};
  o.out_dir = out.string();
  o.overlay_dir = (f.dir / "overlay").string();
  CHECK_THROWS_WITH(driver::generate(o), Catch::Contains("bad.yaml:7:5: error: unknown C struct 'struct nosuch'"));
  CHECK_FALSE(stdfs::exists(out));
  CHECK_FALSE(stdfs::exists(f.dir / "overlay"));
}

TEST_CASE("a header that does not parse stops generate with its location", "[passes][driver]") {
  Fixture f;
  fs::write_if_changed(f.dir / "broken.h", "struct x { int a }\n");
  fs::write_if_changed(f.dir / "broken.yaml",
                       "kgen: 1\nname: b\nmodule: {rust_path: kernel::b, kernel_file: rust/kernel/b.rs, c_header: b.h}\n"
                       "headers: [broken.h]\nhelpers: b\n");
  driver::GenerateOptions o;
  o.spec_path = (f.dir / "broken.yaml").string();
  o.extra_flags = {"-I" + f.dir.string()};
  o.out_dir = (f.dir / "out2").string();
  o.overlay_dir = (f.dir / "overlay2").string();
  CHECK_THROWS_WITH(driver::generate(o), Catch::Contains("broken.h:1:") && Catch::Contains("header does not parse"));
  CHECK_FALSE(stdfs::exists(f.dir / "out2"));
}

TEST_CASE("spec-given callback parameters, internal callbacks and status returns are checked", "[passes]") {
  Fixture f;
  const std::string ops = "ops:\n  - c: struct dev_ops\n    trait: Ops\n    vtable: V\n    create: c\n"
                          "    guarantee: g\n    init: {name: x}\n    excluded: {get: buffer}\n    callbacks:\n";
  auto e = f.errors(ops + "      stop: {returns: status}\n");
  CHECK(e.find("callback stop returns 'status' but the ops table has no 'status'") != std::string::npos);
  e = f.errors("types:\n  - rust: Dev\n    c: struct dev\n" + ops + "      start: {params: {d: \"&Dev\", level: u8}}\n      stop: {}\n");
  INFO(e);
  CHECK(e.find("callback start: no C parameter to make 'level: u8' from") != std::string::npos);
  CHECK(e.find("the C parameters are: struct dev *d") != std::string::npos);
  // A prelude variable (also inside a tuple pattern) is a parameter.
  auto ok = f.errors(ops + "      start: {params: {level: u8, x: i32}, prelude: \"let (level, x) = (1, 2);\"}\n"
                           "      stop: {internal: true, body: \"let _ = d;\"}\n");
  CHECK(ok.empty());
  CHECK_THROWS_WITH(spec::load_string(std::string(kSpecHead) + ops + "      stop: {internal: true}\n", "t.yaml"),
                    Catch::Contains("internal callback 'stop' needs either 'call'"));
  CHECK_THROWS_WITH(spec::load_string(std::string(kSpecHead) + ops + "      stop: {body: \"x\"}\n", "t.yaml"),
                    Catch::Contains("'body', 'call', 'from' and 'why' are only for internal callbacks"));
  CHECK_THROWS_WITH(spec::load_string(std::string(kSpecHead) + ops +
                                          "      stop: {internal: true, call: \"f\", from: [d]}\n", "t.yaml"),
                    Catch::Contains("'call' needs 'why'"));
  CHECK_THROWS_WITH(spec::load_string(std::string(kSpecHead) + ops +
                                          "      start: {params: {x: {type: u8, via: \"f\"}}}\n", "t.yaml"),
                    Catch::Contains("'via' needs 'why'"));
}

// Trait parameters made from C values: by `from` through a pointer (also an
// unnamed one, by its struct tag or C type), by type, by a conversion, and
// internal calls; the plan shows each with its SAFETY reason.
TEST_CASE("trait parameters come from C values by from, by type and by conversion", "[passes]") {
  Fixture f(
      "struct req { int tag; };\n"
      "struct qdata { struct req *rq; _Bool last; struct { unsigned int idx; }; };\n"
      "struct q { int n; };\n"
      "struct q_ops { int (*queue)(struct q *, const struct qdata *); void (*done)(struct req *, int);\n"
      "  int (*init)(struct q *set, struct req *, unsigned int); void (*show)(struct req *r);\n"
      "  void (*bad)(struct q *); };\n"
      "void q_write(struct q *q, const void *data, unsigned long len);\n");
  const std::string spec =
      "types:\n  - rust: Req\n    c: struct req\n"
      "  - rust: Q\n    c: struct q\n    methods:\n      - {c: q_write, rust: write_str, args: {data: \"&str\"}, returns: void}\n"
      "ops:\n  - c: struct q_ops\n    trait: Ops\n    vtable: V\n    create: c\n    guarantee: g\n"
      "    conversions:\n      - {rust: \"Option<&Self>\", c: \"struct q *\", via: \"data_of::<T>\", why: the queue is ours}\n"
      "    callbacks:\n"
      "      queue:\n        params:\n"
      "          rq: {type: \"&Req\", from: qdata.rq}\n"
      "          last: {type: bool, from: \"const struct qdata *.last\"}\n"
      "          idx: {type: u32, from: qdata.idx}\n"
      "          queue: \"Option<&Self>\"\n"
      "      done:\n        params:\n"
      "          rq: {type: \"ARef<Req>\", via: \"Req::adopt\", why: C hands the request over}\n"
      "          status: i32\n"
      "      init: {internal: true, call: \"Req::init\", from: [req], why: the request is new}\n"
      "      show: {params: {r: \"&Req\"}}\n";
  const std::string excluded = "    excluded: {bad: no reason needed here}\n";
  auto sp = spec::load_string(std::string(kSpecHead) + spec + excluded, "t.yaml");  // the plan points into it
  auto p = f.plan(sp);
  std::string d = p.dump();
  INFO(d);
  CHECK(d.find("param rq derived -> &Req") != std::string::npos);
  CHECK(d.find("unsafe &*(*arg1).rq.cast::<Req>()") != std::string::npos);
  CHECK(d.find("unsafe (*arg1).last -- SAFETY: `arg1` points at a valid `struct qdata` for the call") !=
        std::string::npos);
  // A member of an anonymous struct, reached as C reaches it.
  CHECK(d.find("unsafe (*arg1).__bindgen_anon_1.idx") != std::string::npos);
  CHECK(d.find("unsafe data_of::<T>(arg0) -- SAFETY: The queue is ours.") != std::string::npos);
  CHECK(d.find("unsafe Req::adopt(arg0) -- SAFETY: C hands the request over.") != std::string::npos);
  CHECK(d.find("arg status value exclusive -> i32") != std::string::npos);
  CHECK(d.find("calls: unsafe Req::init(arg1) -- SAFETY: The request is new.") != std::string::npos);
  // A buffer and its length are one slice.
  CHECK(d.find("param data: &str") != std::string::npos);
  CHECK(d.find("bindings::q_write(ptr, data.as_ptr().cast(), data.len())") != std::string::npos);
  CHECK(d.find("`data` is valid for reads of `data.len()` bytes.") != std::string::npos);
  // A parameter whose source is ambiguous or missing is an error.
  auto e = f.errors(spec + "      bad: {params: {x: {type: u8, from: nosuch.n}}}\n");
  CHECK(e.find("callback bad: 'nosuch' names no C parameter") != std::string::npos);
}

TEST_CASE("extra_helpers must be static inline functions", "[passes]") {
  Fixture f;
  auto e = f.errors("extra_helpers: [dev_peek, dev_reset, dev_nope]\n");
  CHECK(e.find("extra_helpers: 'dev_reset' is not static inline") != std::string::npos);
  CHECK(e.find("extra_helpers: unknown C function 'dev_nope'") != std::string::npos);
  auto s = spec::load_string(std::string(kSpecHead) + "extra_helpers: [dev_peek]\n", "t.yaml");
  auto p = f.plan(s);
  REQUIRE(p.helpers.size() == 1);
  CHECK(p.helpers[0]->name == "dev_peek");
}

TEST_CASE("aliases: a helper under a stable name that calls the C function", "[passes]") {
  Fixture f;
  auto e = f.errors("aliases: {kgen_reset: dev_nope, dev_peek: dev_reset, kgen_x: dev_reset}\n");
  CHECK(e.find("t.yaml:6:11: error: aliases: unknown C function 'dev_nope'") != std::string::npos);
  CHECK(e.find("aliases: 'dev_peek' is already a C name in these headers") != std::string::npos);
  CHECK(e.find("kgen_x") == std::string::npos);
  auto s = spec::load_string(std::string(kSpecHead) +
                                 "aliases: {kgen_reset: {kernel: {\"< 7.3\": dev_claim, \">= 7.3\": dev_reset}}}\n",
                             "t.yaml", spec::KernelVersion::parse("7.3.4"));
  auto p = f.plan(s);
  REQUIRE(p.helpers.size() == 1);
  CHECK(p.helpers[0]->name == "kgen_reset");
  CHECK(p.helpers[0]->helper_calls == "dev_reset");
  std::string c = emit::render_c_helpers(p, "// banner");
  CHECK(c.find("int rust_helper_kgen_reset(struct dev *d)\n{\n\treturn dev_reset(d);\n}\n") != std::string::npos);
  CHECK(emit::c_helper_prototypes(p) == "int rust_helper_kgen_reset(struct dev *d);\n");
}

TEST_CASE("the lower pass records receivers, conversions, locks held and SAFETY reasons", "[passes][lower]") {
  Fixture f;
  auto s = spec::load_string(
      std::string(kSpecHead) +
          "types:\n  - rust: Dev\n    c: struct dev\n"
          "    fields:\n      - {c: speed, get: speed, set: set_speed, type: u32}\n"
          "    methods:\n      - {c: dev_peek, rust: peek, args: {reg: u16}, returns: value u8}\n"
          "      - {c: dev_reset, rust: reset, receiver: \"&self\"}\n"
          "ops:\n  - c: struct dev_ops\n    trait: Ops\n    vtable: V\n    create: c\n    guarantee: g\n"
          "    init: {name: x}\n    excluded: {get: buffer}\n"
          "    callbacks:\n      start: {}\n      stop: {receiver: shared}\n",
      "t.yaml");
  std::string dumped;
  auto p = passes::run_passes(s, f.m, {}, [&](const char* pass, const passes::Plan& pl) {
    if (std::string(pass) == "lower") dumped = pl.dump();
  });
  INFO(dumped);
  // Methods: receiver, parameter and return conversions, the SAFETY reason.
  CHECK(dumped.find("    receiver exclusive\n    returns value: Result<u8>; value try_from crate::ffi::c_int into u8") !=
        std::string::npos);
  CHECK(dumped.find("param reg: u16; from u16 into crate::ffi::c_int") != std::string::npos);
  CHECK(dumped.find("unsafe bindings::dev_peek(ptr, crate::ffi::c_int::from(reg)) -- SAFETY: `dev_peek` gets a "
                    "valid `dev`") != std::string::npos);
  CHECK(dumped.find("    receiver shared\n    returns errno: Result") != std::string::npos);
  // A narrowing setter has a cast with its reason.
  CHECK(dumped.find("set set_speed(u32); cast u32 as crate::ffi::c_int (CAST: `speed` is a C `int`") !=
        std::string::npos);
  // Callbacks: how each C parameter becomes the driver's value, and why that is sound.
  CHECK(dumped.find("arg d object exclusive -> &mut Dev\n      unsafe Dev::from_raw(d) -- SAFETY: `d` points at a "
                    "valid `dev` that nothing else uses") != std::string::npos);
  CHECK(dumped.find("arg d object shared -> &Dev\n      unsafe &*d.cast::<Dev>()") != std::string::npos);
  CHECK(dumped.find("type Dev = struct dev [from_raw]") != std::string::npos);
  // The lowered method drives the rendering.
  REQUIRE(p.types.size() == 1);
  const auto& peek = p.types[0].methods[0].low;
  CHECK(peek.convention->name() == std::string("value"));
  CHECK(peek.site.ret.kind == emit::Conversion::Kind::TryFrom);
  CHECK(peek.rust_ret == " -> Result<u8>");
}

TEST_CASE("ownership owned and pinned generate nothing, so they are errors at the type", "[passes]") {
  Fixture f;
  auto e = f.errors("types:\n  - rust: Dev\n    c: struct dev\n    ownership: owned\n    free: dev_reset\n");
  CHECK(e.find("t.yaml:7:5: error: type Dev: ownership 'owned' generates nothing") != std::string::npos);
  auto p = f.errors("types:\n  - rust: Dev\n    c: struct dev\n    ownership: pinned\n");
  CHECK(p.find("ownership 'pinned' generates nothing") != std::string::npos);
}

TEST_CASE("an ops table with a 'file' renders into a submodule the module re-exports", "[passes][render]") {
  Fixture f;
  auto sp = spec::load_string(std::string(kSpecHead) +
                                  "types:\n  - rust: Dev\n    c: struct dev\n"
                                  "ops:\n  - c: struct dev_ops\n    trait: Ops\n    vtable: V\n    create: c\n"
                                  "    file: operations\n    guarantee: g\n    init: {name: \"null\"}\n"
                                  "    excluded: {get: buffer}\n    callbacks: {start: {}, stop: {}}\n",
                              "t.yaml");
  auto p = f.plan(sp);
  auto files = emit::render_rust_files(p, {"v", "header-specs/t.yaml", "k"});
  REQUIRE(files.size() == 2);
  const std::string& module = files.at("rust/kernel/t.rs");
  const std::string& ops = files.at("rust/kernel/t/operations.rs");
  CHECK(module.find("mod operations;\npub use operations::Ops;") != std::string::npos);
  CHECK(module.find("pub trait Ops") == std::string::npos);
  CHECK(ops.find("// Generated by kgen from header-specs/t.yaml. Do not edit.") != std::string::npos);
  CHECK(ops.find("use super::*;") != std::string::npos);
  CHECK(ops.find("pub trait Ops") != std::string::npos);
  CHECK(ops.find("an [`Ops`] implementation") != std::string::npos);
}

TEST_CASE("a spec names the types and enums of a shared spec it uses", "[passes]") {
  Fixture f(
      "enum ret { RET_NONE, RET_DONE };\n"
      "struct log { int n; };\n"
      "struct s_ops { enum ret (*handle)(struct log *l); };\n");
  auto shared = spec::load_string(
      "kgen: 1\nname: sh\nshared: true\n"
      "module: {rust_path: kernel::sh, kernel_file: rust/kernel/sh.rs, c_header: include/t.h, mode: add}\n"
      "headers: [t.h]\nhelpers: sh\n"
      "types:\n  - rust: Log\n    c: struct log\n"
      "enums:\n  - rust: Ret\n    c: enum ret\n    variants: {RET_NONE: None, RET_DONE: Done}\n",
      "sh.yaml");
  auto user = spec::load_string(std::string(kSpecHead) + "uses: [sh.yaml]\n"
                                    "ops:\n  - c: struct s_ops\n    trait: Ops\n    vtable: V\n    create: c\n"
                                    "    guarantee: g\n    callbacks: {handle: {returns: enum Ret}}\n",
                                "t.yaml");
  REQUIRE(user.uses == std::vector<std::string>{"sh.yaml"});
  auto sp = f.plan(shared);
  // Shared: both conversions, and a from_raw for every type (others' trampolines make them).
  REQUIRE(sp.enums.size() == 1);
  CHECK(sp.enums[0].from_c);
  CHECK(sp.enums[0].to_c);
  auto files = emit::render_rust_files(sp, {"v", "header-specs/sh.yaml", "k"});
  CHECK(files.at("rust/kernel/sh.rs").find("pub(crate) unsafe fn from_raw") != std::string::npos);
  auto up = passes::run_passes(user, f.m, {}, {}, {&sp});
  CHECK(up.used_imports == std::set<std::string>{"crate::sh::Log", "crate::sh::Ret"});
  std::string d = up.dump();
  INFO(d);
  // The shared type's from_raw is the shared module's, not this one's.
  CHECK(up.from_raw_types.empty());
  CHECK(d.find("arg l object exclusive -> &mut Log") != std::string::npos);
  auto mod = emit::render_rust_module(up, {"v", "header-specs/t.yaml", "k"});
  CHECK(mod.find("use crate::sh::Log;") != std::string::npos);
  CHECK(mod.find("T::handle(l).to_c()") != std::string::npos);
  // Without the used plan, the enum is unknown.
  auto e = f.errors(std::string("uses: [sh.yaml]\n") +
                    "ops:\n  - c: struct s_ops\n    trait: Ops\n    vtable: V\n    create: c\n"
                    "    guarantee: g\n    callbacks: {handle: {returns: enum Ret}}\n");
  CHECK(e.find("'enum Ret' is not an enum of this spec or of a spec it uses") != std::string::npos);
}

TEST_CASE("a bus driver: per-device data, a device table with info, one registration, bounds", "[passes][render]") {
  Fixture f(
      "typedef unsigned long kernel_ulong_t;\n"
      "struct module;\n"
      "struct bdev { int vendor; void *data; };\n"
      "struct bdev_id { unsigned int vendor; kernel_ulong_t driver_data; };\n"
      "struct bdrv { const char *name; const struct bdev_id *id_table;\n"
      "  int (*probe)(struct bdev *d, const struct bdev_id *id); void (*remove)(struct bdev *d);\n"
      "  int (*suspend)(struct bdev *d); };\n"
      "static inline void *bdev_get_drvdata(struct bdev *d) { return d->data; }\n"
      "static inline void bdev_set_drvdata(struct bdev *d, void *p) { d->data = p; }\n"
      "int bdrv_register(struct bdrv *drv, struct module *owner, const char *mod_name);\n"
      "void bdrv_unregister(struct bdrv *drv);\n"
      "typedef unsigned int bres_t;\n"
      "enum bres { BRES_OK = 1, BRES_FAIL = 2 };\n"
      "enum { BDEV_NUM_BARS = 6 };\n"
      "unsigned long long bdev_bar_start(struct bdev *d, int bar);\n");
  const std::string spec =
      "types:\n  - rust: Dev\n    c: struct bdev\n    methods:\n"
      "      - {c: bdev_bar_start, rust: bar_start, receiver: \"&self\", args: {bar: \"u32 < BDEV_NUM_BARS\"},"
      " returns: plain u64}\n"
      "enums:\n  - rust: Res\n    macros: {BRES_OK: Ok, BRES_FAIL: Fail}\n"
      "ops:\n  - c: struct bdrv\n    trait: Driver\n    vtable: V\n    create: c\n    guarantee: g\n"
      "    types: [{rust: IdInfo, bounds: \"'static + Sync\"}]\n"
      "    consts: [{rust: ID_TABLE, type: \"IdTable<Self::IdInfo>\"}]\n"
      "    driver_data: {get: bdev_get_drvdata, set: bdev_set_drvdata}\n"
      "    init: {name: \"null\", id_table: \"null\"}\n"
      "    callbacks:\n"
      "      probe:\n        required: true\n        params:\n          dev: \"&mut Dev\"\n"
      "          info: {type: \"&Self::IdInfo\", from: id, via: \"id_info::<T>\", why: the id matched}\n"
      "        returns: data\n"
      "      remove: {params: {dev: \"&mut Dev\", this: \"Pin<&Self>\"}, drops_data: true}\n"
      "      suspend: {params: {dev: \"&mut Dev\", this: \"Pin<&Self>\"}}\n"
      "device_id:\n  rust: Id\n  c: struct bdev_id\n  driver_const: ID_TABLE\n  info: driver_data\n"
      "  info_type: IdInfo\n  table_macro: bdev_table\n  modpost: bdev\n"
      "  constructors: [{name: new, params: {vendor: u32}, fields: {vendor: vendor, driver_data: \"0\"}}]\n"
      "registration:\n  rust: Registration\n  shape: single\n"
      "  set: {name: \"name.as_char_ptr()\", id_table: \"T::ID_TABLE.as_ptr()\"}\n"
      "  register: {c: bdrv_register, args: [vtable, module, name]}\n"
      "  unregister: {c: bdrv_unregister, args: [vtable]}\n"
      "module_macro: {name: module_bdev_driver}\n";
  auto sp = spec::load_string(std::string(kSpecHead) + spec, "t.yaml");
  auto p = f.plan(sp);
  std::string d = p.dump();
  INFO(d);
  CHECK(d.find("driver data: Pin<KBox<T>> kept with bdev_set_drvdata, read with bdev_get_drvdata") != std::string::npos);
  CHECK(d.find("returns data: Result<Pin<KBox<Self>>>") != std::string::npos);
  CHECK(d.find("stores data: unsafe bindings::bdev_set_drvdata(d_ptr, KBox::into_raw(Pin::into_inner_unchecked(data))"
               ".cast())") != std::string::npos);
  CHECK(d.find("then: drop(unsafe { Pin::new_unchecked(KBox::from_raw(bindings::bdev_get_drvdata(d_ptr)") !=
        std::string::npos);
  // The driver data comes from the device the trait also gets: made first.
  CHECK(d.find("param this derived -> Pin<&Self>; same (made first: its C parameter is also passed on)") !=
        std::string::npos);
  CHECK(d.find("unsafe Self::data(d)") != std::string::npos);
  CHECK(d.find("method Dev::bar_start checks bar >= bindings::BDEV_NUM_BARS (EINVAL)") != std::string::npos);
  CHECK(d.find("registration Registration<T> (one driver): bdrv_register(ptr, module.as_ptr(), name.as_char_ptr())") !=
        std::string::npos);
  CHECK(d.find("table bdev_table!: info index in `driver_data`, modpost symbol __mod_bdev__<table>_device_table") !=
        std::string::npos);
  CHECK(d.find("helper rust_helper_bdev_get_drvdata") != std::string::npos);
  // Enumerators of a named enum, as bindgen names them.
  CHECK(d.find("variant value bindings::bres_BRES_OK (an enumerator)") != std::string::npos);

  auto files = emit::render_rust_files(p, {"v", "header-specs/t.yaml", "k"});
  const std::string& rs = files.at("rust/kernel/t.rs");
  INFO(rs);
  CHECK(rs.find("pub fn bar_start(&self, bar: u32) -> Result<u64>") != std::string::npos);
  CHECK(rs.find("type IdInfo: 'static + Sync;") != std::string::npos);
  // remove drops the data for every binding, so it is always installed, and does nothing by default.
  CHECK(rs.find("remove: Some(Adapter::<T>::remove_callback)") != std::string::npos);
  CHECK(rs.find("fn remove(_d: &mut Dev, _this: Pin<&Self>) {}") != std::string::npos);
  CHECK(rs.find("pub struct Registration<T: Driver>") != std::string::npos);
  CHECK(rs.find("macro_rules! bdev_table") != std::string::npos);
  CHECK(rs.find("concat!(\"__mod_bdev__\", stringify!($module_table_name), \"_device_table\")") != std::string::npos);
  CHECK(rs.find("macro_rules! module_bdev_driver") != std::string::npos);

  // The vocabulary's mistakes.
  auto no_dd = std::string(spec);
  no_dd.replace(no_dd.find("    driver_data: {get: bdev_get_drvdata, set: bdev_set_drvdata}\n"),
                std::string("    driver_data: {get: bdev_get_drvdata, set: bdev_set_drvdata}\n").size(), "");
  CHECK(f.errors(no_dd).find("callback probe stores or drops driver data, but the ops table has no 'driver_data'") !=
        std::string::npos);
  auto bad_shape = std::string(spec);
  bad_shape.replace(bad_shape.find("shape: single"), 13, "shape: one");
  std::string load_error;
  try {
    spec::load_string(std::string(kSpecHead) + bad_shape, "t.yaml");
  } catch (const Error& e) {
    load_error = e.what();
  }
  CHECK(load_error.find("'shape' must be 'array' or 'single'") != std::string::npos);
}

TEST_CASE("a module macro's device table: a static modpost reads, or the kernel crate's macro", "[passes][render]") {
  Fixture f(
      "struct module;\n"
      "struct pdev { int id; };\n"
      "struct pid { unsigned int id; unsigned int mask; };\n"
      "struct pdrv { const char *name; int (*probe)(struct pdev *d); };\n"
      "int pdrvs_register(struct pdrv *drvs, int n, struct module *owner);\n"
      "void pdrvs_unregister(struct pdrv *drvs, int n);\n");
  // One spec for two kernels: 6.12's modpost reads a static by its name, 7.3's the
  // symbols that 7.3's `module_device_table!` gives.
  const std::string spec =
      "types:\n  - {rust: Dev, c: struct pdev}\n"
      "ops:\n  - c: struct pdrv\n    trait: Driver\n    vtable: V\n    create: c\n    guarantee: g\n"
      "    consts: [{rust: ID, type: Id}]\n"
      "    init: {name: \"null\"}\n"
      "    callbacks: {probe: {}}\n"
      "device_id:\n  rust: Id\n  c: struct pid\n  driver_const: ID\n"
      "  constructors: [{name: new, params: {id: u32}, fields: {id: id, mask: \"!0\"}}]\n"
      "registration:\n  rust: Registration\n"
      "  register: {c: pdrvs_register, args: [vtables, count, module]}\n"
      "  unregister: {c: pdrvs_unregister, args: [vtables, count]}\n"
      "module_macro:\n  name: module_p_driver\n"
      "  device_table: {kernel: {\"< 7.3\": __mod_p__pid_device_table}}\n"
      "  device_table_macro: {kernel: \">= 7.3\", macro: module_device_table, type: pbus}\n";
  auto old_spec = spec::load_string(std::string(kSpecHead) + spec, "t.yaml", spec::KernelVersion{6, 12, 117});
  auto old_plan = f.plan(old_spec);
  std::string d = old_plan.dump();
  INFO(d);
  CHECK(d.find("module_macro module_p_driver! registers [V] with Registration, table __mod_p__pid_device_table\n") !=
        std::string::npos);
  CHECK(d.find("device_id::RawDeviceId") == std::string::npos);
  std::string rs = emit::render_rust_files(old_plan, {"v", "header-specs/t.yaml", "k"}).at("rust/kernel/t.rs");
  CHECK(rs.find("static __mod_p__pid_device_table: [$crate::bindings::pid;") != std::string::npos);
  CHECK(rs.find("RawDeviceId") == std::string::npos);
  CHECK(rs.find("#[repr(transparent)]\n#[derive(Clone, Copy)]\n#[doc(alias = \"pid\")]\npub struct Id(bindings::pid);") !=
        std::string::npos);

  auto new_spec = spec::load_string(std::string(kSpecHead) + spec, "t.yaml", spec::KernelVersion{7, 3, 4});
  auto new_plan = f.plan(new_spec);
  d = new_plan.dump();
  CHECK(d.find("table module_device_table!(\"pbus\", Id)\n") != std::string::npos);
  CHECK(d.find("  Id: device_id::RawDeviceId\n") != std::string::npos);
  rs = emit::render_rust_files(new_plan, {"v", "header-specs/t.yaml", "k"}).at("rust/kernel/t.rs");
  INFO(rs);
  CHECK(rs.find("unsafe impl crate::device_id::RawDeviceId for Id {\n    type RawType = bindings::pid;\n}") !=
        std::string::npos);
  CHECK(rs.find("$crate::module_device_table!(\n            \"pbus\", $crate::t::Id,\n            TABLE, @none,") !=
        std::string::npos);
  CHECK(rs.find("__mod_p__pid_device_table") == std::string::npos);

  // Both at once is a mistake; the macro without an id type is another.
  std::string both = spec;
  const std::string cond = "{kernel: \">= 7.3\", ";
  both.replace(both.find(cond), cond.size(), "{");
  std::string load_error;
  try {
    spec::load_string(std::string(kSpecHead) + both, "t.yaml", spec::KernelVersion{6, 12, 117});
  } catch (const Error& e) {
    load_error = e.what();
  }
  INFO(load_error);
  CHECK(load_error.find("t.yaml:29:3: error: module_macro has both 'device_table' and 'device_table_macro'") !=
        std::string::npos);
  std::string no_id = spec;
  no_id.erase(no_id.find("device_id:"), no_id.find("registration:") - no_id.find("device_id:"));
  no_id.replace(no_id.find("    consts: [{rust: ID, type: Id}]\n"), 35, "");
  auto no_id_spec = spec::load_string(std::string(kSpecHead) + no_id, "t.yaml", spec::KernelVersion{7, 3, 4});
  std::string plan_error;
  try {
    f.plan(no_id_spec);
  } catch (const Error& e) {
    plan_error = e.what();
  }
  CHECK(plan_error.find("module_macro 'device_table_macro' needs a 'device_id'") != std::string::npos);
}

TEST_CASE("out values, errno functions and renamed arguments are planned, and misuse is reported",
          "[passes][lower]") {
  Fixture f(
      "typedef unsigned short u16;\n"
      "struct dev { int speed; };\n"
      "static inline int dev_status_to_errno(int s) { return s ? -5 : 0; }\n"
      "int dev_read(const struct dev *d, int where, u16 *val);\n"
      "int dev_write(const struct dev *d, int where, u16 val);\n"
      "int dev_count(struct dev *d, int where);\n"
      "int dev_ptr_errno(struct dev *d, int *p);\n");
  const std::string type = "types:\n  - rust: Dev\n    c: struct dev\n    methods:\n";
  auto s = spec::load_string(
      std::string(kSpecHead) + type +
          "      - {c: dev_read, rust: read, receiver: \"&self\", args: {where: \"offset: u16\"}, returns: out u16,\n"
          "         errno: dev_status_to_errno}\n"
          "      - {c: dev_write, rust: write, receiver: \"&self\", args: {where: \"offset: u16\", val: \"value: u16\"},\n"
          "         errno: dev_status_to_errno}\n",
      "t.yaml");
  std::string dumped;
  auto p = passes::run_passes(s, f.m, {}, [&](const char* pass, const passes::Plan& pl) {
    if (std::string(pass) == "lower") dumped = pl.dump();
  });
  INFO(dumped);
  CHECK(dumped.find("returns out: Result<u16>") != std::string::npos);
  CHECK(dumped.find("param offset: u16; from u16 into crate::ffi::c_int") != std::string::npos);
  CHECK(dumped.find("unsafe bindings::dev_read(ptr, crate::ffi::c_int::from(offset), &mut val) -- SAFETY: ") !=
        std::string::npos);
  CHECK(dumped.find("`&mut val` is valid for writes of a `u16`.") != std::string::npos);
  CHECK(dumped.find("out val: u16") != std::string::npos);
  CHECK(dumped.find("unsafe bindings::dev_status_to_errno(ret) -- SAFETY: `dev_status_to_errno` takes a plain "
                    "`int`") != std::string::npos);
  // The errno function is static inline: it gets a helper, once.
  REQUIRE(p.helpers.size() == 1);
  CHECK(p.helpers[0]->name == "dev_status_to_errno");
  // The rendered body reads the value C wrote, after checking the mapped status.
  std::string rs = emit::render_rust_module(p, {});
  CHECK(rs.find("pub fn read(&self, offset: u16) -> Result<u16> {") != std::string::npos);
  CHECK(rs.find("let mut val: u16 = 0;") != std::string::npos);
  CHECK(rs.find("to_result(unsafe { bindings::dev_status_to_errno(ret) })?;\n        Ok(val)") != std::string::npos);
  CHECK(rs.find("pub fn write(&self, offset: u16, value: u16) -> Result {") != std::string::npos);

  // Misuse: no out parameter, an errno function of the wrong shape or unknown,
  // errno with a convention that checks none, a bad Rust name.
  auto lowered = f.errors(type + "      - {c: dev_count, rust: a, returns: out u16}\n");
  CHECK(lowered.find("'returns: out' needs dev_count's last parameter to point at a writable integer") !=
        std::string::npos);
  auto e = f.errors(type + "      - {c: dev_ptr_errno, rust: c, errno: dev_read}\n"
                           "      - {c: dev_count, rust: d, returns: void, errno: dev_status_to_errno}\n"
                           "      - {c: dev_count, rust: e, errno: dev_nope}\n");
  CHECK(e.find("errno function dev_read is not 'int f(int)'") != std::string::npos);
  CHECK(e.find("'errno' needs a return convention that checks an errno") != std::string::npos);
  CHECK(e.find("unknown errno function 'dev_nope'") != std::string::npos);
  CHECK_THROWS_WITH(
      spec::load_string(std::string(kSpecHead) + type + "      - {c: dev_count, rust: g, args: {where: \"fn: u16\"}}\n",
                        "t.yaml"),
      Catch::Contains("the Rust name of 'where' 'fn' is a Rust keyword"));
}

// What drm needed: constants named by enumerators, internal callbacks whose
// hand-written call returns a Result, and methods of a generic type taking
// another generic spec type (`&Device<T>` in `File<T>`), refcounted.
TEST_CASE("enumerator constants, internal calls returning Result, generic method parameters", "[passes][lower]") {
  Fixture f(
      "enum feat { FEAT_A = 1 << 0, FEAT_B = 1 << 3 };\n"
      "struct dev { int x; };\n"
      "struct file { void *priv; };\n"
      "void dev_get(struct dev *d);\n"
      "void dev_put(struct dev *d);\n"
      "int file_attach(struct file *f, struct dev *d);\n"
      "struct drv { int (*open)(struct dev *d, struct file *f); void (*close)(struct file *f); };\n");
  const std::string types =
      "types:\n"
      "  - {rust: Device, c: struct dev, generic: \"T: Driver\", ownership: refcounted, get: dev_get, put: dev_put}\n"
      "  - rust: File\n    c: struct file\n    generic: \"T: Driver\"\n"
      "    methods:\n      - {c: file_attach, rust: attach, receiver: \"&self\"}\n";
  const std::string ops = "ops:\n  - c: struct drv\n    trait: Driver\n    vtable: V\n    create: build\n"
                          "    table: static\n    guarantee: g\n    callbacks:\n";
  auto s = spec::load_string(
      std::string(kSpecHead) + types +
          "constants:\n  - module: feat\n    type: u32\n    names: {FEAT_A: A, FEAT_B: B}\n" + ops +
          "      open: {internal: true, call: \"file::open::<T>\", from: [\"struct dev *\", \"struct file *\"],\n"
          "             returns: errno, why: the file is being opened}\n"
          "      close: {internal: true, call: \"file::close::<T>\", from: [\"struct file *\"], why: last close}\n",
      "t.yaml");
  std::string dumped;
  auto p = passes::run_passes(s, f.m, {}, [&](const char* pass, const passes::Plan& pl) {
    if (std::string(pass) == "lower") dumped = pl.dump();
  });
  INFO(dumped);
  // Enumerators are bindgen's constants, prefixed with their enum's tag.
  CHECK(dumped.find("A: u32 = bindings::feat_FEAT_A") != std::string::npos);
  CHECK(dumped.find("calls: unsafe file::open::<T>(d, f) -> Result (0 or an errno to C)") !=
        std::string::npos);
  CHECK(dumped.find("calls: unsafe file::close::<T>(f) -- SAFETY") != std::string::npos);
  std::string rs = emit::render_rust_module(p, {});
  INFO(rs);
  CHECK(rs.find("pub const B: u32 = bindings::feat_FEAT_B;") != std::string::npos);
  // No doctest compares an enumerator's constant with itself.
  CHECK(rs.find("kernel::bindings::FEAT_A") == std::string::npos);
  CHECK(rs.find("match unsafe { file::open::<T>(d, f) } {\n            Ok(()) => 0,\n"
                "            Err(e) => e.to_errno(),") != std::string::npos);
  CHECK(rs.find("pub fn attach(&self, d: &Device<T>) -> Result {") != std::string::npos);
  CHECK(rs.find("unsafe impl<T: Driver> crate::types::AlwaysRefCounted for Device<T> {") != std::string::npos);

  // Misuse: 'returns' other than errno, or on a callback whose C member returns void, or without 'call'.
  auto e = f.errors(types + ops +
                    "      open: {internal: true, call: \"f\", from: [\"struct file *\"], returns: bool, why: w}\n"
                    "      close: {internal: true, call: \"g\", from: [\"struct file *\"], returns: errno, why: w}\n");
  CHECK(e.find("internal callback open may only say 'returns: errno', for a C member returning int") !=
        std::string::npos);
  CHECK(e.find("internal callback close may only say 'returns: errno'") != std::string::npos);
  CHECK_THROWS_WITH(spec::load_string(std::string(kSpecHead) + ops +
                                          "      open: {internal: true, body: \"0\", returns: errno}\n"
                                          "      close: {}\n",
                                      "t.yaml"),
                    Catch::Contains("'returns' goes with 'call'"));
  // A generic spec type in a method of a non-generic type has no `T` to name.
  auto g = f.errors("types:\n"
                    "  - {rust: Device, c: struct dev, generic: \"T: Driver\"}\n"
                    "  - rust: File\n    c: struct file\n    methods:\n      - {c: file_attach, rust: attach}\n" +
                    ops + "      open: {internal: true, call: \"f\", from: [\"struct file *\"], why: w}\n"
                          "      close: {}\n");
  CHECK(g.find("parameter 'd' of file_attach is a `Device<T>`, which a method of the non-generic `File` cannot "
               "name") != std::string::npos);
}
