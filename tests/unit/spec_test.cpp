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
