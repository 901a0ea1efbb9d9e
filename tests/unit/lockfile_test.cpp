#include <catch2/catch.hpp>

#include <filesystem>

#include "tmpdir.hpp"
#include "drift/check.hpp"
#include "drift/lockfile.hpp"
#include "driver/kernel_tree.hpp"
#include "frontend/frontend.hpp"
#include "passes/plan.hpp"
#include "spec/spec.hpp"
#include "support/fs.hpp"

using namespace kgen;
namespace stdfs = std::filesystem;

namespace {

const char* kHeader = R"(
typedef unsigned short __u16;
typedef __u16 u16;
typedef unsigned int u32;
#define THING_F_A 0x1
#define THING_F_B (1 << 4)
#define THING_REG_X 3
#define THING_REG_Y 4
#define THING_NOT_REG 9
enum thing_state { THING_OFF, THING_ON = 4 };
struct inner { int addr; };
struct thing { u32 id; unsigned up : 1; struct inner in; enum thing_state state; };
int thing_read(struct thing *t, u16 reg);
static inline __attribute__((warn_unused_result)) int thing_poke(struct thing *t) { return 0; }
struct thing_ops {
  const char *name;
  int (*start)(struct thing *t, void (*done)(int), ...);
  void (*stop)(struct thing *);
};
)";

const char* kSpec = R"(kgen: 1
name: thing
module: {rust_path: kernel::thing, kernel_file: rust/kernel/thing.rs, c_header: include/linux/thing.h}
headers: [thing.h]
helpers: thing
types:
  - rust: Thing
    c: struct thing
    fields:
      - {c: in.addr, get: addr, type: i32}
      - {c: up, get: is_up, as: bool}
    methods:
      - {c: thing_read, rust: read, args: {reg: u16}, returns: value u16}
      - {c: thing_poke, rust: poke}
enums:
  - {rust: State, c: enum thing_state, variants: {THING_OFF: Off}}
constants:
  - {module: flags, type: u32, names: {THING_F_B: B}}
  - {module: regs, type: u16, match: ["THING_REG_*"]}
ops:
  - c: struct thing_ops
    trait: Ops
    vtable: OpsVTable
    create: create_ops
    guarantee: valid.
    init: {name: "null"}
    callbacks: {start: {}, stop: {}}
)";

struct Parsed {
  spec::Spec spec;
  model::CModel model;
};

Parsed parse(const std::string& header) {
  auto dir = test::tmp_dir("lockfile");
  stdfs::create_directories(dir);
  fs::write_if_changed(dir / "thing.h", header);
  frontend::ParseOptions o;
  o.headers = {"thing.h"};
  o.flags = {"-I" + dir.string()};
  Parsed p{spec::load_string(kSpec, "thing.yaml"), frontend::parse(o)};
  frontend::evaluate_macros(p.model, o, passes::macros_to_evaluate(p.spec, p.model));
  return p;
}

}  // namespace

TEST_CASE("C declarations survive the lock's text form", "[drift]") {
  for (const char* d : {"int f(struct x *a, u16 b)", "static inline __must_check int f(void)",
                        "void (*cb)(struct x *d, const char *name, ...)", "int f(void (*fn)(int), unsigned int)",
                        "int f(struct x *, const u16, unsigned long long)", "const struct y *g(long n, struct z)",
                        "irqreturn_t (*handle)(struct phy_device *phydev)"}) {
    INFO(d);
    auto s = drift::parse_signature(d);
    REQUIRE(s);
    CHECK(s->str() == d);
  }
  auto s = drift::parse_signature("int f(struct x *, const u16, unsigned int n)");
  REQUIRE(s);
  CHECK(s->params[0].name.empty());
  CHECK(s->params[1].name.empty());
  CHECK(s->params[1].type == "const u16");
  CHECK(s->params[2].name == "n");
  auto fp = drift::parse_signature("int f(void (*fn)(int), int x)");
  REQUIRE(fp);
  CHECK(fp->params[0].name == "fn");
  CHECK(fp->params[0].type == "void (*)(int)");
  CHECK_FALSE(drift::parse_signature("#define X 1"));
  CHECK(drift::stable_spelling("struct (unnamed struct at ./x.h:3:5) *") == "struct (anonymous struct) *");
}

TEST_CASE("record() takes what the spec wraps, and the text round-trips", "[drift]") {
  auto p = parse(kHeader);
  auto l = drift::record(p.spec, kSpec, p.model, "6.x");
  auto has = [&](drift::Entry::Kind k, const std::string& key, const std::string& decl) {
    const drift::Entry* e = l.find(k, key);
    INFO(key);
    REQUIRE(e);
    CHECK(e->decl == decl);
  };
  using K = drift::Entry::Kind;
  has(K::Function, "thing_read", "int thing_read(struct thing *t, u16 reg)");
  has(K::Function, "thing_poke", "static inline __must_check int thing_poke(struct thing *t)");
  has(K::Field, "thing.in", "struct inner in");
  has(K::Field, "thing.in.addr", "int addr");
  has(K::Field, "thing.up", "unsigned int up : 1");
  has(K::Callback, "thing_ops.start", "int (*start)(struct thing *t, void (*done)(int), ...)");
  has(K::Callback, "thing_ops.stop", "void (*stop)(struct thing *)");
  has(K::Member, "thing_ops.name", "const char *name");
  has(K::EnumConstant, "thing_state.THING_ON", "4");  // every constant of a wrapped enum
  has(K::Constant, "THING_F_B", "16");
  has(K::Constant, "THING_REG_Y", "4");
  has(K::Typedef, "u16", "__u16");
  has(K::Typedef, "__u16", "unsigned short");
  CHECK_FALSE(l.find(K::Constant, "THING_F_A"));  // not in the spec
  CHECK_FALSE(l.find(K::Constant, "THING_NOT_REG"));

  drift::LockFile f;
  f.put(l);
  std::string text = drift::render(f, "header-specs/thing.yaml");
  auto back_file = drift::parse(text, "thing.lock");
  REQUIRE(back_file.versions.size() == 1);
  const drift::Lock& back = back_file.versions[0];
  REQUIRE(back.entries.size() == l.entries.size());
  for (size_t i = 0; i < l.entries.size(); ++i) {
    CHECK(back.entries[i].key == l.entries[i].key);
    CHECK(back.entries[i].decl == l.entries[i].decl);
    CHECK(back.entries[i].sig == l.entries[i].sig);
  }
  CHECK(back.linux_version == "6.x");
  CHECK(drift::render(back_file, "header-specs/thing.yaml") == text);
  CHECK_THROWS_WITH(drift::parse("lock 1\nfunction f\n", "x.lock"), Catch::Contains("x.lock:2:1"));
  CHECK_THROWS_WITH(drift::parse("lock 2\nfunction f = int f(void)\n", "x.lock"),
                    Catch::Contains("x.lock:2:1: error: a declaration before the first 'linux' line"));
  CHECK(drift::lock_path_for("header-specs/net-phy.yaml") == "header-specs/net-phy.lock");
}

TEST_CASE("compare() classifies drift: breaking, or a warning", "[drift]") {
  auto old = parse(kHeader);
  auto locked = drift::record(old.spec, kSpec, old.model, "old");
  auto drifts_for = [&](const std::string& header) {
    auto now = parse(header);
    return drift::compare(locked, drift::record(now.spec, kSpec, now.model, "new"), now.spec, now.model);
  };
  auto edit = [](std::string h, const std::string& from, const std::string& to) {
    auto pos = h.find(from);
    REQUIRE(pos != std::string::npos);
    return h.replace(pos, from.size(), to);
  };
  CHECK(drifts_for(kHeader).empty());

  // A renamed parameter the spec maps by name breaks it; another is a warning.
  auto d = drifts_for(edit(kHeader, "u16 reg)", "u16 regnum)"));
  REQUIRE(d.size() == 1);
  CHECK(d[0].breaking);
  CHECK(d[0].details[0] == "parameter 2 'reg' renamed to 'regnum' (the spec maps it by name under 'args')");
  CHECK(d[0].spec_item == "method Thing::read");
  CHECK(d[0].spec_loc.line == 13);
  d = drifts_for(edit(kHeader, "struct thing *t, u16 reg)", "struct thing *self, u16 reg)"));
  REQUIRE(d.size() == 1);
  CHECK_FALSE(d[0].breaking);

  // A parameter inserted in the middle is named as such, not as type changes.
  d = drifts_for(edit(kHeader, "struct thing *t, u16 reg)", "struct thing *t, int page, u16 reg)"));
  REQUIRE(d.size() == 1);
  REQUIRE(d[0].details.size() == 1);
  CHECK(d[0].details[0] == "parameter 2 'page' added: int");

  // Additions are warnings; a member the spec must initialize says so.
  d = drifts_for(edit(kHeader, "  void (*stop)", "  int flags;\n  void (*stop)"));
  REQUIRE(d.size() == 1);
  CHECK(d[0].change == drift::Drift::Change::Added);
  CHECK_FALSE(d[0].breaking);
  CHECK(d[0].hint.find("'init'") != std::string::npos);

  // A new enum constant is a warning; a changed value breaks.
  d = drifts_for(edit(kHeader, "THING_ON = 4 }", "THING_ON = 5, THING_MAYBE }"));
  REQUIRE(d.size() == 2);
  size_t breaking = 0;
  for (const auto& x : d) breaking += x.breaking;
  CHECK(breaking == 1);

  // static inline gained needs a helper: breaking. A typedef that changes is reported once.
  d = drifts_for(edit(kHeader, "int thing_read(", "static inline int thing_read("));
  REQUIRE(d.size() == 1);
  CHECK(d[0].breaking);
  d = drifts_for(edit(kHeader, "typedef unsigned short __u16;", "typedef unsigned int __u16;"));
  REQUIRE(d.size() == 1);
  CHECK(d[0].kind == drift::Entry::Kind::Typedef);
  CHECK(d[0].hint.find("thing_read") != std::string::npos);

  // The report: diagnostics with file:line:column, then a summary; silent without drift.
  auto now = parse(edit(kHeader, "#define THING_REG_Y 4\n", ""));
  auto nl = drift::record(now.spec, kSpec, now.model, "new");
  auto rep = drift::render_report(drift::compare(locked, nl, now.spec, now.model), locked, nl, "");
  CHECK(rep.breaking == 1);
  CHECK(rep.text.find("thing.yaml:19:5: error: removed constant THING_REG_Y") != std::string::npos);
  CHECK(rep.text.find("Linux old (lock) -> Linux new: 1 breaking, 0 warnings") != std::string::npos);
  CHECK(drift::render_report({}, locked, nl, "").text.empty());
}

TEST_CASE("a tree without Rust gives bindgen's flags from a C command", "[drift][driver]") {
  auto w = driver::shell_split(
      "clang -Wp,-MMD,kernel/.bounds.s.d -nostdinc -I./include -include ./include/linux/kconfig.h -D__KERNEL__ "
      "-DKBUILD_MODNAME='\"bounds\"' -fverbose-asm -S -o kernel/bounds.s kernel/bounds.c");
  CHECK(driver::bindgen_flags_from_c(w) ==
        std::vector<std::string>{"-nostdinc", "-I./include", "-include", "./include/linux/kconfig.h", "-D__KERNEL__",
                                 "-DKBUILD_MODNAME=\"bounds\"", "-fno-builtin", "-D__BINDGEN__", "-DMODULE"});
}

TEST_CASE("what hand-written code calls is locked; a changed excluded callback is a warning", "[drift]") {
  auto dir = test::tmp_dir("lockfile-hw");
  stdfs::create_directories(dir);
  const std::string header = std::string(kHeader) + "int thing_raw(struct thing *t);\n";
  fs::write_if_changed(dir / "hw.rs", "fn f(p: *mut bindings::thing) { unsafe { bindings::thing_raw(p) }; }\n");
  const std::string spec_text =
      "kgen: 1\nname: thing\n"
      "module: {rust_path: kernel::thing, kernel_file: rust/kernel/thing.rs, c_header: include/linux/thing.h}\n"
      "headers: [thing.h]\nhelpers: thing\n"
      "hand_written: [{file: hw.rs, module: hw, kernel_file: rust/kernel/thing/hw.rs}]\n"
      "ops:\n  - {c: struct thing_ops, trait: Ops, vtable: V, create: c, guarantee: g, init: {name: \"null\"},\n"
      "     callbacks: {start: {}}, excluded: {stop: not needed}}\n";
  auto parse_in = [&](const std::string& h) {
    fs::write_if_changed(dir / "thing.h", h);
    frontend::ParseOptions o;
    o.headers = {"thing.h"};
    o.flags = {"-I" + dir.string()};
    return Parsed{spec::load_string(spec_text, (dir / "thing.yaml").string()), frontend::parse(o)};
  };
  auto old = parse_in(header);
  auto calls = drift::hand_written_calls(old.spec);
  REQUIRE(calls.size() == 1);
  CHECK(calls[0].first == "thing_raw");
  auto locked = drift::record(old.spec, spec_text, old.model, "old");
  CHECK(locked.find(drift::Entry::Kind::Function, "thing_raw") != nullptr);

  std::string h = header;
  h.replace(h.find("int thing_raw(struct thing *t)"), 30, "int thing_raw(struct thing *t, int x)");
  h.replace(h.find("void (*stop)(struct thing *)"), 28, "void (*stop)(struct thing *, int)");
  auto now = parse_in(h);
  auto d = drift::compare(locked, drift::record(now.spec, spec_text, now.model, "new"), now.spec, now.model);
  REQUIRE(d.size() == 2);
  for (const auto& x : d) {
    if (x.kind == drift::Entry::Kind::Callback) {
      CHECK_FALSE(x.breaking);
      CHECK(x.hint.find("reason for excluding it") != std::string::npos);
    } else {
      CHECK(x.breaking);
      CHECK(x.spec_item == "hand-written hw.rs (calls it)");
      CHECK(x.hint.find("update the hand-written code") != std::string::npos);
    }
  }
}

TEST_CASE("A lock keeps a section per kernel series, and check picks one", "[drift]") {
  auto lock = [](std::string v, std::string decl) {
    drift::Lock l;
    l.spec_name = "thing";
    l.spec_hash = "h";
    l.linux_version = std::move(v);
    l.entries.push_back({drift::Entry::Kind::Constant, "THING_MAX", std::move(decl), std::nullopt, {}});
    return l;
  };
  drift::LockFile f;
  f.put(lock("7.3.4", "38"));
  f.put(lock("6.12.117", "34"));
  f.put(lock("6.12.118", "35"));  // the same series: replaces 6.12.117
  REQUIRE(f.versions.size() == 2);
  CHECK(f.versions[0].linux_version == "6.12.118");  // oldest first
  CHECK(f.versions[1].linux_version == "7.3.4");
  CHECK(f.for_version("6.12.2")->linux_version == "6.12.118");
  CHECK(f.for_version("7.3.9")->linux_version == "7.3.4");
  CHECK(f.for_version("7.1.0")->linux_version == "6.12.118");  // the newest older
  CHECK(f.for_version("7.5")->linux_version == "7.3.4");
  CHECK(f.for_version("6.1.192")->linux_version == "6.12.118");  // none older: the oldest
  CHECK(f.for_version("unknown")->linux_version == "7.3.4");

  std::string text = drift::render(f, "header-specs/thing.yaml");
  CHECK(text.find("lock 2\n\nlinux 6.12.118\nspec thing h\n\nconst THING_MAX = 35\n\nlinux 7.3.4\n") !=
        std::string::npos);
  auto back = drift::parse(text, "thing.lock");
  REQUIRE(back.versions.size() == 2);
  CHECK(back.versions[1].entries.at(0).decl == "38");
  CHECK(drift::render(back, "header-specs/thing.yaml") == text);
  CHECK_THROWS_WITH(drift::parse("lock 2\nlinux 6.12.1\nlinux 6.12.2\n", "x.lock"),
                    Catch::Contains("x.lock:3:1: error: a second section for Linux 6.12"));
  // A lock 1 file (spec before linux) is one section.
  auto old = drift::parse("lock 1\nspec thing h\nlinux 6.12.117\nconst THING_MAX = 34\n", "old.lock");
  REQUIRE(old.versions.size() == 1);
  CHECK(old.versions[0].spec_name == "thing");
  CHECK(old.versions[0].entries.size() == 1);
}
