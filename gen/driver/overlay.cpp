#include "driver/overlay.hpp"

#include <algorithm>
#include <filesystem>
#include <map>
#include <optional>
#include <set>

#include <spdlog/spdlog.h>

#include "support/diag.hpp"
#include "support/fs.hpp"
#include "support/text.hpp"

namespace kgen::driver {

namespace stdfs = std::filesystem;

std::string render_manifest(const std::string& spec_name, const std::vector<OverlayEntry>& entries) {
  std::string s = "# kgen overlay manifest for " + spec_name + ": files to place and lines to insert.\n";
  for (const auto& e : entries) {
    // One entry per line: a line break in a value would make two.
    if (auto why = fs::bad_relative_path(e.path); !why.empty())
      throw Error(spec_name + ".manifest: error: the kernel path '" + text::replace_all(e.path, "\n", "\\n") +
                  "' would leave the kernel tree: " + why);
    if (e.line.find_first_of("\n\r") != std::string::npos)
      throw Error(spec_name + ".manifest: error: the line to insert into " + e.path + " contains a line break: '" +
                  text::replace_all(e.line, "\n", "\\n") + "'");
    s += e.kind == OverlayEntry::Kind::File ? "file " + e.path + "\n" : "line " + e.path + " " + e.line + "\n";
  }
  return s;
}

std::vector<OverlayEntry> parse_manifest(const std::string& text, const std::string& path) {
  std::vector<OverlayEntry> out;
  unsigned n = 0;
  for (const auto& l : text::split_lines(text)) {
    ++n;
    if (l.empty() || l[0] == '#') continue;
    auto sp = l.find(' ');
    std::string kind = l.substr(0, sp);
    std::string rest = sp == std::string::npos ? "" : l.substr(sp + 1);
    std::string at = path + ":" + std::to_string(n);
    OverlayEntry e;
    if (kind == "file" && !rest.empty()) {
      e = {OverlayEntry::Kind::File, rest, ""};
    } else if (kind == "line") {
      auto sp2 = rest.find(' ');
      if (sp2 == std::string::npos) throw Error(at + ":1: error: expected 'line PATH TEXT'");
      e = {OverlayEntry::Kind::Line, rest.substr(0, sp2), rest.substr(sp2 + 1)};
    } else {
      throw Error(at + ":1: error: expected 'file PATH' or 'line PATH TEXT'");
    }
    if (auto why = fs::bad_relative_path(e.path); !why.empty())
      throw Error(at + ":" + std::to_string(kind.size() + 2) + ": error: '" + e.path + "' would leave the kernel tree: " +
                  why + "\n  hint: regenerate the overlay with kgen generate; manifests hold kernel-relative paths");
    out.push_back(std::move(e));
  }
  return out;
}

std::string insert_line(const std::string& content, const std::string& line) {
  auto lines = text::split_lines(content);
  // A "\n" in the manifest's text stands for a block of several lines.
  std::vector<std::string> block;
  for (size_t pos = 0;;) {
    size_t next = line.find("\\n", pos);
    block.push_back(line.substr(pos, next == std::string::npos ? std::string::npos : next - pos));
    if (next == std::string::npos) break;
    pos = next + 2;
  }
  if (std::search(lines.begin(), lines.end(), block.begin(), block.end()) != lines.end()) return content;
  size_t at = lines.size();
  const std::string& last = block.back();
  // The name a `mod` line declares ("" for other lines).
  auto mod_name = [](const std::string& l) -> std::string {
    std::string t = text::starts_with(l, "pub mod ") ? l.substr(8) : text::starts_with(l, "mod ") ? l.substr(4) : "";
    return text::ends_with(t, ";") ? t.substr(0, t.size() - 1) : "";
  };
  if (std::string name = mod_name(last); !name.empty()) {
    // Where rustfmt (reorder_modules) would put it: before the first module
    // declared after it in alphabetical order, above that one's attributes;
    // else after the last one.
    bool placed = false;
    for (size_t i = 0; i < lines.size() && !placed; ++i) {
      std::string other = mod_name(lines[i]);
      if (other.empty()) continue;
      at = i + 1;
      if (other > name) {
        at = i;
        while (at > 0 && text::starts_with(lines[at - 1], "#[")) --at;
        placed = true;
      }
    }
  } else if (text::starts_with(last, "#include")) {
    for (size_t i = 0; i < lines.size(); ++i)
      if (text::starts_with(lines[i], "#include")) at = i + 1;
  }
  lines.insert(lines.begin() + static_cast<long>(at), block.begin(), block.end());
  return text::join(lines, "\n") + "\n";
}

namespace {

Error not_a_tree(const std::string& dir, const std::string& why) {
  return Error(dir + ": error: " + why + "\n  hint: pass --kernel with a Linux 6.12 tree (the one scripts/kernel-tree.sh prints)");
}

void check_tree(const std::string& kernel_dir) {
  std::error_code ec;
  stdfs::path tree(kernel_dir);
  if (!stdfs::exists(tree, ec)) throw not_a_tree(kernel_dir, "no such directory");
  if (!stdfs::is_directory(tree, ec)) throw not_a_tree(kernel_dir, "not a directory");
  if (!stdfs::exists(tree / "Makefile", ec) || !stdfs::is_directory(tree / "rust", ec))
    throw not_a_tree(kernel_dir, "not a Linux tree with rust/ (no Makefile or rust/)");
  for (const auto& m : fs::recover(tree, /*scan=*/false)) spdlog::warn("{}", m);
}

// <tree>/.kgen-overlay/: what install changed, and the originals.
struct State {
  std::map<std::string, bool> files;  // kernel-relative path -> had an original (backed up)
  stdfs::path tree, dir;
  explicit State(const stdfs::path& t) : tree(t), dir(t / ".kgen-overlay") {}  // .kgen/ belongs to scripts/kernel-tree.sh
  stdfs::path state_path() const { return dir / "state"; }
  void load() {
    auto s = fs::read_file(state_path());
    if (!s) return;
    unsigned n = 0;
    for (const auto& l : text::split_lines(*s)) {
      ++n;
      auto sp = l.rfind(' ');
      if (!text::starts_with(l, "file ") || sp == std::string::npos || sp < 5 || (l.substr(sp + 1) != "0" && l.substr(sp + 1) != "1"))
        throw Error(state_path().string() + ":" + std::to_string(n) + ":1: error: expected 'file PATH 0|1'\n"
                    "  hint: this file is kgen's record of what install changed; restore it or the tree by hand");
      std::string rel = l.substr(5, sp - 5);
      if (auto why = fs::bad_relative_path(rel); !why.empty())
        throw Error(state_path().string() + ":" + std::to_string(n) + ":6: error: '" + rel +
                    "' would leave the kernel tree: " + why);
      files[rel] = l.substr(sp + 1) == "1";
    }
  }
  std::string render() const {
    std::string s;
    for (const auto& [p, orig] : files) s += "file " + p + " " + (orig ? "1" : "0") + "\n";
    return s;
  }
  // Where the original of `rel` is kept: not as a .rs file, which the tree's
  // own tools (make rustfmtcheck) would find and check.
  stdfs::path backup_path(const std::string& rel) const { return dir / "backup" / (rel + ".orig"); }
  // Older kgen kept backups under their bare names.
  stdfs::path old_backup_path(const std::string& rel) const { return dir / "backup" / rel; }
};

}  // namespace

InstallReport install_overlay(const std::string& overlay_dir, const std::string& kernel_dir) {
  stdfs::path tree(kernel_dir), ov(overlay_dir);
  std::error_code ec;
  if (!stdfs::is_directory(ov, ec))
    throw Error(overlay_dir + ": error: " + (stdfs::exists(ov, ec) ? "not a directory" : "no such directory") +
                "\n  hint: pass --overlay with the directory kgen generate wrote (kernel-crate-overlay/)");
  check_tree(kernel_dir);
  std::vector<stdfs::path> manifests;
  for (const auto& e : stdfs::directory_iterator(ov))
    if (e.path().extension() == ".manifest") manifests.push_back(e.path());
  std::sort(manifests.begin(), manifests.end());
  if (manifests.empty())
    throw Error(overlay_dir + ": error: no *.manifest in the overlay\n  hint: run kgen generate first");

  // Everything is read and computed first; one transaction then writes the
  // tree, the backups and the state, or nothing.
  State st(tree);
  st.load();
  std::map<std::string, std::string> want;       // kernel-relative path -> content after install
  std::map<std::string, std::string> owner;      // kernel-relative path -> the manifest line asking for it
  std::map<std::string, std::optional<std::string>> before;  // what the tree has now
  std::vector<std::string> errs;
  for (const auto& m : manifests) {
    for (const auto& e : parse_manifest(fs::read_file_or_throw(m), m.string())) {
      if (!before.count(e.path)) before[e.path] = fs::read_file(tree / e.path);
      const std::string at = m.string();
      if (e.kind == OverlayEntry::Kind::File) {
        if (owner.count(e.path) && want.count(e.path) && text::starts_with(owner[e.path], "file"))
          errs.push_back((tree / e.path).string() + ": error: placed by two manifests: " + owner[e.path].substr(5) +
                         " and " + at);
        want[e.path] = fs::read_file_or_throw(ov / e.path);
        owner[e.path] = "file " + at;
      } else {
        auto cur = want.count(e.path) ? std::optional<std::string>(want[e.path]) : before[e.path];
        if (!cur) {
          errs.push_back((tree / e.path).string() + ": error: the file to insert '" + e.line + "' into does not exist (" + at + ")");
          continue;
        }
        want[e.path] = insert_line(*cur, e.line);
        if (!owner.count(e.path)) owner[e.path] = "line " + at;
      }
    }
  }
  if (!errs.empty()) throw Error(text::join(errs, "\n"));

  fs::Transaction t(tree);
  InstallReport r;
  for (const auto& [rel, content] : want) {
    if (before[rel] == content) {
      ++r.unchanged;
      continue;
    }
    ++r.written;
    t.write(tree, tree / rel, content, owner[rel].substr(5));
    if (!st.files.count(rel)) {
      st.files[rel] = before[rel].has_value();
      if (before[rel]) t.write(tree, st.backup_path(rel), *before[rel], owner[rel].substr(5));
    }
  }
  // Backups an older kgen kept under their bare names move to their new place.
  for (const auto& [rel, had] : st.files)
    if (had && stdfs::exists(st.old_backup_path(rel), ec) && !stdfs::exists(st.backup_path(rel), ec)) {
      t.write(tree, st.backup_path(rel), fs::read_file_or_throw(st.old_backup_path(rel)), st.state_path().string());
      t.remove(tree, st.old_backup_path(rel), st.state_path().string());
    }
  if (t.size()) t.write(tree, st.state_path(), st.render(), "");
  t.commit();
  return r;
}

InstallReport uninstall_overlay(const std::string& kernel_dir) {
  check_tree(kernel_dir);
  stdfs::path tree(kernel_dir);
  State st(tree);
  st.load();
  InstallReport r;
  std::error_code ec;
  if (st.files.empty()) {
    if (!stdfs::exists(st.state_path(), ec)) stdfs::remove_all(st.dir, ec);  // an empty leftover
    return r;
  }
  fs::Transaction t(tree);
  std::vector<std::string> errs;
  for (const auto& [rel, had] : st.files) {
    if (had) {
      stdfs::path bak = stdfs::exists(st.backup_path(rel), ec) ? st.backup_path(rel) : st.old_backup_path(rel);
      auto orig = fs::read_file(bak);
      if (!orig) {
        errs.push_back(st.backup_path(rel).string() + ": error: backup missing; cannot restore " + rel +
                       "\n  hint: restore " + rel + " by hand (e.g. from the kernel source package), then remove " +
                       st.dir.string());
        continue;
      }
      t.write(tree, tree / rel, *orig, st.state_path().string());
      t.remove(tree, bak, st.state_path().string());
    } else {
      t.remove(tree, tree / rel, st.state_path().string());
    }
  }
  if (!errs.empty()) throw Error(text::join(errs, "\n"));
  t.remove(tree, st.state_path(), "");
  auto res = t.commit();
  std::set<stdfs::path> changed(res.changed.begin(), res.changed.end());
  for (const auto& [rel, had] : st.files)
    if (changed.count(fs::normal(tree / rel))) ++(had ? r.restored : r.removed);
  stdfs::remove_all(st.dir, ec);  // only empty directories are left in it
  return r;
}

}  // namespace kgen::driver
