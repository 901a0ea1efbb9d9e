// Renders Rust from structure, in the manner of the kernel's ynl-gen
// CodeWriter: the writer owns indentation and blocks, so no caller builds
// indented text by hand. Comments are wrapped to the line width (rustfmt
// does not wrap them).
#pragma once
#include <string>
#include <vector>

namespace kgen::emit {

class CodeWriter {
 public:
  // `indent`: columns of the outermost level (the template's position);
  // `width`: the longest line comments are wrapped to.
  explicit CodeWriter(size_t indent = 0, size_t width = 100) : base_(indent), width_(width) {}

  // One line at the current level; an empty line stays empty.
  void line(const std::string& code);
  // Each line of hand-written code (from the spec), at the current level,
  // keeping its relative indentation.
  void code(const std::string& text);
  // `head {` and one level deeper; `close` ends it with `}` + `tail`.
  void open(const std::string& head);
  void close(const std::string& tail = "");
  // `// <tag>: <text>` (or `// <text>` without a tag), wrapped to the width.
  void comment(const std::string& text, const std::string& tag = "");
  void blank();

  size_t level() const { return level_; }
  // The text, one line per line, without a final newline.
  std::string str() const;
  const std::vector<std::string>& lines() const { return lines_; }

 private:
  std::string pad() const { return std::string(base_ + 4 * level_, ' '); }
  size_t base_, width_, level_ = 0;
  std::vector<std::string> lines_;
};

// Word-wraps `text` into lines of at most `width` columns (words longer than
// the width stay whole).
std::vector<std::string> wrap_words(const std::string& text, size_t width);

}  // namespace kgen::emit
