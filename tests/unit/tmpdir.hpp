// Unique temporary directories for the unit tests: one root per test
// process, made with mkdtemp and removed when the process exits, so that two
// runs at once (a sanitizer build beside a normal one, two worktrees) never
// share or delete each other's files. The root is in the build directory
// (KGEN_TEST_TMP), not /tmp: the golden tests run the toolchain root's
// rustfmt, which only sees the checkout and the cache, on files kgen writes
// under its out/.
#pragma once
#include <stdlib.h>

#include <filesystem>
#include <stdexcept>
#include <string>
#include <system_error>

namespace kgen::test {

inline const std::filesystem::path& tmp_root() {
  struct Root {
    std::filesystem::path path;
    Root() {
#ifdef KGEN_TEST_TMP
      std::filesystem::path base = KGEN_TEST_TMP;
      std::filesystem::create_directories(base);
#else
      std::filesystem::path base = std::filesystem::temp_directory_path();
#endif
      std::string t = (base / "kgen-unit-XXXXXX").string();
      if (!mkdtemp(t.data())) throw std::runtime_error("mkdtemp " + t + " failed");
      path = t;
    }
    ~Root() {
      std::error_code ec;
      std::filesystem::remove_all(path, ec);
    }
  };
  static const Root root;
  return root.path;
}

// <root>/<name>, created (with its parents) if missing.
inline std::filesystem::path tmp_dir(const std::string& name) {
  auto d = tmp_root() / name;
  std::filesystem::create_directories(d);
  return d;
}

}  // namespace kgen::test
