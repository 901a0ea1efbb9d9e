#include <catch2/catch.hpp>

#include "spec/spec.hpp"

using namespace kgen;

static std::string load_error(const std::string& yaml) {
  try {
    spec::load_string(yaml, "t.yaml");
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

static const char* kMinimal =
    "kgen: 1\nname: t\nmodule: {rust_path: kernel::t, kernel_file: rust/kernel/t.rs, c_header: include/t.h}\n"
    "headers: [t.h]\nhelpers: t\n";

TEST_CASE("a minimal spec loads", "[spec]") {
  auto s = spec::load_string(kMinimal, "t.yaml");
  CHECK(s.name == "t");
  CHECK(s.rust_path == "kernel::t");
  CHECK(s.mode == "replace");
}

TEST_CASE("unknown keys are errors with file:line:column", "[spec]") {
  auto e = load_error(std::string(kMinimal) + "colour: red\n");
  CHECK(e.find("t.yaml:6:1: error: unknown key 'colour' in the spec") != std::string::npos);
  CHECK(e.find("hint: allowed keys here:") != std::string::npos);
}

TEST_CASE("YAML syntax errors carry a location", "[spec]") {
  auto e = load_error("kgen: 1\nname: [unclosed\n");
  CHECK(e.find("t.yaml:") != std::string::npos);
  CHECK(e.find("not valid YAML") != std::string::npos);
}

TEST_CASE("wrong conventions and missing keys are reported together", "[spec]") {
  auto e = load_error(std::string(kMinimal) +
                      "types:\n  - rust: D\n    c: struct d\n    methods:\n      - {c: f, returns: sometimes}\n"
                      "      - {c: g, returns: value}\n");
  CHECK(e.find("unknown return convention 'sometimes'") != std::string::npos);
  CHECK(e.find("'value' needs a type") != std::string::npos);
  CHECK(e.find("2 errors in stage 'spec'") != std::string::npos);
}

TEST_CASE("excluded callbacks need a reason", "[spec]") {
  auto e = load_error(std::string(kMinimal) +
                      "ops:\n  - {c: struct o, trait: T, vtable: V, create: c, guarantee: g, excluded: {cb: ''}}\n");
  CHECK(e.find("excluded callback 'cb' needs a reason") != std::string::npos);
}

TEST_CASE("kernel versions and ranges", "[spec]") {
  auto v = spec::KernelVersion::parse("6.12.117");
  REQUIRE(v);
  CHECK(v->str() == "6.12.117");
  CHECK(v->series() == "6.12");
  CHECK(spec::KernelVersion::parse("7.3.4-amd64")->str() == "7.3.4");
  CHECK(spec::KernelVersion::parse("7.3")->patch == -1);
  CHECK(spec::KernelVersion::parse("6.12.0-rc1+")->minor == 12);
  CHECK_FALSE(spec::KernelVersion::parse("unknown"));
  CHECK_FALSE(spec::KernelVersion::parse("6"));
  CHECK_FALSE(spec::KernelVersion::parse("6.x"));
  CHECK_FALSE(spec::KernelVersion::parse("6.12a"));

  auto admits = [](const std::string& range, const std::string& ver) {
    std::string err;
    auto r = spec::parse_range(range, err);
    INFO(range << ": " << err);
    REQUIRE(r);
    return r->admits(*spec::KernelVersion::parse(ver));
  };
  CHECK(admits(">= 7.3", "7.3.4"));
  CHECK_FALSE(admits(">= 7.3", "6.12.117"));
  CHECK(admits("< 7.3", "6.12.117"));
  CHECK_FALSE(admits("< 7.3", "7.3.4"));  // a bound without a patch level compares MAJOR.MINOR
  CHECK(admits("= 7.3", "7.3.9"));
  CHECK(admits("== 6.12", "6.12.0"));
  CHECK_FALSE(admits("> 7.3", "7.3.4"));
  CHECK(admits("> 7.3.3", "7.3.4"));
  CHECK(admits("<= 7.3.4", "7.3.4"));
  CHECK(admits(">= 6.13, < 7.3", "7.0.1"));
  CHECK_FALSE(admits(">= 6.13, < 7.3", "6.12.117"));
  CHECK(admits(">=6.10", "6.12"));
  std::string err;
  CHECK_FALSE(spec::parse_range("7.3", err));
  CHECK(err.find("comparisons like") != std::string::npos);
  CHECK_FALSE(spec::parse_range(">= 7.x", err));
  CHECK(err.find("'7.x' in '>= 7.x' is not a kernel version") != std::string::npos);
  CHECK_FALSE(spec::parse_range(">= 7.3,", err));
}

TEST_CASE("items with a kernel range are kept for the versions it admits", "[spec]") {
  std::string yaml = std::string(kMinimal) +
                     "types:\n"
                     "  - rust: D\n"
                     "    c: struct d\n"
                     "    fields:\n"
                     "      - {c: internal, get: is_internal, as: bool, kernel: \">= 7.3\"}\n"
                     "    methods:\n"
                     "      - c: d_is_internal\n"
                     "        rust: is_internal\n"
                     "        returns: bool\n"
                     "        kernel: \"< 7.3\"\n"
                     "      - {c: d_reset}\n"
                     "ops:\n"
                     "  - c: struct o\n"
                     "    trait: T\n"
                     "    vtable: V\n"
                     "    create: c\n"
                     "    guarantee: g\n"
                     "    init:\n"
                     "      date: {kernel: {\"< 7.3\": T::DATE}}\n"
                     "      name: {kernel: {\"< 7.3\": T::NAME.old(), \">= 7.3\": T::NAME.new()}}\n"
                     "    callbacks:\n"
                     "      start: {}\n"
                     "      stats: {kernel: \">= 7.3\"}\n"
                     "    excluded:\n"
                     "      legacy: {kernel: {\"< 7.3\": gone in 7.3.}}\n";
  auto old = spec::load_string(yaml, "t.yaml", spec::KernelVersion::parse("6.12.117"));
  REQUIRE(old.types.size() == 1);
  CHECK(old.types[0].fields.empty());
  REQUIRE(old.types[0].methods.size() == 2);
  CHECK(old.types[0].methods[0].rust == "is_internal");
  REQUIRE(old.ops[0].init.size() == 2);
  CHECK(old.ops[0].init[0] == std::pair<std::string, std::string>{"date", "T::DATE"});
  CHECK(old.ops[0].init[1] == std::pair<std::string, std::string>{"name", "T::NAME.old()"});
  REQUIRE(old.ops[0].callbacks.size() == 1);
  REQUIRE(old.ops[0].excluded.size() == 1);
  CHECK(old.ops[0].excluded[0].reason == "gone in 7.3.");
  CHECK(old.kernel_conditions == 6);
  CHECK(old.kernel_condition_lines == 9);  // the method spans 4 lines, the others 1

  auto now = spec::load_string(yaml, "t.yaml", spec::KernelVersion::parse("7.3.4"));
  REQUIRE(now.types[0].fields.size() == 1);
  CHECK(now.types[0].fields[0].get == "is_internal");
  REQUIRE(now.types[0].methods.size() == 1);
  CHECK(now.types[0].methods[0].c == "d_reset");
  REQUIRE(now.ops[0].init.size() == 1);
  CHECK(now.ops[0].init[0] == std::pair<std::string, std::string>{"name", "T::NAME.new()"});
  CHECK(now.ops[0].callbacks.size() == 2);
  CHECK(now.ops[0].excluded.empty());
  CHECK(now.kernel_conditions == 6);

  // Without a version, conditions cannot be chosen; bad ranges are located.
  CHECK(load_error(yaml).find("t.yaml:10:59: error: this spec has items for some kernel versions only ('kernel: "
                              ">= 7.3'), and kgen was given no kernel version to choose them with") !=
        std::string::npos);
  auto bad = [&](const std::string& y) {
    try {
      spec::load_string(y, "t.yaml", spec::KernelVersion::parse("7.3.4"));
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  CHECK(bad(std::string(kMinimal) + "types:\n  - {rust: D, c: struct d, kernel: 7.3}\n")
            .find("t.yaml:7:36: error: a version range is comparisons like") != std::string::npos);
  CHECK(bad(std::string(kMinimal) + "types:\n  - {rust: D, c: struct d, kernel: [a]}\n")
            .find("a kernel version range must be a string") != std::string::npos);
  CHECK(bad(std::string(kMinimal) + "types:\n  - {rust: D, c: struct d, doc: {kernel: {\"< 7\": a}, x: b}}\n")
            .find("t.yaml:7:34: error: a 'kernel:' mapping of alternatives (RANGE: value lines) stands alone") !=
        std::string::npos);
  // The same Rust name twice is still an error when both are kept.
  CHECK(bad(std::string(kMinimal) +
            "types:\n  - rust: D\n    c: struct d\n    methods:\n      - {c: a, rust: x, kernel: \">= 7\"}\n"
            "      - {c: b, rust: x}\n")
            .find("'x'") != std::string::npos);
}
