// Fast regeneration: a no-op run skips the parse, anything changed
// regenerates; several specs share one parse and still get what they would
// alone.
#include <catch2/catch.hpp>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <set>

#include "driver/generate.hpp"
#include "driver/regen_cache.hpp"
#include "frontend/frontend.hpp"
#include "support/fs.hpp"
#include "support/text.hpp"

namespace stdfs = std::filesystem;
using namespace kgen;

namespace {

stdfs::path source(const std::string& rel) { return stdfs::path(KGEN_SOURCE_DIR) / rel; }

std::map<std::string, std::string> tree_files(const stdfs::path& dir) {
  std::map<std::string, std::string> out;
  if (!stdfs::exists(dir)) return out;
  for (const auto& e : stdfs::recursive_directory_iterator(dir))
    if (e.is_regular_file() && e.path().filename() != ".kgen-cache")
      out[stdfs::relative(e.path(), dir).string()] = *fs::read_file(e.path());
  return out;
}

// A scratch copy of the golden widget case and the drift tests' gadget.
stdfs::path scratch(const std::string& name) {
  std::string t = (stdfs::temp_directory_path() / (name + "-XXXXXX")).string();
  REQUIRE(::mkdtemp(t.data()));  // a directory of its own
  stdfs::path d = t;
  stdfs::copy_file(source("tests/golden/basic/spec.yaml"), d / "widget.yaml");
  stdfs::copy_file(source("tests/golden/basic/widget.h"), d / "widget.h");
  stdfs::copy_file(source("tests/drift/no-drift/spec.yaml"), d / "gadget.yaml");
  stdfs::copy_file(source("tests/drift/no-drift/old/gadget.h"), d / "gadget.h");
  return d;
}

driver::GenerateOptions options(const stdfs::path& d, const std::string& out) {
  driver::GenerateOptions g;
  g.extra_flags = {"-I" + d.string()};
  g.kernel_version = "test";
  g.out_dir = (d / out / "out").string();
  g.overlay_dir = (d / out / "overlay").string();
  g.use_cache = true;
  g.write_lock = true;
  return g;
}

}  // namespace

TEST_CASE("the regeneration cache's text round-trips", "[regen]") {
  driver::RegenCache c;
  c.key = "k";
  c.inputs["/a b/x.h"] = "h1";
  c.stamps["/a b/x.h"] = "12:345";
  c.outputs["/o/y.rs"] = "h2";
  c.report.spec_name = "s";
  c.report.callbacks_total = 3;
  c.warnings = {"x.yaml:1:2: warning: two\nlines"};
  auto back = driver::parse_cache(driver::render_cache(c));
  REQUIRE(back);
  CHECK(back->inputs == c.inputs);
  CHECK(back->stamps == c.stamps);
  CHECK(back->outputs == c.outputs);
  CHECK(back->report.callbacks_total == 3);
  CHECK(back->warnings == c.warnings);
  CHECK_FALSE(driver::parse_cache("kgen-regen-cache 0\n"));
  CHECK_FALSE(driver::program_build_id().empty());
}

TEST_CASE("an input whose size and mtime are the recorded ones is not read again", "[regen]") {
  auto d = scratch("kgen-test-stamp");
  stdfs::path h = d / "x.h", o = d / "y.rs";
  fs::write_if_changed(h, "int x;\n");
  fs::write_if_changed(o, "out\n");
  driver::RegenCache c;
  c.key = "k";
  c.inputs[h.string()] = driver::hash_file(h.string());
  c.stamps[h.string()] = driver::file_stamp(h.string());
  c.outputs[o.string()] = driver::hash_file(o.string());
  CHECK(driver::cache_fresh(c, "k"));
  // Same stamp, other recorded hash: trusted by its stamp, not read.
  c.inputs[h.string()] = "not-the-hash";
  CHECK(driver::cache_fresh(c, "k"));
  // No stamp ("-", as for a file modified while kgen ran): hashed.
  c.stamps[h.string()] = "-";
  CHECK_FALSE(driver::cache_fresh(c, "k"));
  // A file newer than the limit gets no stamp.
  CHECK(driver::file_stamp(h.string(), 0) == "-");
  CHECK(driver::file_stamp((d / "missing").string()) == "-");
  stdfs::remove_all(d);
}

TEST_CASE("a no-op generate skips the parse; any change regenerates", "[regen]") {
  auto d = scratch("kgen-test-regen");
  auto g = options(d, "a");
  g.spec_path = (d / "widget.yaml").string();
  auto r1 = driver::generate(g);
  CHECK_FALSE(r1.skipped);
  CHECK(stdfs::exists(d / "widget.lock"));
  auto r2 = driver::generate(g);
  CHECK(r2.skipped);
  CHECK(r2.files_written == 0);
  CHECK(r2.files_unchanged == r1.files_written + r1.files_unchanged);
  CHECK(r2.text() == r1.text());  // the figures are replayed

  // A header the parse read changed: regenerate (the output is the same here).
  fs::write_if_changed(d / "widget.h", *fs::read_file(d / "widget.h") + "/* edited */\n");
  auto r3 = driver::generate(g);
  CHECK_FALSE(r3.skipped);
  CHECK(r3.files_written == 0);
  CHECK(driver::generate(g).skipped);

  // An output edited by hand is noticed and rewritten.
  stdfs::path rs = stdfs::path(g.overlay_dir) / "rust" / "kernel" / "widget.rs";
  std::string good = *fs::read_file(rs);
  fs::write_if_changed(rs, good + "// hand edit\n");
  auto r4 = driver::generate(g);
  CHECK_FALSE(r4.skipped);
  CHECK(*fs::read_file(rs) == good);

  // Other options are another key.
  g.kernel_version = "other";
  CHECK_FALSE(driver::generate(g).skipped);
  g.use_cache = false;
  CHECK_FALSE(driver::generate(g).skipped);
  stdfs::remove_all(d);
}

TEST_CASE("a no-op that had to hash files stamps them, and the next one only stat's them", "[regen]") {
  auto d = scratch("kgen-test-restamp");
  auto g = options(d, "a");
  g.spec_path = (d / "widget.yaml").string();
  driver::generate(g);
  stdfs::path cache = stdfs::path(g.out_dir) / "widget/.kgen-cache";
  // Everything was just written: too recent for a stamp (racily clean).
  auto outs_without_stamp = [&] {
    size_t n = 0;
    for (const auto& l : text::split_lines(*fs::read_file(cache)))
      if (text::starts_with(l, "out ") && text::split(l, ' ')[2] == "-") ++n;
    return n;
  };
  CHECK(outs_without_stamp() > 0);
  // Ten seconds later (mtimes moved back): the no-op hashes, then stamps.
  for (const auto& e : stdfs::recursive_directory_iterator(d))
    if (e.is_regular_file() && e.path().filename() != ".kgen-cache")
      stdfs::last_write_time(e.path(), stdfs::last_write_time(e.path()) - std::chrono::seconds(10));
  CHECK(driver::generate(g).skipped);
  CHECK(outs_without_stamp() == 0);
  std::string stamped = *fs::read_file(cache);
  CHECK(driver::generate(g).skipped);
  CHECK(*fs::read_file(cache) == stamped);  // nothing more to stamp: not rewritten
  // A stamped output is trusted without reading: an edit that keeps its size
  // and modification time goes unseen, as for headers (and git, and make).
  stdfs::path rs = stdfs::path(g.overlay_dir) / "rust" / "kernel" / "widget.rs";
  std::string good = *fs::read_file(rs);
  auto when = stdfs::last_write_time(rs);
  std::string same_size = good;
  same_size[same_size.size() - 2] = same_size[same_size.size() - 2] == 'x' ? 'y' : 'x';
  fs::write_if_changed(rs, same_size);
  stdfs::last_write_time(rs, when);
  CHECK(driver::generate(g).skipped);
  // Any other edit is seen.
  fs::write_if_changed(rs, good + "// edited\n");
  CHECK_FALSE(driver::generate(g).skipped);
  CHECK(*fs::read_file(rs) == good);
  stdfs::remove_all(d);
}

TEST_CASE("specs generated together share one parse and get what they get alone", "[regen]") {
  auto d = scratch("kgen-test-shared");
  // gadget.h defines a macro that widget.yaml's glob (WIDGET_REG_*) would
  // match if widget saw the whole shared parse.
  fs::write_if_changed(d / "gadget.h", text::replace_all(*fs::read_file(d / "gadget.h"), "#define GADGET_F_FAST 0x1",
                                                         "#define GADGET_F_FAST 0x1\n#define WIDGET_REG_EXTRA 0x7"));
  auto alone = options(d, "alone");
  alone.write_lock = false;
  for (const char* s : {"widget.yaml", "gadget.yaml"}) {
    alone.spec_path = (d / s).string();
    driver::generate(alone);
  }
  auto both = options(d, "both");
  both.write_lock = false;
  auto reps = driver::generate_many(both, {(d / "widget.yaml").string(), (d / "gadget.yaml").string()});
  REQUIRE(reps.size() == 2);
  CHECK(reps[0].spec_name == "widget");
  CHECK(reps[1].spec_name == "gadget");
  auto a = tree_files(d / "alone"), b = tree_files(d / "both");
  REQUIRE(!a.empty());
  CHECK(a == b);
  CHECK(a.at("overlay/rust/kernel/widget.rs").find("WIDGET_REG_EXTRA") == std::string::npos);
  // The second run of both is a no-op for both.
  for (const auto& r : driver::generate_many(both, {(d / "widget.yaml").string(), (d / "gadget.yaml").string()}))
    CHECK(r.skipped);
  stdfs::remove_all(d);
}

TEST_CASE("specs generated together share one bindgen run, and each FFI file is its own part", "[regen]") {
  auto d = scratch("kgen-test-one-bindgen");
  // A bindgen that logs its runs and defines what it is asked to allowlist,
  // plus one item nobody asked for.
  fs::write_if_changed(d / "bindgen", R"(#!/bin/sh
echo run >> "$(dirname "$0")/runs"
out=
items="pub struct not_asked {}"
while [ $# -gt 0 ]; do
  case "$1" in
    -o) out=$2; shift ;;
    --allowlist-function) items="$items
extern \"C\" {
    pub fn $2();
}" ;;
    --allowlist-*) items="$items
pub struct $2 {}" ;;
    --) break ;;
  esac
  shift
done
printf '%s\n' "$items" > "$out"
)");
  stdfs::permissions(d / "bindgen", stdfs::perms::owner_all);
  auto both = options(d, "both");
  both.bindgen = (d / "bindgen").string();
  std::vector<std::string> specs = {(d / "widget.yaml").string(), (d / "gadget.yaml").string()};
  driver::generate_many(both, specs);
  auto runs = [&] { return text::split_lines(fs::read_file(d / "runs").value_or("")).size(); };
  CHECK(runs() == 1);
  auto files = tree_files(d / "both");
  std::string w = files.at("out/widget/bindings/bindings_generated.rs"), g = files.at("out/gadget/bindings/bindings_generated.rs");
  CHECK(w.find("pub fn widget_reset") != std::string::npos);
  CHECK(w.find("gadget") == std::string::npos);
  CHECK(g.find("widget") == std::string::npos);
  CHECK(w.find("not_asked") == std::string::npos);
  // A no-op runs nothing; one spec changed runs bindgen once, for it alone.
  driver::generate_many(both, specs);
  CHECK(runs() == 1);
  fs::write_if_changed(d / "gadget.yaml", *fs::read_file(d / "gadget.yaml") + "\n# edited\n");
  auto reps = driver::generate_many(both, specs);
  CHECK(reps[0].skipped);
  CHECK_FALSE(reps[1].skipped);
  CHECK(runs() == 2);
  CHECK(tree_files(d / "both").at("out/gadget/bindings/bindings_generated.rs") == g);
  // The headers of the run are part of each spec's key: widget alone is another run.
  both.spec_path = specs[0];
  CHECK_FALSE(driver::generate(both).skipped);
  stdfs::remove_all(d);
}

TEST_CASE("the parse records what it read, the include graph and what a header reaches", "[regen][frontend]") {
  auto d = scratch("kgen-test-inclusions");
  stdfs::remove_all(d);
  stdfs::create_directories(d / "sub");
  fs::write_if_changed(d / "sub" / "common.h", "#ifndef COMMON_H\n#define COMMON_H\nint common(void);\n#endif\n");
  fs::write_if_changed(d / "a.h", "#include \"sub/common.h\"\n#define A_ONLY 1\nint a_fn(void);\n");
  fs::write_if_changed(d / "b.h", "#include \"sub/common.h\"\nint b_fn(void);\n");
  fs::write_if_changed(d / "forced.h", "int forced_fn(void);\n");
  frontend::ParseOptions o;
  o.headers = {"a.h", "b.h"};
  o.flags = {"-I" + d.string(), "-include", (d / "forced.h").string()};
  auto m = frontend::parse(o);
  REQUIRE(m.header_files.count("a.h"));
  REQUIRE(m.header_files.count("b.h"));
  std::set<std::string> read;
  for (const auto& [name, path] : m.input_files) read.insert(stdfs::path(path).filename().string());
  CHECK(read == std::set<std::string>{"a.h", "b.h", "common.h", "forced.h"});
  // b.h's #include of common.h is in the graph although the guard skipped it.
  CHECK(m.includes.at(m.header_files.at("b.h")).size() == 1);

  auto only_b = model::restrict_to(m, {"b.h"});
  CHECK(only_b.function("b_fn"));
  CHECK(only_b.function("common"));
  CHECK(only_b.function("forced_fn"));  // -include reaches every header
  CHECK_FALSE(only_b.function("a_fn"));
  CHECK_FALSE(only_b.macro("A_ONLY"));
  CHECK(only_b.input_files.size() == 3);
  stdfs::remove_all(d);
}
