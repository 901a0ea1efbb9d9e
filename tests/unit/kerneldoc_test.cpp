#include <catch2/catch.hpp>

#include "model/kerneldoc.hpp"

using namespace kgen::model;

TEST_CASE("kernel-doc of a function", "[kerneldoc]") {
  auto d = parse_kerneldoc(
      "/**\n * genphy_soft_reset - software reset the PHY via BMCR_RESET bit\n * @phydev: target phy_device struct\n"
      " *\n * Description: Perform a software PHY reset using the standard\n * BMCR_RESET bit.\n *\n"
      " * Returns: 0 on success, < 0 on failure\n * Context: may sleep.\n */");
  CHECK(d.name == "genphy_soft_reset");
  CHECK(d.summary == "software reset the PHY via BMCR_RESET bit");
  REQUIRE(d.params.size() == 1);
  CHECK(d.params[0].first == "phydev");
  REQUIRE(d.body.size() == 1);
  CHECK(d.body[0] == "Perform a software PHY reset using the standard BMCR_RESET bit.");
  CHECK(d.returns == "0 on success, < 0 on failure");
  CHECK(d.context == "may sleep.");
}

TEST_CASE("kernel-doc of a struct member", "[kerneldoc]") {
  auto d = parse_kerneldoc("/** @soft_reset: Called to issue a PHY software reset */");
  CHECK(d.summary == "Called to issue a PHY software reset");
  auto p = rustdoc_paragraphs(d);
  REQUIRE(p.size() == 1);
  CHECK(p[0] == "Called to issue a PHY software reset.");
}

TEST_CASE("kernel-doc markup becomes rustdoc-safe Markdown", "[kerneldoc]") {
  CHECK(to_markdown("returns %NULL or @phydev") == "returns `NULL` or `phydev`");
  CHECK(to_markdown("see &struct phy_device") == "see struct phy_device");
  CHECK(to_markdown("a [x] <y>") == "a \\[x\\] \\<y>");
  CHECK(to_markdown("returns < 0 on failure") == "returns < 0 on failure");
  CHECK(to_markdown("ptr->field") == "ptr->field");
}

TEST_CASE("scanning a .c file finds documented functions", "[kerneldoc]") {
  auto m = scan_kerneldoc("/* no */\n/**\n * foo() - does foo\n */\nint foo(void);\n/**\n * bar - does bar\n */\n");
  CHECK(m.size() == 2);
  CHECK(m["foo"].summary == "does foo");
}
