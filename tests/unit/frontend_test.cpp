#include <catch2/catch.hpp>

#include <filesystem>

#include "tmpdir.hpp"
#include "frontend/frontend.hpp"
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
