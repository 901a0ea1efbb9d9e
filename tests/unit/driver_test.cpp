#include <catch2/catch.hpp>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <map>

#include "driver/generate.hpp"
#include "driver/kernel_tree.hpp"
#include "driver/overlay.hpp"
#include "support/diag.hpp"
#include "support/fs.hpp"

using namespace kgen;
namespace stdfs = std::filesystem;

namespace {

struct TempDir {
  stdfs::path path;
  TempDir() {
    std::string t = (stdfs::temp_directory_path() / "kgen-test-driver-XXXXXX").string();
    REQUIRE(::mkdtemp(t.data()));
    path = t;
  }
  ~TempDir() {
    std::error_code ec;
    stdfs::remove_all(path, ec);
  }
};

// Makes every generated file differ from what kgen writes, so that the next
// generate rewrites them all (banners carry no version to change any more).
void dirty_outputs(const driver::GenerateOptions& g) {
  for (const auto& root : {g.out_dir, g.overlay_dir})
    for (const auto& e : stdfs::recursive_directory_iterator(root))
      if (e.is_regular_file() && e.path().filename().string()[0] != '.')
        fs::write_if_changed(e.path(), *fs::read_file(e.path()) + "// edited\n");
}

std::map<std::string, std::string> snapshot(const stdfs::path& dir) {
  std::map<std::string, std::string> out;
  if (!stdfs::exists(dir)) return out;
  for (const auto& e : stdfs::recursive_directory_iterator(dir)) {
    std::string rel = stdfs::relative(e.path(), dir).string();
    if (e.is_directory()) out[rel + "/"] = "";
    else out[rel] = fs::read_file(e.path()).value_or("<unreadable>");
  }
  return out;
}

// The golden widget case in d, generated once into d/out and d/overlay.
driver::GenerateOptions widget(const stdfs::path& d) {
  stdfs::copy_file(stdfs::path(KGEN_SOURCE_DIR) / "tests/golden/basic/spec.yaml", d / "widget.yaml");
  stdfs::copy_file(stdfs::path(KGEN_SOURCE_DIR) / "tests/golden/basic/widget.h", d / "widget.h");
  driver::GenerateOptions g;
  g.spec_path = (d / "widget.yaml").string();
  g.extra_flags = {"-I" + d.string()};
  g.kernel_version = "one";
  g.out_dir = (d / "out").string();
  g.overlay_dir = (d / "overlay").string();
  g.write_lock = true;
  g.use_cache = true;
  return g;
}

std::string script(const stdfs::path& d, const std::string& name, const std::string& body) {
  fs::write_if_changed(d / name, "#!/bin/sh\n" + body + "\n");
  stdfs::permissions(d / name, stdfs::perms::owner_all);
  return (d / name).string();
}

struct HookReset {
  ~HookReset() { fs::testing::before_rename = nullptr; }
};

}  // namespace

TEST_CASE("a saved Kbuild bindgen command splits into options and flags", "[driver]") {
  auto w = driver::shell_split(
      "bindgen rust/bindings/bindings_helper.h --opaque-type spinlock --no-debug '.*' -o out.rs -- -Wp,-MMD,x.d "
      "-nostdinc -I./include '-DKBUILD_MODNAME=\"x\"' -DMODULE ; sed -Ei 's/x/y/' out.rs");
  std::vector<std::string> opts, flags;
  driver::split_bindgen_command(w, opts, flags);
  CHECK(opts == std::vector<std::string>{"--opaque-type", "spinlock", "--no-debug", ".*"});
  CHECK(flags == std::vector<std::string>{"-nostdinc", "-I./include", "-DKBUILD_MODNAME=\"x\"", "-DMODULE"});
}

TEST_CASE("a saved command is a make variable: Kbuild's $(pound) and $$ are unescaped", "[driver]") {
  // 7.3's rust/bindgen_parameters, as its .bindings_generated.rs.cmd saves them.
  auto w = driver::shell_split(driver::make_unescape(
      "bindgen x.h --with-attribute-custom-enum=irqreturn='$(pound)[cfi_encoding=\"9irqreturn\"]' "
      "--blocklist-item 'a$(comma)b' -o o.rs -- -DX='$$y'"));
  std::vector<std::string> opts, flags;
  driver::split_bindgen_command(w, opts, flags);
  CHECK(opts == std::vector<std::string>{"--with-attribute-custom-enum=irqreturn=#[cfi_encoding=\"9irqreturn\"]",
                                         "--blocklist-item", "a,b"});
  CHECK(flags == std::vector<std::string>{"-DX=$y"});
  CHECK(driver::make_unescape("$(other) $") == "$(other) $");
}

TEST_CASE("an unconfigured tree is a clear error", "[driver]") {
  TempDir td;
  auto d = td.path / "t";
  stdfs::create_directories(d / "include" / "linux");
  fs::write_if_changed(d / "Makefile", "");
  CHECK_THROWS_WITH(driver::open_kernel_tree(d.string()), Catch::Contains("not configured"));
  fs::write_if_changed(d / ".config", "CONFIG_X=y\n");
  CHECK_THROWS_WITH(driver::open_kernel_tree(d.string()), Catch::Contains("CONFIG_RUST is not enabled"));
  CHECK_THROWS_WITH(driver::open_kernel_tree((d / "nope").string()), Catch::Contains("not a Linux source tree"));
  stdfs::remove_all(d);
}

TEST_CASE("install and uninstall are idempotent and restore the tree", "[driver]") {
  TempDir td;
  auto base = td.path;
  auto tree = base / "tree", ov = base / "overlay";
  fs::write_if_changed(tree / "Makefile", "");
  fs::write_if_changed(tree / "rust" / "helpers" / "helpers.c", "#include \"a.c\"\n#include \"b.c\"\n\nend\n");
  fs::write_if_changed(tree / "rust" / "kernel" / "x.rs", "original\n");
  fs::write_if_changed(ov / "rust" / "kernel" / "x.rs", "generated\n");
  fs::write_if_changed(ov / "rust" / "kernel" / "new.rs", "new\n");
  fs::write_if_changed(ov / "x.manifest", driver::render_manifest("x", {{driver::OverlayEntry::Kind::File, "rust/kernel/x.rs", ""},
                                                                        {driver::OverlayEntry::Kind::File, "rust/kernel/new.rs", ""},
                                                                        {driver::OverlayEntry::Kind::Line, "rust/helpers/helpers.c", "#include \"kgen_x.c\""}}));
  auto r1 = driver::install_overlay(ov.string(), tree.string());
  CHECK(r1.written == 3);
  CHECK(*fs::read_file(tree / "rust/kernel/x.rs") == "generated\n");
  CHECK(*fs::read_file(tree / "rust/helpers/helpers.c") == "#include \"a.c\"\n#include \"b.c\"\n#include \"kgen_x.c\"\n\nend\n");
  auto r2 = driver::install_overlay(ov.string(), tree.string());
  CHECK(r2.written == 0);
  CHECK(r2.unchanged == 3);
  auto u1 = driver::uninstall_overlay(tree.string());
  CHECK(u1.restored == 2);
  CHECK(u1.removed == 1);
  CHECK(*fs::read_file(tree / "rust/kernel/x.rs") == "original\n");
  CHECK_FALSE(stdfs::exists(tree / "rust/kernel/new.rs"));
  auto u2 = driver::uninstall_overlay(tree.string());
  CHECK(u2.restored + u2.removed == 0);
  stdfs::remove_all(base);
}

TEST_CASE("a generate that fails while writing leaves out/, the overlay and the lock as they were", "[driver]") {
  TempDir d;
  auto g = widget(d.path);
  driver::generate(g);
  dirty_outputs(g);  // every file is rewritten
  auto before = snapshot(d.path);
  HookReset reset;
  size_t renames = 0;
  fs::testing::before_rename = [&](size_t i, const stdfs::path&) {
    renames = i;
    if (i == 3) throw std::runtime_error("injected failure");
  };
  CHECK_THROWS_WITH(driver::generate(g), Catch::Contains("error: injected failure") &&
                                             Catch::Contains("rolled back: the 3 files already replaced have their previous content again"));
  CHECK(renames == 3);
  CHECK(snapshot(d.path) == before);
}

TEST_CASE("a generate killed half way is rolled back by the next run, which leaves no litter", "[driver]") {
  TempDir d;
  auto g = widget(d.path);
  driver::generate(g);
  dirty_outputs(g);
  auto before = snapshot(d.path);
  pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    fs::testing::before_rename = [](size_t i, const stdfs::path&) {
      if (i == 3) ::raise(SIGKILL);
    };
    try {
      driver::generate(g);
    } catch (...) {
    }
    _exit(0);
  }
  int st = 0;
  REQUIRE(waitpid(pid, &st, 0) == pid);
  REQUIRE(WIFSIGNALED(st));
  CHECK(snapshot(d.path) != before);
  // What the next run finds first: the killed run's journal, rolled back.
  auto msgs = fs::recover(g.out_dir);
  REQUIRE(msgs.size() == 1);
  CHECK(snapshot(d.path) == before);
  // And a full run after a kill ends with the new output and nothing else.
  pid = fork();
  if (pid == 0) {
    fs::testing::before_rename = [](size_t i, const stdfs::path&) {
      if (i == 2) ::raise(SIGKILL);
    };
    try {
      driver::generate(g);
    } catch (...) {
    }
    _exit(0);
  }
  REQUIRE(waitpid(pid, &st, 0) == pid);
  driver::generate(g);
  auto now = snapshot(d.path);
  CHECK(now.size() == before.size());
  for (const auto& [rel, content] : now) CHECK((rel.find(".kgen-") == std::string::npos || rel == "out/widget/.kgen-cache"));
}

TEST_CASE("a formatter that fails, dies or empties a file is an error, and nothing is written", "[driver]") {
  TempDir d;
  auto g = widget(d.path);
  auto before = snapshot(d.path);
  // rustfmt formats the files in place: one that leaves them as they are is
  // taken at its word (the kernel's rustfmtcheck would see the rest).
  g.rustfmt = script(d.path, "empty", "for f; do case $f in *.rs) : > \"$f\" ;; esac; done");
  CHECK_THROWS_WITH(driver::generate(g), Catch::Contains("rust/kernel/widget.rs: error: rustfmt ('" + g.rustfmt +
                                                         "') left an empty file"));
  g.rustfmt = script(d.path, "fail", "echo 'error: expected item' >&2; exit 1");
  CHECK_THROWS_WITH(driver::generate(g), Catch::Contains("exited with status 1:\nerror: expected item"));
  g.rustfmt = script(d.path, "die", "kill -9 $$");
  CHECK_THROWS_WITH(driver::generate(g), Catch::Contains("was killed by signal 9"));
  g.bindgen = "/bin/true";
  g.rustfmt = "";
  CHECK_THROWS_WITH(driver::generate(g), Catch::Contains("exited with status 0 but wrote no file"));
  for (const char* f : {"fail", "die", "empty"}) stdfs::remove(d.path / f);
  CHECK(snapshot(d.path) == before);
}

TEST_CASE("a damaged regeneration cache is a miss with a warning, not an error", "[driver][regen]") {
  TempDir d;
  auto g = widget(d.path);
  driver::generate(g);
  stdfs::path cache = stdfs::path(g.out_dir) / "widget/.kgen-cache";
  std::string good = *fs::read_file(cache);
  for (std::string bad : {good.substr(0, good.find("figure")) + "figure helpers 12x\n", std::string("\x01\x02garbage"),
                          good + "figure callbacks_total 99999999999999999999999999\n"}) {
    fs::write_if_changed(cache, bad);
    auto r = driver::generate(g);
    CHECK_FALSE(r.skipped);
    CHECK(*fs::read_file(cache) != bad);
  }
  CHECK(driver::generate(g).skipped);
}

TEST_CASE("output names from the spec and clashes between specs are errors before writing", "[driver]") {
  TempDir d;
  auto g = widget(d.path);
  auto before = snapshot(d.path);
  std::string spec = *fs::read_file(d.path / "widget.yaml");
  auto with = [&](const std::string& from, const std::string& to) {
    auto s = spec;
    s.replace(s.find(from), from.size(), to);
    fs::write_if_changed(d.path / "widget.yaml", s);
  };
  // The spec loader rejects these names first (the driver checks them again
  // where it writes, in case a Spec comes from elsewhere).
  with("kernel_file: rust/kernel/widget.rs", "kernel_file: /tmp/x.rs");
  CHECK_THROWS_WITH(driver::generate(g), Catch::Contains("widget.yaml:6:16: error: the module's kernel_file '/tmp/x.rs' is absolute"));
  with("rust_path: kernel::widget", "rust_path: \"::\"");
  CHECK_THROWS_WITH(driver::generate(g), Catch::Contains("the module path '::' is not kernel::<name>(::<name>)*"));
  with("helpers: widget", "helpers: ../widget");
  CHECK_THROWS_WITH(driver::generate(g), Catch::Contains("'../widget'"));
  // An output that would replace the spec itself: the spec sits where the
  // overlay's module file goes.
  fs::write_if_changed(d.path / "widget.yaml", spec);
  fs::write_if_changed(d.path / "rust" / "kernel" / "widget.rs", spec);
  auto ov = g.overlay_dir;
  auto spec_path = g.spec_path;
  g.spec_path = (d.path / "rust" / "kernel" / "widget.rs").string();
  g.overlay_dir = d.path.string();
  CHECK_THROWS_WITH(driver::generate(g), Catch::Contains("error: the output " + (d.path / "rust/kernel/widget.rs").string() +
                                                         " would replace the spec"));
  g.spec_path = spec_path;
  stdfs::remove_all(d.path / "rust");
  g.overlay_dir = ov;
  fs::write_if_changed(d.path / "widget.yaml", spec);
  CHECK(snapshot(d.path) == before);
  auto before2 = snapshot(d.path);
  stdfs::copy_file(d.path / "widget.yaml", d.path / "twin.yaml");
  before2 = snapshot(d.path);
  g.write_lock = false;
  CHECK_THROWS_WITH(driver::generate_many(g, {(d.path / "widget.yaml").string(), (d.path / "twin.yaml").string()}),
                    Catch::Contains("planned twice in one run: by " + (d.path / "widget.yaml").string()) &&
                        Catch::Contains("and by " + (d.path / "twin.yaml").string()));
  CHECK(snapshot(d.path) == before2);
  // --out that is a file.
  fs::write_if_changed(d.path / "afile", "");
  g.out_dir = (d.path / "afile").string();
  CHECK_THROWS_WITH(driver::generate(g), Catch::Contains((d.path / "afile").string() + ": " + std::strerror(ENOTDIR)));
}

TEST_CASE("install checks everything first; uninstall needs a tree; manifests stay in the tree", "[driver]") {
  TempDir d;
  auto tree = d.path / "tree", ov = d.path / "overlay";
  fs::write_if_changed(tree / "Makefile", "");
  fs::write_if_changed(tree / "rust/helpers/helpers.c", "#include \"a.c\"\n");
  fs::write_if_changed(ov / "rust/kernel/x.rs", "generated\n");
  stdfs::create_directories(d.path / "elsewhere");
  auto before = snapshot(d.path);
  CHECK_THROWS_WITH(driver::install_overlay((d.path / "nope").string(), tree.string()), Catch::Contains("no such directory"));
  CHECK_THROWS_WITH(driver::uninstall_overlay((d.path / "nope").string()), Catch::Contains("no such directory"));
  // The second entry cannot be done: the first is not done either.
  fs::write_if_changed(ov / "x.manifest", "file rust/kernel/x.rs\nline rust/missing.c #include \"x.c\"\n");
  CHECK_THROWS_WITH(driver::install_overlay(ov.string(), tree.string()), Catch::Contains("does not exist"));
  fs::write_if_changed(ov / "x.manifest", "file rust/kernel/x.rs\nfile ../outside.rs\n");
  CHECK_THROWS_WITH(driver::install_overlay(ov.string(), tree.string()),
                    Catch::Contains("x.manifest:2:6: error: '../outside.rs' would leave the kernel tree"));
  stdfs::create_symlink(d.path / "elsewhere", tree / "rust/kernel");
  fs::write_if_changed(ov / "x.manifest", "file rust/kernel/x.rs\n");
  CHECK_THROWS_WITH(driver::install_overlay(ov.string(), tree.string()), Catch::Contains("through a symbolic link"));
  stdfs::remove(tree / "rust/kernel");
  fs::remove_file(ov / "x.manifest");
  CHECK(snapshot(d.path) == before);
  CHECK_THROWS_WITH(driver::render_manifest("x", {{driver::OverlayEntry::Kind::Line, "rust/kernel/lib.rs", "#[cfg(A\nB)]"}}),
                    Catch::Contains("contains a line break"));
  CHECK_THROWS_WITH(driver::render_manifest("x", {{driver::OverlayEntry::Kind::File, "rust/../../x", ""}}),
                    Catch::Contains("would leave the kernel tree"));
}

TEST_CASE("a spec skipped as up to date still owns its files: another spec writing one is a clash", "[driver][regen]") {
  TempDir d;
  auto g = widget(d.path);
  driver::generate(g);
  REQUIRE(driver::generate(g).skipped);
  stdfs::copy_file(d.path / "widget.yaml", d.path / "twin.yaml");
  auto before = snapshot(d.path);
  g.write_lock = false;  // the twin's lock would be its own file
  CHECK_THROWS_WITH(driver::generate_many(g, {(d.path / "widget.yaml").string(), (d.path / "twin.yaml").string()}),
                    Catch::Contains("planned twice in one run") && Catch::Contains("twin.yaml:3:1"));
  CHECK(snapshot(d.path) == before);
}

TEST_CASE("a hand-written file or doc source that cannot be read is reported at the spec entry", "[driver]") {
  TempDir d;
  auto g = widget(d.path);
  std::string spec = *fs::read_file(d.path / "widget.yaml");
  fs::write_if_changed(d.path / "widget.yaml", spec + "doc_sources: [missing.c]\n");
  CHECK_THROWS_WITH(driver::generate(g), Catch::Contains("widget.yaml:73:1: error: doc source 'missing.c': cannot read " +
                                                         (d.path / "missing.c").string() + ": " + std::strerror(ENOENT)));
}

TEST_CASE("kgen killed while bindgen runs leaves only its scratch, which the next run removes", "[driver]") {
  TempDir d;
  auto g = widget(d.path);
  driver::generate(g);
  auto before = snapshot(d.path);
  g.kernel_version = "two";
  g.bindgen = script(d.path, "slow-bindgen", "echo $$ > \"$(dirname \"$0\")/bindgen.pid\"\nexec sleep 30");
  stdfs::path pidfile = d.path / "bindgen.pid";
  pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    try {
      driver::generate(g);
    } catch (...) {
    }
    _exit(0);
  }
  for (int i = 0; i < 3000 && !stdfs::exists(pidfile); ++i) ::usleep(10000);
  REQUIRE(stdfs::exists(pidfile));
  ::kill(pid, SIGKILL);
  int st = 0;
  REQUIRE(waitpid(pid, &st, 0) == pid);
  CHECK(WIFSIGNALED(st));
  ::kill(static_cast<pid_t>(std::stol(*fs::read_file(pidfile))), SIGKILL);  // the orphaned bindgen
  stdfs::remove(pidfile);
  stdfs::remove(d.path / "slow-bindgen");
  auto after = snapshot(d.path);
  size_t scratch = 0;
  for (const auto& [rel, content] : after)
    if (rel.rfind("out/.kgen-scratch-", 0) == 0) ++scratch;
  CHECK(scratch > 0);  // the killed run's scratch directory (bindgen's input)
  auto msgs = fs::recover(g.out_dir);
  REQUIRE(msgs.size() == 1);
  CHECK_THAT(msgs[0], Catch::Contains("removed 1 scratch directories"));
  CHECK(snapshot(d.path) == before);  // and every output as it was
}

TEST_CASE("a module line goes where rustfmt's reorder_modules keeps it", "[driver]") {
  const std::string lib = "//! k\n\npub use ffi;\n\npub mod alloc;\npub mod ioctl;\n#[cfg(CONFIG_KUNIT)]\npub mod kunit;\n"
                          "pub mod workqueue;\n\npub use bindings;\n";
  CHECK(driver::insert_line(lib, "pub mod irq;") ==
        "//! k\n\npub use ffi;\n\npub mod alloc;\npub mod ioctl;\npub mod irq;\n#[cfg(CONFIG_KUNIT)]\npub mod kunit;\n"
        "pub mod workqueue;\n\npub use bindings;\n");
  CHECK(driver::insert_line(lib, "pub mod zzz;").find("pub mod workqueue;\npub mod zzz;\n") != std::string::npos);
  CHECK(driver::insert_line(lib, "#[cfg(CONFIG_X)]\\npub mod seq_file;").find(
            "#[cfg(CONFIG_KUNIT)]\npub mod kunit;\n#[cfg(CONFIG_X)]\npub mod seq_file;\npub mod workqueue;") !=
        std::string::npos);
  // Already there: unchanged.
  CHECK(driver::insert_line(lib, "pub mod ioctl;") == lib);
}
