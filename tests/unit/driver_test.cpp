#include <catch2/catch.hpp>

#include <filesystem>

#include "driver/kernel_tree.hpp"
#include "driver/overlay.hpp"
#include "support/fs.hpp"

using namespace kgen;
namespace stdfs = std::filesystem;

TEST_CASE("a saved Kbuild bindgen command splits into options and flags", "[driver]") {
  auto w = driver::shell_split(
      "bindgen rust/bindings/bindings_helper.h --opaque-type spinlock --no-debug '.*' -o out.rs -- -Wp,-MMD,x.d "
      "-nostdinc -I./include '-DKBUILD_MODNAME=\"x\"' -DMODULE ; sed -Ei 's/x/y/' out.rs");
  std::vector<std::string> opts, flags;
  driver::split_bindgen_command(w, opts, flags);
  CHECK(opts == std::vector<std::string>{"--opaque-type", "spinlock", "--no-debug", ".*"});
  CHECK(flags == std::vector<std::string>{"-nostdinc", "-I./include", "-DKBUILD_MODNAME=\"x\"", "-DMODULE"});
}

TEST_CASE("an unconfigured tree is a clear error", "[driver]") {
  auto d = stdfs::temp_directory_path() / "kgen-test-tree";
  stdfs::remove_all(d);
  stdfs::create_directories(d / "include" / "linux");
  fs::write_if_changed(d / "Makefile", "");
  CHECK_THROWS_WITH(driver::open_kernel_tree(d.string()), Catch::Contains("not configured"));
  fs::write_if_changed(d / ".config", "CONFIG_X=y\n");
  CHECK_THROWS_WITH(driver::open_kernel_tree(d.string()), Catch::Contains("CONFIG_RUST is not enabled"));
  CHECK_THROWS_WITH(driver::open_kernel_tree((d / "nope").string()), Catch::Contains("not a Linux source tree"));
  stdfs::remove_all(d);
}

TEST_CASE("install and uninstall are idempotent and restore the tree", "[driver]") {
  auto base = stdfs::temp_directory_path() / "kgen-test-overlay";
  stdfs::remove_all(base);
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
