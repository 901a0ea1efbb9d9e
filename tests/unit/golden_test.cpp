// Golden tests: each tests/golden/<case>/ holds a header written for the
// test, a spec.yaml, and expected/ (the generated out/ and overlay files).
// KGEN_BLESS=1 rewrites expected/ instead of comparing; review with git diff.
// The Rust is compared as kgen ships it, formatted by rustfmt: the toolchain
// root's (scripts/tools/rustfmt, made by scripts/setup.sh), or $KGEN_RUSTFMT.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <map>

#include "tmpdir.hpp"
#include "driver/generate.hpp"
#include "support/fs.hpp"

namespace stdfs = std::filesystem;
using namespace kgen;

static std::map<std::string, std::string> tree_files(const stdfs::path& dir) {
  std::map<std::string, std::string> out;
  if (!stdfs::exists(dir)) return out;
  for (const auto& e : stdfs::recursive_directory_iterator(dir))
    if (e.is_regular_file()) out[stdfs::relative(e.path(), dir).string()] = *fs::read_file(e.path());
  return out;
}

// The rustfmt the golden outputs are formatted with; fails the test (with
// what to do) when there is none.
static std::string golden_rustfmt() {
  const char* env = std::getenv("KGEN_RUSTFMT");
  std::string prog = env && *env ? env : std::string(KGEN_SOURCE_DIR) + "/scripts/tools/rustfmt";
  static int status = std::system((prog + " --version >/dev/null 2>&1").c_str());
  INFO("golden tests compare rustfmt-formatted Rust, and '" << prog << " --version' failed; run "
       "scripts/setup.sh (it makes the toolchain root) or set KGEN_RUSTFMT to a rustfmt");
  REQUIRE(status == 0);
  return prog;
}

TEST_CASE("golden outputs match tests/golden/*/expected", "[golden]") {
  stdfs::path root = stdfs::path(KGEN_SOURCE_DIR) / "tests" / "golden";
  bool bless = std::getenv("KGEN_BLESS") && std::string(std::getenv("KGEN_BLESS")) == "1";
  const std::string rustfmt = golden_rustfmt();
  size_t cases = 0;
  for (const auto& c : stdfs::directory_iterator(root)) {
    if (!stdfs::exists(c.path() / "spec.yaml")) continue;
    ++cases;
    SECTION(c.path().filename().string()) {
      stdfs::path tmp = test::tmp_dir("golden-" + c.path().filename().string());
      stdfs::remove_all(tmp);
      driver::GenerateOptions o;
      o.spec_path = (c.path() / "spec.yaml").string();
      o.extra_flags = {"-I" + c.path().string()};
      o.kernel_version = "golden";
      o.out_dir = (tmp / "out").string();
      o.overlay_dir = (tmp / "overlay").string();
      o.rustfmt = rustfmt;
      driver::generate(o);
      auto got = tree_files(tmp);
      stdfs::path exp_dir = c.path() / "expected";
      if (bless) {
        stdfs::remove_all(exp_dir);
        for (const auto& [rel, text] : got) fs::write_if_changed(exp_dir / rel, text);
        WARN("blessed " << got.size() << " files in " << exp_dir.string());
      }
      auto want = tree_files(exp_dir);
      REQUIRE(!want.empty());
      for (const auto& [rel, text] : want) {
        INFO("expected file " << rel);
        REQUIRE(got.count(rel) == 1);
        CHECK(got[rel] == text);
      }
      for (const auto& [rel, text] : got) {
        INFO("unexpected generated file " << rel << " (run with KGEN_BLESS=1 and review)");
        CHECK(want.count(rel) == 1);
      }
      // Determinism: a second run rewrites nothing.
      auto rep = driver::generate(o);
      CHECK(rep.files_written == 0);
      stdfs::remove_all(tmp);
    }
  }
  CHECK(cases > 0);
}
