// kernel-crate-overlay/: what goes into a kernel tree, and installing it.
// Each spec contributes whole files (at their kernel-relative paths) and
// lines to insert into existing files, listed in <spec>.manifest.
// `install` backs up what it replaces and records it in <tree>/.kgen-overlay/, so
// `uninstall` restores the tree exactly; both are idempotent.
#pragma once
#include <string>
#include <vector>

namespace kgen::driver {

struct OverlayEntry {
  enum class Kind { File, Line } kind;
  std::string path;  // kernel-relative
  std::string line;  // for Line
};

std::string render_manifest(const std::string& spec_name, const std::vector<OverlayEntry>& entries);
std::vector<OverlayEntry> parse_manifest(const std::string& text, const std::string& path);

struct InstallReport {
  int written = 0, unchanged = 0, restored = 0, removed = 0;
};

InstallReport install_overlay(const std::string& overlay_dir, const std::string& kernel_dir);
InstallReport uninstall_overlay(const std::string& kernel_dir);

// Inserts `line` into `content` if absent: an #include after the last one, a
// `pub mod x;` where rustfmt's reorder_modules keeps it (alphabetical order).
std::string insert_line(const std::string& content, const std::string& line);

}  // namespace kgen::driver
