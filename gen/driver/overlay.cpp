#include "driver/overlay.hpp"

#include <algorithm>
#include <filesystem>
#include <map>

#include "support/diag.hpp"
#include "support/fs.hpp"
#include "support/text.hpp"

namespace kgen::driver {

namespace stdfs = std::filesystem;

std::string render_manifest(const std::string& spec_name, const std::vector<OverlayEntry>& entries) {
  std::string s = "# kgen overlay manifest for " + spec_name + ": files to place and lines to insert.\n";
  for (const auto& e : entries)
    s += e.kind == OverlayEntry::Kind::File ? "file " + e.path + "\n" : "line " + e.path + " " + e.line + "\n";
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
    if (kind == "file" && !rest.empty()) {
      out.push_back({OverlayEntry::Kind::File, rest, ""});
    } else if (kind == "line") {
      auto sp2 = rest.find(' ');
      if (sp2 == std::string::npos) throw Error(path + ":" + std::to_string(n) + ":1: error: expected 'line PATH TEXT'");
      out.push_back({OverlayEntry::Kind::Line, rest.substr(0, sp2), rest.substr(sp2 + 1)});
    } else {
      throw Error(path + ":" + std::to_string(n) + ":1: error: expected 'file PATH' or 'line PATH TEXT'");
    }
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
  const char* anchor = text::starts_with(last, "#include") ? "#include" : text::starts_with(last, "pub mod") ? "pub mod" : nullptr;
  if (anchor) {
    for (size_t i = 0; i < lines.size(); ++i)
      if (text::starts_with(lines[i], anchor)) at = i + 1;
  }
  lines.insert(lines.begin() + static_cast<long>(at), block.begin(), block.end());
  return text::join(lines, "\n") + "\n";
}

namespace {

struct State {
  std::map<std::string, bool> files;  // path -> had an original (backed up)
  stdfs::path dir;
  void load(const stdfs::path& tree) {
    dir = tree / ".kgen-overlay";  // .kgen/ belongs to scripts/kernel-tree.sh
    if (auto s = fs::read_file(dir / "state"))
      for (const auto& l : text::split_lines(*s)) {
        auto parts = text::split(l, ' ');
        if (parts.size() == 3 && parts[0] == "file") files[parts[1]] = parts[2] == "1";
      }
    // Older kgen kept backups under their bare names, where `make rustfmtcheck` finds them.
    for (const auto& [rel, had] : files) {
      std::error_code ec;
      if (had && stdfs::exists(dir / "backup" / rel) && !stdfs::exists(backup_path(rel)))
        stdfs::rename(dir / "backup" / rel, backup_path(rel), ec);
    }
  }
  void save() const {
    std::string s;
    for (const auto& [p, orig] : files) s += "file " + p + " " + (orig ? "1" : "0") + "\n";
    fs::write_if_changed(dir / "state", s);
  }
  // Where the original of `rel` is kept: not as a .rs file, which the tree's
  // own tools (make rustfmtcheck) would find and check.
  stdfs::path backup_path(const std::string& rel) const { return dir / "backup" / (rel + ".orig"); }

  // Backs up the tree's original of `rel` once, before kgen first changes it.
  void track(const stdfs::path& tree, const std::string& rel) {
    if (files.count(rel)) return;
    auto orig = fs::read_file(tree / rel);
    files[rel] = orig.has_value();
    if (orig) fs::write_if_changed(backup_path(rel), *orig);
    save();
  }
};

}  // namespace

InstallReport install_overlay(const std::string& overlay_dir, const std::string& kernel_dir) {
  stdfs::path tree(kernel_dir), ov(overlay_dir);
  if (!stdfs::exists(tree / "Makefile") || !stdfs::exists(tree / "rust"))
    throw Error(kernel_dir + ": error: not a Linux tree with rust/\n  hint: pass --kernel with a 6.12 tree");
  std::vector<stdfs::path> manifests;
  for (const auto& e : stdfs::directory_iterator(ov))
    if (e.path().extension() == ".manifest") manifests.push_back(e.path());
  std::sort(manifests.begin(), manifests.end());
  if (manifests.empty())
    throw Error(overlay_dir + ": error: no *.manifest in the overlay\n  hint: run kgen generate first");
  // Read everything first, so a bad manifest changes nothing.
  std::vector<std::pair<OverlayEntry, std::string>> work;
  for (const auto& m : manifests)
    for (const auto& e : parse_manifest(fs::read_file_or_throw(m), m.string())) {
      std::string content;
      if (e.kind == OverlayEntry::Kind::File) content = fs::read_file_or_throw(ov / e.path);
      work.emplace_back(e, content);
    }
  State st;
  st.load(tree);
  InstallReport r;
  for (const auto& [e, content] : work) {
    stdfs::path target = tree / e.path;
    std::string want = content;
    if (e.kind == OverlayEntry::Kind::Line) {
      auto cur = fs::read_file(target);
      if (!cur) throw Error(target.string() + ": error: file to insert '" + e.line + "' into does not exist");
      want = insert_line(*cur, e.line);
    }
    if (fs::read_file(target) == want) {
      ++r.unchanged;
      continue;
    }
    st.track(tree, e.path);
    fs::write_if_changed(target, want);
    ++r.written;
  }
  return r;
}

InstallReport uninstall_overlay(const std::string& kernel_dir) {
  stdfs::path tree(kernel_dir);
  State st;
  st.load(tree);
  InstallReport r;
  for (const auto& [rel, had] : st.files) {
    if (had) {
      auto orig = fs::read_file(st.backup_path(rel));
      if (!orig) throw Error(st.backup_path(rel).string() + ": error: backup missing; cannot restore " + rel);
      if (fs::write_if_changed(tree / rel, *orig)) ++r.restored;
    } else if (fs::remove_file(tree / rel)) {
      ++r.removed;
    }
  }
  std::error_code ec;
  stdfs::remove_all(st.dir, ec);
  return r;
}

}  // namespace kgen::driver
