// File-system helpers. Every output goes through a Transaction: all the
// files of a run are planned first (clashes, roots, writability), then
// written to temporaries beside their targets and renamed into place, with
// backups of what they replace until every rename succeeded. A failed run
// rolls back; a killed run leaves a journal that the next run (recover())
// rolls back. Files whose content did not change are not touched (their
// mtime stays, so make does not rebuild).
//
// Every error names the real file (never a temporary) and gives strerror.
#pragma once
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace kgen::fs {

namespace stdfs = std::filesystem;

// nullopt when the file is missing or cannot be read (a directory, say).
std::optional<std::string> read_file(const stdfs::path& p);
// Why p cannot be read (strerror), or "" when it can.
std::string read_error(const stdfs::path& p);
// Throws Error "P: error: cannot read: <strerror>".
std::string read_file_or_throw(const stdfs::path& p);
// One file as its own transaction; returns true when the file was (re)written.
bool write_if_changed(const stdfs::path& p, const std::string& content);
// Removes p if it exists; returns true when something was removed.
bool remove_file(const stdfs::path& p);

// `p` made absolute and lexically normal (no symlinks resolved).
stdfs::path normal(const stdfs::path& p);
// True when normal(p) is root or below it, lexically.
bool lexically_under(const stdfs::path& p, const stdfs::path& root);
// A relative path that stays where it is joined: not empty, not absolute, no
// '..' or '.' component, no empty component, no control character. Returns
// "" when fine, else what is wrong with it.
std::string bad_relative_path(const std::string& rel);

class Transaction {
 public:
  // The journal of the commit lives in journal_dir (created if needed).
  explicit Transaction(stdfs::path journal_dir);
  ~Transaction();
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;

  // Plans `target` (which must stay under `root`) to hold `content`, or to be
  // removed. `owner` says who asks ("header-specs/x.yaml:4:3 (module.kernel_file)")
  // for messages. A second plan for the same file is an error naming both.
  void write(const stdfs::path& root, const stdfs::path& target, std::string content, std::string owner);
  void remove(const stdfs::path& root, const stdfs::path& target, std::string owner);
  // Records that `owner` has `target` (a file a skipped, up-to-date spec
  // wrote before): not written, but a clash with it is an error.
  void claim(const stdfs::path& target, std::string owner);

  struct Result {
    size_t written = 0, unchanged = 0, removed = 0;
    std::vector<stdfs::path> changed;  // normal() paths, in commit order
  };
  // Checks every plan (the roots, symlinks, writability, name lengths), then
  // writes all temporaries, backs up what they replace and renames them all.
  // On any failure, everything is rolled back and Error says what happened.
  Result commit();

  size_t size() const { return ops_.size(); }

 private:
  struct Op {
    stdfs::path root, target;  // normal()
    std::optional<std::string> content;  // nullopt: remove
    std::string owner;
    bool claim_only = false;
  };
  stdfs::path journal_dir_;
  std::map<stdfs::path, Op> ops_;
  std::vector<std::string> errors_;
};

// Rolls back (or completes, when it had finished) every run that died while
// committing a transaction whose journal is in journal_dir, and removes the
// scratch directories of killed runs there; with `scan`, also the
// temporaries below journal_dir that no journal owns (remove_litter).
// Returns a message per repaired run (for a warning); nothing when clean.
std::vector<std::string> recover(const stdfs::path& journal_dir, bool scan = true);
// Removes, below dir, an older kgen's temporaries (`x.kgen-tmp.PID` of a dead
// PID) and, given the tokens of the journals that exist, this kgen's
// temporaries and backups that no journal owns. Returns how many it removed.
size_t remove_litter(const stdfs::path& dir, const std::set<std::string>* journal_tokens = nullptr);

// A scratch directory `<base>/.kgen-scratch-XXXXXX` (mkdtemp), locked while
// it lives and removed with its contents when destroyed; recover(base)
// removes those of killed runs.
class ScratchDir {
 public:
  explicit ScratchDir(const stdfs::path& base);
  ~ScratchDir();
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  const stdfs::path& path() const { return path_; }

 private:
  stdfs::path path_;
  int fd_ = -1;
  std::vector<stdfs::path> made_;  // directories of `base` it created, removed again if empty
};

namespace testing {
// Called before the i-th rename of a commit (tests: fail or die half way).
extern std::function<void(size_t i, const stdfs::path& target)> before_rename;
}  // namespace testing

}  // namespace kgen::fs
