// kernel-doc comments (Documentation/doc-guide/kernel-doc.rst) parsed from
// raw comment text, and rendered as rustdoc Markdown lines.
#pragma once
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace kgen::model {

struct KernelDoc {
  std::string name;     // "genphy_soft_reset", empty for member docs
  std::string summary;  // the text after "name - "
  std::vector<std::pair<std::string, std::string>> params;  // @name: text
  std::vector<std::string> body;  // paragraphs, each joined into one line
  std::string returns;  // "Return:" / "Returns:" section
  std::string context;  // "Context:" section
  bool empty() const { return summary.empty() && body.empty() && returns.empty(); }
};

// Parses one comment; a comment that is not kernel-doc (no "/**") yields an empty KernelDoc.
KernelDoc parse_kerneldoc(const std::string& raw);
// Scans a C source file's text for kernel-doc blocks, keyed by the documented name.
std::map<std::string, KernelDoc> scan_kerneldoc(const std::string& source_text);
// Converts kernel-doc markup to rustdoc-safe Markdown: %CONST, @param, &struct x,
// and characters rustdoc would take for links or HTML.
std::string to_markdown(const std::string& s);
// Rustdoc paragraphs: the summary as a first one-sentence paragraph, then the body.
std::vector<std::string> rustdoc_paragraphs(const KernelDoc& d);

}  // namespace kgen::model
