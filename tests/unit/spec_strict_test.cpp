// The strict spec loader (issue 10): every mistake is one located error, the
// inputs that crashed kgen are errors, and every committed spec still loads.
#include <catch2/catch.hpp>

#include <filesystem>
#include <regex>

#include "spec/spec.hpp"
#include "support/fs.hpp"

using namespace kgen;
namespace stdfs = std::filesystem;

namespace {

std::string load_error(const std::string& yaml) {
  try {
    spec::load_string(yaml, "t.yaml");
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

size_t count(const std::string& s, const std::string& what) {
  size_t n = 0;
  for (size_t at = s.find(what); at != std::string::npos; at = s.find(what, at + 1)) ++n;
  return n;
}

// Lines 1-5; a test appends from line 6.
const char* kHead =
    "kgen: 1\nname: t\nmodule: {rust_path: kernel::t, kernel_file: rust/kernel/t.rs, c_header: include/t.h}\n"
    "headers: [t.h]\nhelpers: t\n";

std::string with(const std::string& tail) { return std::string(kHead) + tail; }

const char* kType = "types:\n  - rust: D\n    c: struct d\n";

}  // namespace

TEST_CASE("keys that are lists, maps or null are errors, not a crash", "[spec][strict]") {
  // Each of these aborted kgen (a destructor converted the key and threw).
  auto e = load_error(with("? [a]\n: b\n"));
  CHECK(e.find("t.yaml:6:3: error: a key must be a plain string, not a list") != std::string::npos);
  CHECK(count(e, "error:") == 1);
  e = load_error(with("{x: 1}: y\n"));
  CHECK(e.find("t.yaml:6:1: error: a key must be a plain string, not a mapping") != std::string::npos);
  e = load_error(with("ops:\n  - {c: struct o, trait: T, vtable: V, create: c, guarantee: g,\n"
                      "     callbacks: {stop: {{: x}}}}\n"));
  CHECK(e.find("a key must be a plain string, not a mapping") != std::string::npos);
  CHECK(e.find("a key must be a plain string, not nothing") != std::string::npos);
  e = load_error(with(std::string(kType) + "    [a, b]: c\n"));
  CHECK(e.find("t.yaml:9:5: error: a key must be a plain string, not a list") != std::string::npos);
  CHECK(e.find("unknown key") == std::string::npos);
}

TEST_CASE("module.rust_path is kernel::name(::name)*", "[spec][strict]") {
  for (const char* bad : {"\"\"", "\"::\"", "kernel", "\"kernel::\"", "core::x", "kernel::fn", "kernel::a::::b", "kernel::1a"}) {
    INFO(bad);
    auto e = load_error(std::string("kgen: 1\nname: t\nmodule: {rust_path: ") + bad +
                        ", kernel_file: rust/kernel/t.rs, c_header: include/t.h}\nheaders: [t.h]\nhelpers: t\n");
    CHECK(e.find("t.yaml:3:21: error: the module path") != std::string::npos);
    CHECK(e.find("is not kernel::<name>(::<name>)*") != std::string::npos);
  }
  CHECK(spec::load_string(with(""), "t.yaml").rust_path == "kernel::t");
}

TEST_CASE("a scalar where a list belongs is an error, not an empty list", "[spec][strict]") {
  auto e = load_error(with("constants: flags\n"));
  CHECK(e.find("t.yaml:6:12: error: 'constants' in the spec must be a list, not a string") != std::string::npos);
  e = load_error(with("types: X\n"));
  CHECK(e.find("'types' in the spec must be a list, not a string") != std::string::npos);
  e = load_error(with(std::string(kType) + "    fields: id\n"));
  CHECK(e.find("t.yaml:9:13: error: 'fields' in a type must be a list, not a string") != std::string::npos);
  e = load_error(with("extra_helpers: f\n"));
  CHECK(e.find("hint: write [f] for a list of one") != std::string::npos);
}

TEST_CASE("a map where a list belongs is one located error", "[spec][strict]") {
  auto e = load_error(with(std::string(kType) + "    fields:\n      c: id\n      get: id\n    doc: Fine.\n"));
  CHECK(e.find("t.yaml:10:7: error: 'fields' in a type must be a list, not a mapping") != std::string::npos);
  CHECK(e.find("unknown key") == std::string::npos);
  CHECK(e.find("1 error in stage 'spec'") != std::string::npos);
}

TEST_CASE("duplicate keys, tags, anchors and a second document are errors", "[spec][strict]") {
  auto e = load_error(with("name: u\n"));
  CHECK(e.find("t.yaml:6:1: error: duplicate key 'name' (first at line 2)") != std::string::npos);
  e = load_error(with("---\nkgen: 1\n"));
  CHECK(e.find("t.yaml:6:1: error: a spec is one YAML document; a second one starts here") != std::string::npos);
  e = load_error(with("---\n"));
  CHECK(e.find("a second one starts here") != std::string::npos);
  e = load_error("kgen: 1\nname: !!binary dA==\nmodule: {rust_path: kernel::t, kernel_file: rust/kernel/t.rs, "
                 "c_header: include/t.h}\nheaders: [t.h]\nhelpers: t\n");
  CHECK(e.find("t.yaml:2:7: error: YAML tags (!!binary) are not allowed in a spec") != std::string::npos);
  e = load_error(with("doc_sources: !list [a.c]\n"));
  CHECK(e.find("YAML tags (!list) are not allowed") != std::string::npos);
  e = load_error(with("doc_sources: [&a a.c, *a]\n"));
  CHECK(e.find("anchors (&a) are not allowed") != std::string::npos);
  CHECK(e.find("aliases (*name) are not allowed") != std::string::npos);
  // Quoted strings are not tags.
  CHECK_NOTHROW(spec::load_string(with("doc_sources: [\"a.c\", 'b.c']\n"), "t.yaml"));
}

TEST_CASE("identifiers are valid and not keywords", "[spec][strict]") {
  auto e = load_error(with("types:\n  - rust: fn\n    c: struct d\n"));
  CHECK(e.find("t.yaml:7:11: error: the type name 'fn' is a Rust keyword") != std::string::npos);
  e = load_error(with("types:\n  - rust: My Device\n    c: struct d\n"));
  CHECK(e.find("the type name 'My Device' is not a Rust identifier") != std::string::npos);
  e = load_error(with(std::string(kType) + "    methods:\n      - {c: int, rust: x}\n"));
  CHECK(e.find("the C function 'int' is a C keyword") != std::string::npos);
  // A C function name that is a Rust keyword is fine when `rust` renames it...
  CHECK_NOTHROW(spec::load_string(with(std::string(kType) + "    methods:\n      - {c: move, rust: move_to}\n"), "t.yaml"));
  // ...and an error when it would name the method.
  e = load_error(with(std::string(kType) + "    methods:\n      - {c: move}\n"));
  CHECK(e.find("the method name 'move' is a Rust keyword") != std::string::npos);
  CHECK(count(e, "error:") == 1);
  e = load_error(with("ops:\n  - {c: struct o, trait: T, vtable: V, create: c, guarantee: g, callbacks: {type: {}}}\n"));
  CHECK(e.find("the callback 'type' is a Rust keyword, so it cannot name the Rust method") != std::string::npos);
  e = load_error(with("types:\n  - {rust: D, c: struct d e}\n"));
  CHECK(e.find("the C type 'struct d e' is not a C type name") != std::string::npos);
  e = load_error(with("enums:\n  - {rust: E, c: struct e, variants: {A: A}}\n"));
  CHECK(e.find("the C enum 'struct e' is not a C enum type") != std::string::npos);
}

TEST_CASE("duplicate Rust names in one scope are errors", "[spec][strict]") {
  auto e = load_error(with("types:\n  - {rust: D, c: struct d}\nenums:\n  - {rust: D, macros: {A: A}}\n"));
  CHECK(e.find("t.yaml:9:12: error: duplicate Rust name 'D' in the module (first at t.yaml:7:12)") != std::string::npos);
  e = load_error(with(std::string(kType) + "    fields:\n      - {c: x, get: x}\n    methods:\n      - {c: f, rust: x}\n"));
  CHECK(e.find("duplicate Rust name 'x' in type 'D'") != std::string::npos);
  e = load_error(with("enums:\n  - {rust: E, macros: {A: A, B: A}}\n"));
  CHECK(e.find("duplicate Rust name 'A' in enum 'E'") != std::string::npos);
  // A getter and a setter of one field have their own names.
  CHECK_NOTHROW(
      spec::load_string(with(std::string(kType) + "    fields:\n      - {c: x, get: x}\n      - {c: x, set: set_x, type: u8}\n"),
                        "t.yaml"));
}

TEST_CASE("paths stay relative and kernel files under rust/", "[spec][strict]") {
  auto spec_with_file = [](const std::string& kf) {
    return "kgen: 1\nname: t\nmodule: {rust_path: kernel::t, kernel_file: " + kf +
           ", c_header: include/t.h}\nheaders: [t.h]\nhelpers: t\n";
  };
  CHECK(load_error(spec_with_file("/etc/t.rs")).find("t.yaml:3:45: error: the module's kernel_file '/etc/t.rs' is absolute") !=
        std::string::npos);
  CHECK(load_error(spec_with_file("rust/../../t.rs")).find("leaves its directory ('..')") != std::string::npos);
  CHECK(load_error(spec_with_file("spec.yaml")).find("is not under rust/") != std::string::npos);
  CHECK(load_error(spec_with_file("\"\"")).find("the module's kernel_file '' is empty") != std::string::npos);
  CHECK(load_error(spec_with_file("rust/kernel/t.c")).find("does not end in .rs") != std::string::npos);
  auto hw = [](const std::string& file, const std::string& kf) {
    return with("hand_written:\n  - {file: " + file + ", module: m, kernel_file: " + kf + "}\n");
  };
  CHECK(load_error(hw("../x.rs", "rust/kernel/t/m.rs")).find("the hand-written file '../x.rs' leaves its directory") !=
        std::string::npos);
  CHECK(load_error(hw("m.rs", "/tmp/m.rs")).find("the hand-written kernel_file '/tmp/m.rs' is absolute") != std::string::npos);
  CHECK_NOTHROW(spec::load_string(hw("t/m.rs", "rust/kernel/t/m.rs"), "t.yaml"));
  CHECK(load_error(with("doc_sources: [/etc/passwd]\n")).find("the doc source '/etc/passwd' is absolute") != std::string::npos);
}

TEST_CASE("name, helpers and kconfig are checked", "[spec][strict]") {
  auto e = load_error("kgen: 1\nname: " + std::string(300, 'n') +
                      "\nmodule: {rust_path: kernel::t, kernel_file: rust/kernel/t.rs, c_header: include/t.h}\n"
                      "headers: [t.h]\nhelpers: t\n");
  CHECK(e.find("t.yaml:2:7: error: the spec name 'nnn") != std::string::npos);
  CHECK(e.find("is not a plain file name") != std::string::npos);
  e = load_error("kgen: 1\nname: t\nmodule: {rust_path: kernel::t, kernel_file: rust/kernel/t.rs, c_header: include/t.h}\n"
                 "headers: [t.h]\nhelpers: ../t\n");
  CHECK(e.find("t.yaml:5:10: error: helpers '../t' is not a plain file name") != std::string::npos);
  e = load_error("kgen: 1\nname: t\nmodule: {rust_path: kernel::t, kernel_file: rust/kernel/t.rs, c_header: include/t.h,\n"
                 "  kconfig: \"CONFIG_T\\nfiles: x\"}\nheaders: [t.h]\nhelpers: t\n");
  CHECK(e.find("t.yaml:4:12: error: kconfig 'CONFIG_T\\nfiles: x' is not a Kconfig symbol (CONFIG_[A-Z0-9_]+)") !=
        std::string::npos);
}

TEST_CASE("the input is UTF-8 text", "[spec][strict]") {
  auto e = load_error(with("doc_sources: [a\xff.c]\n"));
  CHECK(e.find("t.yaml:6:16: error: the spec is not UTF-8: byte 142 (0xff) at line 6") != std::string::npos);
  e = load_error(with("doc_sources: [a\xc0\xaf.c]\n"));  // an overlong '/'
  CHECK(e.find("the spec is not UTF-8: byte 142 (0xc0)") != std::string::npos);
  e = load_error(with("doc_sources: [a\xed\xa0\x80.c]\n"));  // a surrogate
  CHECK(e.find("the spec is not UTF-8: byte 142 (0xed)") != std::string::npos);
  e = load_error(with(std::string("doc_sources: [a\0.c]\n", 20)));
  CHECK(e.find("t.yaml:6:16: error: the spec holds the control character 0x00 (byte 142)") != std::string::npos);
  e = load_error(with("doc_sources: [\"a\\x01.c\"]\n"));
  CHECK(e.find("a string holds the control character 0x01") != std::string::npos);
  // UTF-8 in text is fine.
  CHECK_NOTHROW(spec::load_string(with("module_macro: {name: m, doc: \"Caf\xc3\xa9 \xe2\x9c\x93\"}\n"), "t.yaml"));
}

TEST_CASE("errors stop at the error limit, with a count of the rest", "[spec][strict]") {
  std::string many;
  for (int i = 0; i < 5000; ++i) many += "unknown_" + std::to_string(i) + ": x\n";
  auto e = load_error(with(many));
  CHECK(count(e, ": error: unknown key") == Diagnostics::kDefaultErrorLimit);
  CHECK(e.find("error: 4980 more errors suppressed (kgen shows the first 20; fix those and run again)") != std::string::npos);
  CHECK(e.find("5000 errors in stage 'spec'") != std::string::npos);
}

TEST_CASE("size and nesting limits are errors", "[spec][strict]") {
  std::string nodes = "extra_helpers:\n";
  for (size_t i = 0; i < 200001; ++i) nodes += "  - f\n";
  auto e = load_error(with(nodes));
  CHECK(e.find("error: the spec has more than 200000 YAML nodes; kgen stops reading it here") != std::string::npos);
  e = load_error(std::string(9u << 20, '#'));
  CHECK(e.find("t.yaml: error: the spec is 9437184 bytes; kgen reads at most 8388608 (8 MiB)") != std::string::npos);
  e = load_error(with("doc_sources: " + std::string(20000, '[') + std::string(20000, ']') + "\n"));
  CHECK(e.find("t.yaml:6:") != std::string::npos);
  e = load_error("");
  CHECK(e.find("t.yaml:1:1: error: the spec is empty") != std::string::npos);
}

TEST_CASE("a missing or wrong value is one error", "[spec][strict]") {
  auto e = load_error("kgen: 1\nname: t\nmodule: [x]\nheaders: [t.h]\nhelpers: t\n");
  CHECK(e.find("t.yaml:3:9: error: module must be a mapping (key: value lines), not a list") != std::string::npos);
  CHECK(e.find("1 error in stage 'spec'") != std::string::npos);
  e = load_error(with(std::string(kType) + "    doc:\n"));
  CHECK(e.find("'doc' in a type must be a string, not nothing") != std::string::npos);
  e = load_error(with(std::string(kType) + "    fields:\n      - {c: x, get: [a]}\n"));
  CHECK(e.find("'get' in a field must be a string, not a list") != std::string::npos);
  CHECK(count(e, "error:") == 1);
}

TEST_CASE("every committed spec loads", "[spec][strict]") {
  stdfs::path root = KGEN_SOURCE_DIR;
  std::vector<stdfs::path> specs;
  for (const auto& e : stdfs::directory_iterator(root / "header-specs"))
    if (e.path().extension() == ".yaml" && e.path().filename() != "TEMPLATE.yaml") specs.push_back(e.path());
  for (const char* dir : {"golden", "drift"})
    for (const auto& e : stdfs::directory_iterator(root / "tests" / dir))
      if (stdfs::exists(e.path() / "spec.yaml")) specs.push_back(e.path() / "spec.yaml");
  REQUIRE(specs.size() >= 8);
  // For each kernel kgen targets (the committed specs serve both).
  for (const char* version : {"6.12.117", "7.3.4"})
    for (const auto& p : specs) {
      INFO(p.string() << " for " << version);
      CHECK_NOTHROW(spec::load(p.string(), spec::KernelVersion::parse(version)));
    }
}
