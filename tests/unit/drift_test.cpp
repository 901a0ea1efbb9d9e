// Drift golden tests: each tests/drift/<case>/ holds old/ and new/ versions
// of a header, a spec, the lock that generating against old/ writes
// (expected.lock) and what `kgen check` reports against new/ (expected.txt,
// ending with the exit status). KGEN_BLESS=1 rewrites both; review with git diff.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>

#include "tmpdir.hpp"
#include "driver/check.hpp"
#include "driver/generate.hpp"
#include "support/fs.hpp"
#include "support/text.hpp"

namespace stdfs = std::filesystem;
using namespace kgen;

TEST_CASE("drift reports match tests/drift/*/expected.txt", "[drift][golden]") {
  stdfs::path root = stdfs::path(KGEN_SOURCE_DIR) / "tests" / "drift";
  bool bless = std::getenv("KGEN_BLESS") && std::string(std::getenv("KGEN_BLESS")) == "1";
  size_t cases = 0;
  for (const auto& c : stdfs::directory_iterator(root)) {
    if (!stdfs::exists(c.path() / "spec.yaml")) continue;
    ++cases;
    SECTION(c.path().filename().string()) {
      stdfs::path tmp = test::tmp_dir("drift-" + c.path().filename().string());
      stdfs::remove_all(tmp);
      stdfs::create_directories(tmp);
      stdfs::copy_file(c.path() / "spec.yaml", tmp / "spec.yaml");

      driver::GenerateOptions g;
      g.spec_path = (tmp / "spec.yaml").string();
      g.extra_flags = {"-I" + (c.path() / "old").string()};
      g.kernel_version = "old";
      g.out_dir = (tmp / "out").string();
      g.overlay_dir = (tmp / "overlay").string();
      g.write_lock = true;
      driver::generate(g);
      std::string lock = fs::read_file_or_throw(tmp / "spec.lock");

      driver::CheckOptions o;
      o.spec_path = g.spec_path;
      o.extra_flags = {"-I" + (c.path() / "new").string()};
      o.kernel_version = "new";
      auto r = driver::check(o);
      std::string report = r.report.text + "exit status: " + std::to_string(r.status) + "\n";
      report = text::replace_all(report, tmp.string() + "/", "");
      report = text::replace_all(report, c.path().string() + "/", "");

      if (bless) {
        fs::write_if_changed(c.path() / "expected.lock", lock);
        fs::write_if_changed(c.path() / "expected.txt", report);
        WARN("blessed " << c.path().string());
      }
      CHECK(lock == fs::read_file_or_throw(c.path() / "expected.lock"));
      CHECK(report == fs::read_file_or_throw(c.path() / "expected.txt"));
      // The exit status follows the rule: 2 on a breaking drift, else 0 (1 is an error).
      CHECK(r.status == (r.report.breaking ? 2 : 0));
      stdfs::remove_all(tmp);
    }
  }
  CHECK(cases >= 6);
}
