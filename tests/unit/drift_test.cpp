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

// One spec for two kernels: the newer one's callback is listed for it only;
// each generate writes its series' lock section, check compares with the
// tree's own section (silent) or, with --against, with the older one.
TEST_CASE("a spec with kernel ranges locks and checks each kernel series", "[drift]") {
  stdfs::path c = stdfs::path(KGEN_SOURCE_DIR) / "tests" / "drift" / "callback-added";
  stdfs::path tmp = test::tmp_dir("drift-versions");
  stdfs::remove_all(tmp);
  stdfs::create_directories(tmp);
  std::string spec = fs::read_file_or_throw(c / "spec.yaml");
  const std::string anchor = "      stop: {}\n";
  REQUIRE(spec.find(anchor) != std::string::npos);
  spec.replace(spec.find(anchor), anchor.size(), anchor + "      suspend: {kernel: \">= 7.3\", args: {how: u32}}\n");
  fs::write_if_changed(tmp / "spec.yaml", spec);

  auto generate = [&](const char* dir, const char* version) {
    driver::GenerateOptions g;
    g.spec_path = (tmp / "spec.yaml").string();
    g.extra_flags = {"-I" + (c / dir).string()};
    g.kernel_version = version;
    g.out_dir = (tmp / "out").string();
    g.overlay_dir = (tmp / "overlay").string();
    g.write_lock = true;
    return driver::generate(g);
  };
  auto check = [&](const char* dir, const char* version, const char* against) {
    driver::CheckOptions o;
    o.spec_path = (tmp / "spec.yaml").string();
    o.extra_flags = {"-I" + (c / dir).string()};
    o.kernel_version = version;
    o.against = against;
    return driver::check(o);
  };
  CHECK(generate("old", "6.12.1").callbacks_wired == 2);
  auto rep = generate("new", "7.3.4");
  CHECK(rep.callbacks_wired == 3);
  CHECK(rep.kernel_conditions == 1);
  std::string lock = fs::read_file_or_throw(tmp / "spec.lock");
  CHECK(lock.find("\nlinux 6.12.1\n") != std::string::npos);
  CHECK(lock.find("\nlinux 7.3.4\n") != std::string::npos);
  CHECK(lock.find("callback gadget_ops.suspend") != std::string::npos);  // in 7.3's section only
  CHECK(lock.find("callback gadget_ops.suspend") > lock.find("\nlinux 7.3.4\n"));

  CHECK(check("new", "7.3.4", "").report.text.empty());   // its own section: no drift
  CHECK(check("old", "6.12.1", "").report.text.empty());
  auto since = check("new", "7.3.4", "6.12");
  CHECK(since.report.text.find("added callback gadget_ops.suspend") != std::string::npos);
  CHECK(since.report.text.find("Linux 6.12.1 (lock) -> Linux 7.3.4") != std::string::npos);
  CHECK_THROWS_WITH(check("new", "7.3.4", "6.1"), Catch::Contains("--against 6.1: the lock has no section"));
  stdfs::remove_all(tmp);
}
