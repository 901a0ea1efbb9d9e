// support/fs: all-or-nothing writes (plan, check, temporaries, renames,
// rollback, recovery after a kill) and support/process: failures of the
// programs kgen runs.
#include <catch2/catch.hpp>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <map>

#include "support/diag.hpp"
#include "support/fs.hpp"
#include "support/process.hpp"

using namespace kgen;
namespace stdfs = std::filesystem;

namespace {

// A fresh directory of its own (mkdtemp), removed at the end of the test.
struct TempDir {
  stdfs::path path;
  TempDir() {
    std::string t = (stdfs::temp_directory_path() / "kgen-test-txn-XXXXXX").string();
    REQUIRE(::mkdtemp(t.data()));
    path = t;
  }
  ~TempDir() {
    std::error_code ec;
    stdfs::remove_all(path, ec);
  }
};

// Every entry below dir (directories end with '/'), with file contents.
std::map<std::string, std::string> snapshot(const stdfs::path& dir) {
  std::map<std::string, std::string> out;
  for (const auto& e : stdfs::recursive_directory_iterator(dir)) {
    std::string rel = stdfs::relative(e.path(), dir).string();
    if (e.is_directory()) out[rel + "/"] = "";
    else out[rel] = fs::read_file(e.path()).value_or("<unreadable>");
  }
  return out;
}

struct HookReset {
  ~HookReset() { fs::testing::before_rename = nullptr; }
};

}  // namespace

TEST_CASE("a transaction writes changed files, leaves unchanged ones alone and no litter", "[fs]") {
  TempDir d;
  fs::write_if_changed(d.path / "same.txt", "same\n");
  auto mtime = stdfs::last_write_time(d.path / "same.txt");
  fs::Transaction t(d.path);
  t.write(d.path, d.path / "same.txt", "same\n", "");
  t.write(d.path, d.path / "sub/dir/new.txt", "new\n", "");
  auto r = t.commit();
  CHECK(r.written == 1);
  CHECK(r.unchanged == 1);
  CHECK(stdfs::last_write_time(d.path / "same.txt") == mtime);
  CHECK(snapshot(d.path) == std::map<std::string, std::string>{
                                {"same.txt", "same\n"}, {"sub/", ""}, {"sub/dir/", ""}, {"sub/dir/new.txt", "new\n"}});
  // Removal, as a transaction too.
  fs::Transaction t2(d.path);
  t2.remove(d.path, d.path / "same.txt", "");
  CHECK(t2.commit().removed == 1);
  CHECK_FALSE(stdfs::exists(d.path / "same.txt"));
}

TEST_CASE("a rename failing half way rolls every file back", "[fs]") {
  TempDir d;
  fs::write_if_changed(d.path / "a.txt", "old a\n");
  fs::write_if_changed(d.path / "b.txt", "old b\n");
  auto before = snapshot(d.path);
  HookReset reset;
  // Before the third rename, something makes its target a directory: the
  // rename fails for real (EISDIR), after a.txt and b.txt were replaced.
  fs::testing::before_rename = [&](size_t i, const stdfs::path& target) {
    if (i == 2) stdfs::create_directories(target);
  };
  fs::Transaction t(d.path);
  for (const char* f : {"a.txt", "b.txt", "c.txt", "d/new.txt"}) t.write(d.path, d.path / f, std::string("new ") + f, "");
  try {
    t.commit();
    FAIL("the commit should have failed");
  } catch (const Error& e) {
    std::string m = e.what();
    CHECK_THAT(m, Catch::Contains((d.path / "c.txt").string() + ": error: cannot replace: "));
    CHECK_THAT(m, Catch::Contains("rolled back: the 2 files already replaced have their previous content again"));
    CHECK_THAT(m, !Catch::Contains(".tmp"));  // the real file is named, not the temporary
  }
  auto after = snapshot(d.path);
  after.erase("c.txt/");  // what the hook made
  CHECK(after == before);
}

TEST_CASE("a transaction checks every plan before writing anything", "[fs]") {
  TempDir d;
  fs::write_if_changed(d.path / "root/keep.txt", "keep\n");
  fs::write_if_changed(d.path / "afile", "x");
  stdfs::create_directories(d.path / "outside");
  stdfs::create_symlink(d.path / "outside", d.path / "root/link");
  auto before = snapshot(d.path);
  stdfs::path root = d.path / "root";
  auto fails_with = [&](auto plan, const std::string& message) {
    fs::Transaction t(root);
    t.write(root, root / "fine.txt", "fine\n", "");
    plan(t);
    CHECK_THROWS_WITH(t.commit(), Catch::Contains(message));
    CHECK(snapshot(d.path) == before);
  };
  fails_with([&](fs::Transaction& t) { t.write(root, root / "../escape.txt", "x", "spec.yaml:3:1"); },
             "spec.yaml:3:1: error: " + (root / "../escape.txt").string() + " is outside " + root.string());
  fails_with([&](fs::Transaction& t) { t.write(root, root / "link/x.rs", "x", "spec.yaml:4:1"); },
             "it resolves through a symbolic link to " + (d.path / "outside/x.rs").string());
  fails_with([&](fs::Transaction& t) { t.write(root, root / std::string(300, 'n'), "x", ""); },
             std::strerror(ENAMETOOLONG));
  fails_with([&](fs::Transaction& t) { t.write(root, root / "keep.txt/x", "x", ""); },
             (root / "keep.txt").string() + ": " + std::strerror(ENOTDIR));
  fails_with([&](fs::Transaction& t) { t.write(root, root / "line\nbreak", "x", ""); }, "contains a line break");
  fails_with(
      [&](fs::Transaction& t) {
        t.write(root, root / "same.rs", "1", "a.yaml:6:3");
        t.write(root, root / "same.rs", "2", "b.yaml:6:3");
      },
      "planned twice in one run: by a.yaml:6:3 and by b.yaml:6:3");
  // A root that is a file.
  fs::Transaction t(d.path / "afile");
  t.write(d.path / "afile", d.path / "afile/out/x", "x", "");
  CHECK_THROWS_WITH(t.commit(), Catch::Contains((d.path / "afile").string() + ": " + std::strerror(ENOTDIR)));
  CHECK(snapshot(d.path) == before);
}

TEST_CASE("a run killed while renaming is rolled back by the next one", "[fs]") {
  for (size_t kill_at : {0u, 1u, 2u}) {
    TempDir d;
    fs::write_if_changed(d.path / "out/a.txt", "old a\n");
    fs::write_if_changed(d.path / "out/c.txt", "old c\n");
    auto before = snapshot(d.path);
    pid_t pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
      fs::testing::before_rename = [&](size_t i, const stdfs::path&) {
        if (i == kill_at) ::raise(SIGKILL);
      };
      fs::Transaction t(d.path / "out");
      for (const char* f : {"a.txt", "b/new.txt", "c.txt"}) t.write(d.path / "out", d.path / "out" / f, "new\n", "");
      try {
        t.commit();
      } catch (...) {
        _exit(1);
      }
      _exit(0);
    }
    int st = 0;
    REQUIRE(waitpid(pid, &st, 0) == pid);
    REQUIRE(WIFSIGNALED(st));
    CHECK(snapshot(d.path) != before);  // a journal, temporaries, maybe replaced files
    auto msgs = fs::recover(d.path / "out");
    REQUIRE(msgs.size() == 1);
    CHECK_THAT(msgs[0], Catch::Contains("an interrupted kgen run was rolled back"));
    CHECK(snapshot(d.path) == before);
    CHECK(fs::recover(d.path / "out").empty());
  }
}

TEST_CASE("recovery leaves a live run's journal alone and removes old litter", "[fs]") {
  TempDir d;
  fs::write_if_changed(d.path / "x.rs.kgen-tmp.999999999", "old kgen's temporary\n");
  stdfs::create_directories(d.path / ".kgen-bindgen-999999999-0");
  {
    fs::ScratchDir live(d.path);
    fs::recover(d.path);
    CHECK(stdfs::exists(live.path()));  // locked: another run is using it
    CHECK_FALSE(stdfs::exists(d.path / "x.rs.kgen-tmp.999999999"));
    CHECK_FALSE(stdfs::exists(d.path / ".kgen-bindgen-999999999-0"));
  }
  CHECK(stdfs::is_empty(d.path));
}

TEST_CASE("paths from specs and manifests stay where they are joined", "[fs]") {
  CHECK(fs::bad_relative_path("rust/kernel/x.rs").empty());
  CHECK(fs::bad_relative_path("") == "it is empty");
  CHECK(fs::bad_relative_path("/etc/passwd") == "it is absolute");
  CHECK(fs::bad_relative_path("rust/../../x") == "it contains '..'");
  CHECK(fs::bad_relative_path("rust//x") != "");
  CHECK(fs::bad_relative_path("rust/x\n") == "it contains a control character");
  CHECK(fs::lexically_under("/a/b/../b/c", "/a/b"));
  CHECK_FALSE(fs::lexically_under("/a/b/../c", "/a/b"));
  CHECK_FALSE(fs::lexically_under("/a/bc", "/a/b"));
}

TEST_CASE("read errors name the file and give the reason", "[fs]") {
  TempDir d;
  CHECK_THROWS_WITH(fs::read_file_or_throw(d.path / "nope"),
                    Catch::Contains((d.path / "nope").string() + ": error: cannot read: " + std::strerror(ENOENT)));
  CHECK_THROWS_WITH(fs::read_file_or_throw(d.path), Catch::Contains(std::strerror(EISDIR)));
  CHECK_FALSE(fs::read_file(d.path));
  CHECK_THROWS_WITH(fs::write_if_changed(d.path, "x"), Catch::Contains("it is a directory"));
}

TEST_CASE("a program that stops reading its input, fails or dies is reported", "[process]") {
  process::ignore_sigpipe();
  std::string big(1 << 20, 'x');  // more than a pipe holds
  auto r = process::run({"sh", "-c", "exec 0<&-; echo started"}, "", big);
  CHECK(r.status == 0);
  CHECK(r.input_errno == EPIPE);
  CHECK(r.out == "started\n");
  CHECK_THAT(process::describe_failure(r, big.size()), Catch::Contains("stopped reading its input after"));
  CHECK_THAT(process::describe_failure(r, big.size()), Catch::Contains(std::strerror(EPIPE)));

  auto k = process::run({"sh", "-c", "kill -9 $$"});
  CHECK(k.status == 128 + 9);
  CHECK_THAT(process::describe_failure(k, 0), Catch::Contains("killed by signal 9"));
  auto f = process::run({"sh", "-c", "exit 3"});
  CHECK(process::describe_failure(f, 0) == "exited with status 3");
  auto n = process::run({"/nonexistent/program"});
  CHECK(n.status == 127);
  CHECK_THAT(n.err, Catch::Contains(std::strerror(ENOENT)));
  // The child starts with SIGPIPE at its default, not ignored like kgen.
  auto p = process::run({"sh", "-c", "yes | head -c 1 >/dev/null"});
  CHECK(p.status == 0);
  CHECK(p.err.empty());  // `yes` died of SIGPIPE quietly instead of printing a write error
}
