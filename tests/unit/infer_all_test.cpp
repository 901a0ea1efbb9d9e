// kgen infer --all: one tolerant parse of every header below the include
// directories, a draft per ops struct, a summary, the directory written whole.
#include <catch2/catch.hpp>

#include <filesystem>

#include "driver/infer.hpp"
#include "support/diag.hpp"
#include "support/fs.hpp"
#include "tmpdir.hpp"

using namespace kgen;
namespace stdfs = std::filesystem;

namespace {

const char* kOps = R"(#pragma once
struct gadget;
/**
 * struct gadget_ops - what a gadget driver does
 * @probe: binds the driver. Returns 0 or a negative errno.
 * @remove: unbinds it.
 * @count: the number of widgets, or a negative errno.
 * @read: fills @buf.
 */
struct gadget_ops {
	const char *name;
	int (*probe)(struct gadget *g);
	void (*remove)(struct gadget *g);
	int (*count)(struct gadget *g);
	int (*read)(struct gadget *g, void *buf);
};
struct plain { int a, b, c; };
)";

// A header that does not parse on its own: the struct in it still counts.
const char* kBroken = R"(#pragma once
struct broken_ops {
	int (*open)(struct missing *m);
	unknown_t (*close)(int x);
	long (*ioctl)(unsigned int cmd);
};
)";

}  // namespace

TEST_CASE("infer --all drafts every ops struct below the include directories", "[infer]") {
  auto inc = test::tmp_dir("infer-all/include");
  fs::write_if_changed(inc / "sub" / "gadget.h", kOps);
  fs::write_if_changed(inc / "broken.h", kBroken);
  auto out = test::tmp_dir("infer-all") / "drafts";

  driver::InferAllOptions o;
  o.include_dirs = {inc.string()};
  o.out_dir = out.string();
  auto rep = driver::infer_all(o);
  CHECK(rep.headers == 2);
  CHECK(rep.parse_errors > 0);
  CHECK(rep.drafts == 2);
  auto gadget = fs::read_file(out / "gadget_ops.yaml");
  REQUIRE(gadget);
  CHECK(gadget->find("headers: [\"sub/gadget.h\"]") != std::string::npos);
  CHECK(gadget->find("probe: {}") != std::string::npos);
  CHECK(gadget->find("read: \"`buf`") != std::string::npos);  // a buffer without a length: excluded
  CHECK_FALSE(stdfs::exists(out / "plain.yaml"));
  auto summary = fs::read_file(out / "summary.txt");
  REQUIRE(summary);
  // broken.h: clang drops the member whose type is unknown; the rest is drafted.
  auto broken = fs::read_file(out / "broken_ops.yaml");
  REQUIRE(broken);
  CHECK(broken->find("open: {}") != std::string::npos);
  CHECK(broken->find("ioctl:") != std::string::npos);
  CHECK(summary->find("kgen infer --all: 2 ops structs drafted, 6 callbacks, 0 skipped") == 0);
  CHECK(summary->find("excluded: 1") != std::string::npos);
  CHECK(summary->find("parse errors tolerated") != std::string::npos);

  SECTION("a second run replaces the earlier output as a whole") {
    fs::write_if_changed(out / "stale.yaml", "x");
    driver::infer_all(o);
    CHECK_FALSE(stdfs::exists(out / "stale.yaml"));
    CHECK(stdfs::exists(out / "gadget_ops.yaml"));
  }
  SECTION("a directory that holds something else is refused, untouched") {
    auto other = test::tmp_dir("infer-all/other");
    fs::write_if_changed(other / "mine.txt", "keep");
    o.out_dir = other.string();
    CHECK_THROWS_AS(driver::infer_all(o), Error);
    CHECK(*fs::read_file(other / "mine.txt") == "keep");
    for (const auto& e : stdfs::directory_iterator(other.parent_path()))  // no scratch left beside it
      CHECK(e.path().filename().string().find(".kgen-tmp-") == std::string::npos);
  }
}
