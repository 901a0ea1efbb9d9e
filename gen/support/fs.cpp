#include "support/fs.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>
#include <set>

#include "support/diag.hpp"
#include "support/text.hpp"

namespace kgen::fs {

namespace testing {
std::function<void(size_t, const stdfs::path&)> before_rename;
}  // namespace testing

namespace {

Error fs_error(const stdfs::path& p, const std::string& what, int e, const std::string& hint = "") {
  std::string s = p.string() + ": error: " + what;
  if (e) s += std::string(": ") + std::strerror(e);
  if (!hint.empty()) s += "\n  hint: " + hint;
  return Error(s);
}

int write_all(int fd, const std::string& s) {
  size_t done = 0;
  while (done < s.size()) {
    ssize_t k = ::write(fd, s.data() + done, s.size() - done);
    if (k < 0) {
      if (errno == EINTR) continue;
      return errno;
    }
    done += static_cast<size_t>(k);
  }
  return 0;
}

std::optional<std::string> read_file_errno(const stdfs::path& p, int& e) {
  e = 0;
  int fd = ::open(p.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    e = errno;
    return std::nullopt;
  }
  std::string s;
  char buf[65536];
  for (;;) {
    ssize_t k = ::read(fd, buf, sizeof buf);
    if (k < 0) {
      if (errno == EINTR) continue;
      e = errno;
      ::close(fd);
      return std::nullopt;
    }
    if (k == 0) break;
    s.append(buf, static_cast<size_t>(k));
  }
  ::close(fd);
  return s;
}

bool lexists(const stdfs::path& p) {
  struct stat st {};
  return ::lstat(p.c_str(), &st) == 0;
}

// The names a transaction uses beside each target: temporaries and backups
// carry the journal's token, so the journal alone finds them again.
stdfs::path tmp_path(const stdfs::path& target, const std::string& token, size_t i) {
  return target.parent_path() / (".kgen-" + token + "-" + std::to_string(i) + ".tmp");
}
stdfs::path bak_path(const stdfs::path& target, const std::string& token, size_t i) {
  return target.parent_path() / (".kgen-" + token + "-" + std::to_string(i) + ".bak");
}

constexpr const char* kJournalPrefix = ".kgen-journal-";
constexpr const char* kScratchPrefix = ".kgen-scratch-";

struct JournalEntry {
  size_t i = 0;
  bool write = true;
  stdfs::path target;
};

struct Journal {
  std::vector<stdfs::path> dirs;  // created by the run, shallowest first
  std::vector<JournalEntry> entries;
  bool renaming = false, committed = false;
};

std::string render_journal(const Journal& j) {
  std::string s = "kgen-journal 1\n";
  for (const auto& d : j.dirs) s += "dir " + d.string() + "\n";
  for (const auto& e : j.entries) s += "op " + std::to_string(e.i) + (e.write ? " write " : " remove ") + e.target.string() + "\n";
  return s;
}

std::optional<Journal> parse_journal(const std::string& text) {
  auto lines = text::split_lines(text);
  if (lines.empty() || lines[0] != "kgen-journal 1") return std::nullopt;
  Journal j;
  for (size_t n = 1; n < lines.size(); ++n) {
    const std::string& l = lines[n];
    if (l == "renaming") {
      j.renaming = true;
    } else if (l == "committed") {
      j.committed = true;
    } else if (text::starts_with(l, "dir /")) {
      j.dirs.emplace_back(l.substr(4));
    } else if (text::starts_with(l, "op ")) {
      auto a = l.find(' ', 3), b = a == std::string::npos ? a : l.find(' ', a + 1);
      if (b == std::string::npos) return std::nullopt;
      JournalEntry e;
      std::string num = l.substr(3, a - 3), kind = l.substr(a + 1, b - a - 1);
      if (num.empty() || num.find_first_not_of("0123456789") != std::string::npos || num.size() > 9) return std::nullopt;
      if (kind != "write" && kind != "remove") return std::nullopt;
      e.i = std::stoul(num);
      e.write = kind == "write";
      e.target = l.substr(b + 1);
      if (!e.target.is_absolute()) return std::nullopt;
      j.entries.push_back(std::move(e));
    } else if (!l.empty()) {
      return std::nullopt;
    }
  }
  return j;
}

// Undoes what a transaction did, from what is on disk: a temporary still
// there was not renamed; a backup is the previous content. Returns what could
// not be undone (empty: the files are as they were before). `restored`
// counts the files put back.
std::vector<std::string> undo(const std::string& token, const Journal& j, size_t* restored = nullptr) {
  std::vector<std::string> problems;
  for (const auto& e : j.entries) {
    stdfs::path tmp = tmp_path(e.target, token, e.i), bak = bak_path(e.target, token, e.i);
    bool tmp_there = lexists(tmp), bak_there = lexists(bak);
    if (j.committed || !j.renaming || (e.write && tmp_there)) {
      ::unlink(tmp.c_str());
      ::unlink(bak.c_str());
      continue;
    }
    if (e.write || !lexists(e.target)) {
      if (bak_there) {
        if (::rename(bak.c_str(), e.target.c_str()) != 0)
          problems.push_back(e.target.string() + ": cannot restore it (" + std::strerror(errno) +
                             "); its previous content is in " + bak.string());
        else if (restored)
          ++*restored;
      } else if (e.write) {
        if (::unlink(e.target.c_str()) != 0 && errno != ENOENT)
          problems.push_back(e.target.string() + ": cannot remove the new file (" + std::strerror(errno) + ")");
        else if (restored)
          ++*restored;
      }
    } else {
      ::unlink(bak.c_str());
    }
  }
  for (auto it = j.dirs.rbegin(); it != j.dirs.rend(); ++it) ::rmdir(it->c_str());  // only if empty
  return problems;
}

bool pid_alive(const std::string& digits) {
  if (digits.empty() || digits.size() > 9 || digits.find_first_not_of("0123456789") != std::string::npos) return true;
  return ::kill(static_cast<pid_t>(std::stol(digits)), 0) == 0 || errno != ESRCH;
}

// Can we take the lock a live run holds on p? (Then no run holds it.)
bool unlocked(const stdfs::path& p, int flags) {
  int fd = ::open(p.c_str(), flags | O_CLOEXEC);
  if (fd < 0) return false;
  bool free = ::flock(fd, LOCK_EX | LOCK_NB) == 0;
  ::close(fd);
  return free;
}

}  // namespace

std::optional<std::string> read_file(const stdfs::path& p) {
  int e;
  return read_file_errno(p, e);
}

std::string read_error(const stdfs::path& p) {
  int e;
  return read_file_errno(p, e) ? "" : std::strerror(e);
}

std::string read_file_or_throw(const stdfs::path& p) {
  int e;
  auto s = read_file_errno(p, e);
  if (!s) throw fs_error(p, "cannot read", e, "check that the path exists and is a readable file");
  return *s;
}

bool write_if_changed(const stdfs::path& p, const std::string& content) {
  stdfs::path dir = normal(p).parent_path();
  Transaction t(dir);
  t.write(dir, p, content, "");
  return t.commit().written > 0;
}

bool remove_file(const stdfs::path& p) {
  std::error_code ec;
  return stdfs::remove(p, ec);
}

stdfs::path normal(const stdfs::path& p) {
  std::error_code ec;
  stdfs::path a = stdfs::absolute(p, ec);
  if (ec) a = p;
  a = a.lexically_normal();
  // "dir/" normalizes to "dir/" (an empty last component): drop it.
  if (!a.has_filename() && a.has_parent_path() && a != a.root_path()) a = a.parent_path();
  return a;
}

bool lexically_under(const stdfs::path& p, const stdfs::path& root) {
  stdfs::path a = normal(p), r = normal(root);
  auto ai = a.begin();
  for (auto ri = r.begin(); ri != r.end(); ++ri, ++ai) {
    if (ri->empty()) continue;
    if (ai == a.end() || *ai != *ri) return false;
  }
  return true;
}

std::string bad_relative_path(const std::string& rel) {
  if (rel.empty()) return "it is empty";
  for (unsigned char c : rel)
    if (c < 0x20 || c == 0x7f) return "it contains a control character";
  if (rel[0] == '/') return "it is absolute";
  for (const auto& seg : text::split(rel, '/')) {
    if (seg.empty()) return "it has an empty component ('//' or a trailing '/')";
    if (seg == "..") return "it contains '..'";
    if (seg == ".") return "it contains '.'";
    if (seg.size() > NAME_MAX) return "its component '" + seg.substr(0, 20) + "...' is longer than " + std::to_string(NAME_MAX) + " bytes";
  }
  return "";
}

// --- Transaction -------------------------------------------------------------

Transaction::Transaction(stdfs::path journal_dir) : journal_dir_(normal(journal_dir)) {}
Transaction::~Transaction() = default;

void Transaction::write(const stdfs::path& root, const stdfs::path& target, std::string content, std::string owner) {
  Op op{normal(root), normal(target), std::move(content), std::move(owner)};
  std::string where = op.owner.empty() ? op.target.string() : op.owner;
  if (op.target.string().find_first_of("\n\r") != std::string::npos) {
    errors_.push_back(where + ": error: the output path contains a line break: '" + text::replace_all(op.target.string(), "\n", "\\n") + "'");
    return;
  }
  if (!lexically_under(op.target, op.root) || op.target == op.root) {
    errors_.push_back(where + ": error: " + target.string() + " is outside " + op.root.string() +
                      " (it would write " + op.target.string() + ")\n  hint: output paths are relative, under their "
                      "directory, without '..'");
    return;
  }
  auto [it, fresh] = ops_.emplace(op.target, op);
  if (!fresh) {
    const Op& first = it->second;
    errors_.push_back(op.target.string() + ": error: planned twice in one run: by " +
                      (first.owner.empty() ? "kgen" : first.owner) + " and by " + (op.owner.empty() ? "kgen" : op.owner) +
                      "\n  hint: two specs (or two files of one spec) must not write the same file; give each its own "
                      "name and kernel files");
  }
}

void Transaction::remove(const stdfs::path& root, const stdfs::path& target, std::string owner) {
  size_t before = ops_.size();
  write(root, target, "", std::move(owner));
  if (ops_.size() > before) ops_[normal(target)].content.reset();
}

void Transaction::claim(const stdfs::path& target, std::string owner) {
  size_t before = ops_.size();
  write(normal(target).root_path(), target, "", std::move(owner));
  if (ops_.size() > before) ops_[normal(target)].claim_only = true;
}

Transaction::Result Transaction::commit() {
  Result res;
  auto throw_all = [](std::vector<std::string> errs) {
    constexpr size_t kShown = 10;  // a clash of two whole specs is one mistake, not 20
    size_t more = errs.size() > kShown ? errs.size() - kShown : 0;
    errs.resize(std::min(errs.size(), kShown));
    if (more) errs.push_back("kgen: note: " + std::to_string(more) + " more errors like these not shown");
    throw Error(text::join(errs, "\n"));
  };
  if (!errors_.empty()) throw_all(errors_);

  // 1. Check every plan; collect every problem.
  struct Plan {
    const Op* op;
    bool existed;
    struct stat st;
  };
  std::vector<Plan> plans;
  std::vector<std::string> problems;
  std::set<stdfs::path> missing_dirs, bad_dirs;
  for (const auto& [key, op] : ops_) {
    if (op.claim_only) continue;
    auto say = [&](const std::string& what) {
      problems.push_back((op.owner.empty() ? op.target.string() + ": error: "
                                           : op.owner + ": error: cannot write " + op.target.string() + ": ") +
                         what);
    };
    std::error_code ec1, ec2;
    stdfs::path croot = stdfs::weakly_canonical(op.root, ec1);
    stdfs::path ctarget = stdfs::weakly_canonical(op.target, ec2);
    if (ec1 || ec2) {  // a symlink loop, a directory it may not search: cannot tell where it goes
      say("cannot resolve " + (ec1 ? op.root : op.target).string() + ": " + (ec1 ? ec1 : ec2).message());
      continue;
    }
    if (!lexically_under(ctarget, croot)) {
      say("it resolves through a symbolic link to " + ctarget.string() + ", outside " + croot.string());
      continue;
    }
    bool too_long = false;
    for (const auto& c : op.target)
      if (c.string().size() > NAME_MAX) {
        say(std::string("file name too long: ") + std::strerror(ENAMETOOLONG) + " (a component has " +
            std::to_string(c.string().size()) + " bytes; at most " + std::to_string(NAME_MAX) + ")");
        too_long = true;
      }
    if (!too_long && op.target.string().size() >= PATH_MAX) {
      say(std::string("path too long: ") + std::strerror(ENAMETOOLONG));
      too_long = true;
    }
    if (too_long) continue;
    Plan p{&op, false, {}};
    p.existed = ::lstat(op.target.c_str(), &p.st) == 0;
    if (!p.existed && errno != ENOENT) {
      if (errno == ENOTDIR) {
        // handled below with the directory that is not one
      } else {
        say(std::strerror(errno));
        continue;
      }
    }
    if (p.existed && S_ISDIR(p.st.st_mode)) {
      say("it is a directory");
      continue;
    }
    bool change;
    if (!op.content) {
      change = p.existed;
    } else {
      std::optional<std::string> cur;
      if (p.existed && S_ISREG(p.st.st_mode)) cur = read_file(op.target);
      change = !cur || *cur != *op.content;
    }
    if (!change) {
      if (op.content) ++res.unchanged;
      continue;
    }
    // The nearest existing directory must be one, and writable.
    stdfs::path a = op.target.parent_path();
    struct stat ast {};
    while (::stat(a.c_str(), &ast) != 0 && a.has_relative_path()) {
      if (errno != ENOENT && errno != ENOTDIR) break;
      missing_dirs.insert(a);
      a = a.parent_path();
    }
    // One message per directory, not one per file in it.
    int e = ::stat(a.c_str(), &ast) != 0 ? errno : !S_ISDIR(ast.st_mode) ? ENOTDIR : ::access(a.c_str(), W_OK | X_OK) != 0 ? errno : 0;
    if (e) {
      if (bad_dirs.insert(a).second) say(a.string() + ": " + std::strerror(e));
      continue;
    }
    plans.push_back(p);
  }
  if (!problems.empty()) throw_all(problems);
  if (plans.empty()) return res;

  // 2. The journal: written before anything else, so that a killed run can
  //    be rolled back by the next (recover()).
  std::vector<stdfs::path> early;  // directories made for the journal itself
  for (stdfs::path d = journal_dir_; !lexists(d) && d.has_relative_path(); d = d.parent_path()) early.insert(early.begin(), d);
  for (const auto& d : early) {
    missing_dirs.erase(d);
    if (::mkdir(d.c_str(), 0777) != 0 && errno != EEXIST) throw fs_error(d, "cannot create directory", errno);
  }
  auto drop_early = [&] {
    for (auto it = early.rbegin(); it != early.rend(); ++it) ::rmdir(it->c_str());
  };
  std::string jpath = (journal_dir_ / (std::string(kJournalPrefix) + "XXXXXX")).string();
  int jfd = ::mkstemp(jpath.data());
  if (jfd < 0) {
    int e = errno;
    drop_early();
    throw fs_error(journal_dir_, "cannot create the journal of this run", e);
  }
  ::fcntl(jfd, F_SETFD, FD_CLOEXEC);
  ::flock(jfd, LOCK_EX);  // held until the journal is removed: recover() leaves live runs alone
  std::string token = stdfs::path(jpath).filename().string().substr(std::strlen(kJournalPrefix));
  Journal j;
  j.dirs.assign(missing_dirs.begin(), missing_dirs.end());  // a parent sorts before its children
  for (size_t i = 0; i < plans.size(); ++i) j.entries.push_back({i, plans[i].op->content.has_value(), plans[i].op->target});

  auto fail = [&](const std::string& message) -> Error {
    size_t restored = 0;
    auto left = undo(token, j, &restored);
    ::unlink(jpath.c_str());
    ::close(jfd);
    drop_early();
    std::string s = message;
    if (left.empty())
      s += j.renaming ? "\n  note: rolled back: the " + std::to_string(restored) +
                            " files already replaced have their previous content again; nothing was changed"
                      : "\n  note: nothing was changed";
    else
      s += "\n  note: the rollback was incomplete:\n    " + text::join(left, "\n    ");
    return Error(s);
  };
  if (int e = write_all(jfd, render_journal(j))) throw fail(fs_error(jpath, "cannot write the journal", e).what());

  // 3. Directories, temporaries, backups.
  for (const auto& d : j.dirs)
    if (::mkdir(d.c_str(), 0777) != 0 && errno != EEXIST) throw fail(fs_error(d, "cannot create directory", errno).what());
  for (size_t i = 0; i < plans.size(); ++i) {
    const Op& op = *plans[i].op;
    if (!op.content) continue;
    stdfs::path tmp = tmp_path(op.target, token, i);
    int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd < 0) throw fail(fs_error(op.target, "cannot write", errno).what());
    int e = write_all(fd, *op.content);
    if (!e && plans[i].existed && S_ISREG(plans[i].st.st_mode) && ::fchmod(fd, plans[i].st.st_mode & 07777) != 0) e = errno;
    if (::close(fd) != 0 && !e) e = errno;
    if (e) throw fail(fs_error(op.target, "cannot write", e).what());
  }
  for (size_t i = 0; i < plans.size(); ++i) {
    if (!plans[i].existed) continue;
    const Op& op = *plans[i].op;
    stdfs::path bak = bak_path(op.target, token, i);
    if (::link(op.target.c_str(), bak.c_str()) == 0) continue;
    // No hard links here (some file systems): a copy.
    int e;
    auto cur = read_file_errno(op.target, e);
    if (!cur) throw fail(fs_error(op.target, "cannot back up", e).what());
    int fd = ::open(bak.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) throw fail(fs_error(op.target, "cannot back up", errno).what());
    e = write_all(fd, *cur);
    if (!e) ::fchmod(fd, plans[i].st.st_mode & 07777);
    if (::close(fd) != 0 && !e) e = errno;
    if (e) throw fail(fs_error(op.target, "cannot back up", e).what());
  }

  // 4. Rename them all.
  j.renaming = true;
  if (int e = write_all(jfd, "renaming\n")) throw fail(fs_error(jpath, "cannot write the journal", e).what());
  for (size_t i = 0; i < plans.size(); ++i) {
    const Op& op = *plans[i].op;
    try {
      if (testing::before_rename) testing::before_rename(i, op.target);
    } catch (const std::exception& x) {
      throw fail(op.target.string() + ": error: " + x.what());
    }
    if (op.content) {
      if (::rename(tmp_path(op.target, token, i).c_str(), op.target.c_str()) != 0)
        throw fail(fs_error(op.target, "cannot replace", errno).what());
      ++res.written;
    } else {
      if (::unlink(op.target.c_str()) != 0 && errno != ENOENT) throw fail(fs_error(op.target, "cannot remove", errno).what());
      ++res.removed;
    }
    res.changed.push_back(op.target);
  }
  j.committed = true;
  write_all(jfd, "committed\n");
  undo(token, j);  // removes the backups
  ::unlink(jpath.c_str());
  ::close(jfd);
  return res;
}

// --- Recovery and scratch ------------------------------------------------------

std::vector<std::string> recover(const stdfs::path& journal_dir, bool scan) {
  std::vector<std::string> out;
  std::error_code ec;
  if (!stdfs::is_directory(journal_dir, ec)) return out;
  std::set<std::string> all_tokens;
  size_t removed = 0;
  for (const auto& e : stdfs::directory_iterator(journal_dir, ec)) {
    std::string name = e.path().filename().string();
    if (text::starts_with(name, kJournalPrefix)) {
      std::string token = name.substr(std::strlen(kJournalPrefix));
      all_tokens.insert(token);
      int fd = ::open(e.path().c_str(), O_RDWR | O_CLOEXEC);
      if (fd < 0) continue;
      if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {  // a live run
        ::close(fd);
        continue;
      }
      auto text = read_file(e.path());
      auto j = text ? parse_journal(*text) : std::nullopt;
      if (!j) {
        out.push_back(e.path().string() + ": a damaged journal of an interrupted run; removed (check the files it "
                      "names by hand)");
      } else {
        size_t restored = 0;
        auto left = undo(token, *j, &restored);
        std::string what = j->committed ? "an interrupted kgen run had finished writing; its backups were removed"
                                        : "an interrupted kgen run was rolled back (" + std::to_string(restored) +
                                              " files restored to their previous content)";
        if (!left.empty()) what += "; but:\n    " + text::join(left, "\n    ");
        out.push_back(journal_dir.string() + ": " + what);
      }
      ::unlink(e.path().c_str());
      ::close(fd);
    } else if (text::starts_with(name, kScratchPrefix) && unlocked(e.path(), O_RDONLY | O_DIRECTORY)) {
      if (stdfs::remove_all(e.path(), ec)) ++removed;
    } else if (text::starts_with(name, ".kgen-bindgen-") &&
               pid_alive(name.substr(14, name.find('-', 14) == std::string::npos ? std::string::npos : name.find('-', 14) - 14)) == false) {
      if (stdfs::remove_all(e.path(), ec)) ++removed;  // scratch of an older kgen
    }
  }
  // Temporaries and backups of no journal (an older kgen's `x.kgen-tmp.PID`;
  // or a journal removed by hand).
  if (scan) removed += remove_litter(journal_dir, &all_tokens);
  if (removed)
    out.push_back(journal_dir.string() + ": removed " + std::to_string(removed) +
                  " scratch directories and temporary files that interrupted kgen runs left");
  return out;
}

size_t remove_litter(const stdfs::path& dir, const std::set<std::string>* tokens) {
  std::error_code ec;
  size_t removed = 0;
  for (auto it = stdfs::recursive_directory_iterator(dir, stdfs::directory_options::skip_permission_denied, ec);
       !ec && it != stdfs::recursive_directory_iterator(); it.increment(ec)) {
    std::string name = it->path().filename().string();
    if (it->is_directory(ec) && (text::starts_with(name, kScratchPrefix) || it.depth() >= 8)) {
      it.disable_recursion_pending();  // a live run's scratch; or deeper than any output (--out .)
      continue;
    }
    bool stale = false;
    if (auto p = name.rfind(".kgen-tmp."); p != std::string::npos) {
      stale = !pid_alive(name.substr(p + 10));
    } else if (text::starts_with(name, ".kgen-") && (text::ends_with(name, ".tmp") || text::ends_with(name, ".bak"))) {
      std::string token = name.substr(6, name.find('-', 6) == std::string::npos ? 0 : name.find('-', 6) - 6);
      stale = tokens && !token.empty() && !tokens->count(token);
    }
    if (stale && stdfs::remove(it->path(), ec)) ++removed;
  }
  return removed;
}

ScratchDir::ScratchDir(const stdfs::path& base) {
  for (stdfs::path d = normal(base); !lexists(d) && d.has_relative_path(); d = d.parent_path()) made_.insert(made_.begin(), d);
  for (const auto& d : made_)
    if (::mkdir(d.c_str(), 0777) != 0 && errno != EEXIST) throw fs_error(d, "cannot create directory", errno);
  std::string t = (normal(base) / (std::string(kScratchPrefix) + "XXXXXX")).string();
  if (!::mkdtemp(t.data())) {
    int e = errno;
    for (auto it = made_.rbegin(); it != made_.rend(); ++it) ::rmdir(it->c_str());
    throw fs_error(base, "cannot create a scratch directory", e);
  }
  path_ = t;
  fd_ = ::open(t.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd_ >= 0) ::flock(fd_, LOCK_EX);
}

ScratchDir::~ScratchDir() {
  std::error_code ec;
  stdfs::remove_all(path_, ec);
  if (fd_ >= 0) ::close(fd_);
  for (auto it = made_.rbegin(); it != made_.rend(); ++it) ::rmdir(it->c_str());
}

}  // namespace kgen::fs
