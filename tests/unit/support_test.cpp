#include <catch2/catch.hpp>

#include <filesystem>

#include "tmpdir.hpp"
#include "support/diag.hpp"
#include "support/fs.hpp"
#include "support/text.hpp"

using namespace kgen;

TEST_CASE("text helpers", "[support]") {
  CHECK(text::to_camel("no_link") == "NoLink");
  CHECK(text::glob_match("MII_*", "MII_BMCR"));
  CHECK_FALSE(text::glob_match("MII_*", "BMCR_RESET"));
  CHECK(text::glob_match("*_RESET", "BMCR_RESET"));
  CHECK(text::split("a,b,,c", ',').size() == 4);
  CHECK(text::content_hash("a") != text::content_hash("b"));
  CHECK(text::content_hash("abc") == text::content_hash("abc"));
  CHECK(text::find_word("rq_pos(rq)", "rq") == 7);  // not inside rq_pos
  CHECK(text::find_word("let (a, b) = x;", "b", 5) == 8);
  CHECK_FALSE(text::has_word("arg10", "arg1"));
  CHECK(text::has_word("*arg1", "arg1"));
}

TEST_CASE("write_if_changed leaves unchanged files alone", "[support]") {
  auto p = test::tmp_dir("wic") / "f.txt";
  std::filesystem::remove_all(p.parent_path());
  CHECK(fs::write_if_changed(p, "one"));
  auto t0 = std::filesystem::last_write_time(p);
  CHECK_FALSE(fs::write_if_changed(p, "one"));
  CHECK(std::filesystem::last_write_time(p) == t0);
  CHECK(fs::write_if_changed(p, "two"));
  CHECK(*fs::read_file(p) == "two");
  // No temporary file is left behind.
  size_t n = 0;
  for ([[maybe_unused]] auto& e : std::filesystem::directory_iterator(p.parent_path())) ++n;
  CHECK(n == 1);
  std::filesystem::remove_all(p.parent_path());
}

TEST_CASE("diagnostics collect errors and render locations", "[support]") {
  Diagnostics d;
  d.warning({"a.yaml", 1, 2}, "w");
  CHECK_FALSE(d.has_errors());
  d.error({"a.yaml", 3, 4}, "bad", "fix it");
  CHECK_THROWS_WITH(d.throw_if_errors("x"), Catch::Contains("a.yaml:3:4: error: bad") && Catch::Contains("hint: fix it"));
}
