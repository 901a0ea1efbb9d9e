#include <catch2/catch.hpp>

#include <filesystem>
#include <random>

#include "frontend/comments.hpp"
#include "frontend/frontend.hpp"
#include "model/kerneldoc.hpp"
#include "support/fs.hpp"
#include "support/text.hpp"

using namespace kgen;
namespace stdfs = std::filesystem;

namespace {

std::string doc_of(const std::string& header, size_t line) {
  return frontend::define_comment(text::split(header, '\n'), line);
}

stdfs::path unique_dir() {
  std::random_device rd;
  auto dir = stdfs::temp_directory_path() / ("kgen-test-comments-" + std::to_string(rd()) + std::to_string(rd()));
  stdfs::create_directories(dir);
  return dir;
}

}  // namespace

// Lines of include/uapi/linux/mii.h (6.12), as they are in the file.
const char* kMii = R"(/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * linux/mii.h: definitions for MII-compatible transceivers
 * Originally drivers/net/sunhme.h.
 *
 * Copyright (C) 1996, 1999, 2001 David S. Miller (davem@redhat.com)
 */

#ifndef _UAPI__LINUX_MII_H__
#define _UAPI__LINUX_MII_H__

#include <linux/types.h>
#include <linux/ethtool.h>

/* Generic MII registers. */
#define MII_BMCR		0x00	/* Basic mode control register */
#define MII_BMSR		0x01	/* Basic mode status register  */

/* Basic mode control register. */
#define BMCR_RESV		0x003f	/* Unused...                   */
#define BMCR_SPEED1000		0x0040	/* MSB of Speed (1000)         */
#define BMCR_ISOLATE		0x0400	/* Isolate data paths from MII */
#define BMCR_RESET		0x8000	/* Reset to default state      */
)";

TEST_CASE("define_comment: the comment after the value (mii.h)", "[comments]") {
  CHECK(doc_of(kMii, 16) == "Basic mode control register");
  CHECK(doc_of(kMii, 17) == "Basic mode status register");
  CHECK(doc_of(kMii, 20) == "Unused...");
  CHECK(doc_of(kMii, 21) == "MSB of Speed (1000)");
  CHECK(doc_of(kMii, 22) == "Isolate data paths from MII");
  CHECK(doc_of(kMii, 23) == "Reset to default state");
  // The include guard: the line above is code, not a comment.
  CHECK(doc_of(kMii, 10).empty());
}

// Lines of include/linux/phy.h (6.12).
const char* kPhy = R"(/*
 * Set phydev->irq to PHY_POLL if interrupts are not supported,
 * or not desired for this PHY.  Set to PHY_MAC_INTERRUPT if
 * the attached MAC driver handles the interrupt
 */
#define PHY_POLL		-1
#define PHY_MAC_INTERRUPT	-2

#define PHY_IS_INTERNAL		0x00000001
#define PHY_RST_AFTER_CLK_EN	0x00000002

/* Used when trying to connect to a specific phy (mii bus id:phy device id) */
#define PHY_ID_FMT "%s:%02x"
#define PHY_X "a /* not a comment */" // but this is
#define PHY_FEATURES (BIT(1) | \
		      BIT(2)) /* two
				 lines */
#define PHY_NOT_TRAILING /* x */ 5
// line one
// line two
#define PHY_SLASHES 1
#define PHY_AFTER_CODE 2
)";

TEST_CASE("define_comment: the block directly above, and what is not a doc", "[comments]") {
  CHECK(doc_of(kPhy, 6) ==
        "Set phydev->irq to PHY_POLL if interrupts are not supported,\nor not desired for this PHY.  Set to "
        "PHY_MAC_INTERRUPT if\nthe attached MAC driver handles the interrupt");
  CHECK(doc_of(kPhy, 7).empty());   // a #define above, not a comment
  CHECK(doc_of(kPhy, 9).empty());   // a blank line above
  CHECK(doc_of(kPhy, 13) == "Used when trying to connect to a specific phy (mii bus id:phy device id)");
  CHECK(doc_of(kPhy, 14) == "but this is");  // "/*" in a string literal is not a comment
  CHECK(doc_of(kPhy, 15) == "two\nlines");
  CHECK(doc_of(kPhy, 18).empty());  // a comment inside the value
  CHECK(doc_of(kPhy, 21) == "line one\nline two");
  CHECK(doc_of(kPhy, 22).empty());  // the line above is code
  CHECK(doc_of(kPhy, 99).empty());
}

TEST_CASE("the frontend fills CMacro::doc, and its rustdoc is the header's words", "[comments][frontend]") {
  auto dir = unique_dir();
  fs::write_if_changed(dir / "t.h",
                       "/* Reset bits. */\n#define BMCR_RESET\t\t0x8000\t/* Reset to default state      */\n"
                       "#define BMCR_NONE 0\n/**\n * BMCR_CTST - collision test\n */\n#define BMCR_CTST 0x0080\n");
  frontend::ParseOptions o;
  o.headers = {"t.h"};
  o.flags = {"-I" + dir.string()};
  auto m = frontend::parse(o);
  REQUIRE(m.macro("BMCR_RESET"));
  CHECK(m.macro("BMCR_RESET")->doc == "Reset to default state");
  CHECK(m.macro("BMCR_NONE")->doc.empty());
  CHECK(m.macro("BMCR_CTST")->doc == "BMCR_CTST - collision test");
  auto rd = [&](const char* n) {
    return model::rustdoc_lines(model::parse_comment_text(m.macro(n)->doc), model::DocContext{}, 92);
  };
  CHECK(rd("BMCR_RESET") == std::vector<std::string>{"Reset to default state."});
  CHECK(rd("BMCR_CTST") == std::vector<std::string>{"Collision test."});
  stdfs::remove_all(dir);
}
