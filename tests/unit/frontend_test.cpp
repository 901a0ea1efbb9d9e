#include <catch2/catch.hpp>

#include <filesystem>

#include "tmpdir.hpp"
#include "frontend/frontend.hpp"
#include "model/macro_eval.hpp"
#include "passes/plan.hpp"
#include "support/fs.hpp"

using namespace kgen;
namespace stdfs = std::filesystem;

static model::CModel parse_text(const std::string& header, frontend::ParseOptions* out_opts = nullptr) {
  auto dir = test::tmp_dir("frontend");
  stdfs::create_directories(dir);
  fs::write_if_changed(dir / "t.h", header);
  frontend::ParseOptions o;
  o.headers = {"t.h"};
  o.flags = {"-I" + dir.string()};
  if (out_opts) *out_opts = o;
  return frontend::parse(o);
}

TEST_CASE("the frontend sees static inlines, macros, ops structs, enums and must_check", "[frontend]") {
  frontend::ParseOptions o;
  auto m = parse_text(
      "typedef unsigned short u16;\n#define A 0x10\n#define B (A << 2)\n#define F(x) ((x) + 1)\n"
      "enum e { E0, E1 = 5 };\n"
      "struct ops {\n/** @go: go */\nint (*go)(struct ops *o, u16 v); unsigned bit:1; };\n"
      "/**\n * f - does f\n */\nstatic inline int f(int x) { return x; }\n"
      "__attribute__((warn_unused_result)) int g(void);\n",
      &o);
  REQUIRE(m.function("f"));
  CHECK(m.function("f")->is_static_inline);
  CHECK(m.function("f")->doc.find("does f") != std::string::npos);
  REQUIRE(m.function("g"));
  CHECK(m.function("g")->warn_unused_result);
  CHECK_FALSE(m.function("g")->is_static_inline);
  REQUIRE(m.macro("F"));
  CHECK(m.macro("F")->function_like);
  CHECK(m.macro("F")->params == std::vector<std::string>{"x"});
  REQUIRE(m.enumeration("e"));
  CHECK(m.enumeration("e")->constants[1].value == 5);
  const model::CRecord* r = m.record("ops");
  REQUIRE(r);
  REQUIRE(r->fields.size() == 2);
  CHECK(r->fields[0].type.is_function_pointer());
  CHECK(r->fields[0].type.pointee->params[1].name == "v");
  CHECK(r->fields[0].type.pointee->params[1].type.typedef_name == "u16");
  CHECK(r->fields[0].doc.find("@go") != std::string::npos);
  CHECK(r->fields[1].bit_width == 1);
  frontend::evaluate_macros(m, o, {"A", "B", "F"});
  REQUIRE(m.macro("B")->value);
  CHECK(m.macro("B")->value->value == 0x40);
  CHECK_FALSE(m.macro("F")->value);
}

TEST_CASE("a header that does not parse is an error with its location", "[frontend]") {
  CHECK_THROWS_WITH(parse_text("struct x { int a }\n"),
                    Catch::Contains("t.h:1:") && Catch::Contains("header does not parse"));
}

TEST_CASE("struct members under CONFIG_ conditions carry a Rust cfg", "[frontend]") {
  auto m = parse_text(
      "#define CONFIG_ON 1\n"
      "struct ops {\n"
      "  void (*always)(void);\n"
      "#ifdef CONFIG_ON\n"
      "  void (*debug)(void);\n"
      "#if defined(CONFIG_ON) /* nested */\n"
      "  void (*nested)(void);\n"
      "#endif\n"
      "#else\n"
      "  void (*other)(void);\n"
      "#endif\n"
      "#ifndef CONFIG_OFF\n"
      "  void (*not_off)(void);\n"
      "#endif\n"
      "#if 2 > 1\n"
      "  void (*by_value)(void);\n"
      "#endif\n"
      "};\n");
  const model::CRecord* r = m.record("ops");
  REQUIRE(r);
  CHECK(r->field("always")->cfg.empty());
  CHECK(r->field("debug")->cfg == "CONFIG_ON");
  CHECK(r->field("nested")->cfg == "all(CONFIG_ON, CONFIG_ON)");
  CHECK(r->field("other") == nullptr);  // the #else branch is not compiled
  CHECK(r->field("not_off")->cfg == "not(CONFIG_OFF)");
  CHECK(r->field("by_value")->cfg.empty());  // conditions on values are not mapped
}

TEST_CASE("macros evaluated from their tokens agree with libclang, value and type", "[frontend]") {
  // Each line one macro; the built-in evaluator must give what libclang
  // gives, or nothing (then libclang is asked).
  std::vector<std::string> bodies = {
      "0", "1", "0x7fffffff", "0x80000000", "2147483648", "0xffffffffffffffff", "1u", "1UL", "1ull", "07", "0x00010000",
      "(1 << 31)", "(1u << 31)", "(1UL << 63)", "-1", "(-1)", "~0", "~0u", "~0UL", "(unsigned char)300",
      "((u8)0x1ff)", "((__force u8) 9)", "((__force s16)-3)", "((u32)-1)", "(A | B)", "(A_OR_B << 2)",
      "(BIT(3))", "(sizeof(int))", "(E1 + 1)", "(1 << 40)", "(1 / 0)", "(2147483647 + 1)", "(1 ? 2 : 3u)",
      "(A > B)", "!A", "(10 % 3)", "(-7 / 2)", "(5 - 9u)", "((unsigned long)1 << 40)", "('a')", "1.5",
      "(0x10 & 0x30) ^ 0x01", "((u8)1 | (u8)2)", "(long)-1 >> 1", "(1 && 0) || 3", "((u16)0xffff + 1)",
  };
  std::string header =
      "typedef unsigned char u8; typedef unsigned short u16; typedef unsigned int u32; typedef short s16;\n"
      "#define __force\n#define BIT(n) (1UL << (n))\nenum { E0, E1 };\n#define A 0x10\n#define B 0x20\n"
      "#define A_OR_B A | B\n";
  std::vector<std::string> names;
  for (size_t i = 0; i < bodies.size(); ++i) {
    names.push_back("M" + std::to_string(i));
    header += "#define " + names.back() + " " + bodies[i] + "\n";
  }
  frontend::ParseOptions o;
  auto ours = parse_text(header, &o);
  auto theirs = parse_text(header);  // a model of its own (copies of a model share its entities)
  frontend::evaluate_macros(theirs, o, names, /*libclang_only=*/true);
  size_t built_in = 0;
  for (size_t i = 0; i < names.size(); ++i) {
    INFO(names[i] << " = " << bodies[i]);
    auto v = model::evaluate_macro(ours, names[i]);
    const auto& want = theirs.macro(names[i])->value;
    if (!v) continue;
    ++built_in;
    REQUIRE(want);
    CHECK(v->value == want->value);
    CHECK(v->bits == want->bits);
    CHECK(v->is_unsigned == want->is_unsigned);
    CHECK(v->is_signed_type == want->is_signed_type);
  }
  // Most are evaluated without libclang; these are left to it (a
  // function-like macro, sizeof, an enumerator, signed overflow, a shift
  // past the width, division by zero, a character, a float).
  CHECK(built_in == bodies.size() - 9);
  for (const char* n : {"M11", "M26", "M27", "M28", "M29", "M30", "M31", "M39", "M40"}) {
    INFO(n);
    CHECK_FALSE(model::evaluate_macro(ours, n));
  }
  // The usual path gives every value libclang gives.
  frontend::evaluate_macros(ours, o, names);
  for (const auto& n : names) {
    INFO(n);
    CHECK(ours.macro(n)->value.has_value() == theirs.macro(n)->value.has_value());
    if (ours.macro(n)->value) CHECK(ours.macro(n)->value->value == theirs.macro(n)->value->value);
  }
}
