// kernel-doc comments (Documentation/doc-guide/kernel-doc.rst) parsed from
// raw comment text, and rendered as rustdoc Markdown lines.
//
// Two renderings exist:
// - rustdoc_lines(doc, context, width): the rustdoc a person would write for
//   the Rust item, given what the Rust signature looks like (DocContext).
//   The rules are listed in docs/notes.md, "kernel-doc to rustdoc".
// - rustdoc_paragraphs(doc): the historical rendering (flattened paragraphs,
//   C prose kept as is), for callers not moved to rustdoc_lines yet.
#pragma once
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace kgen::model {

struct KernelDoc {
  // Flattened fields, as rustdoc_paragraphs and older callers read them.
  std::string name;     // "genphy_soft_reset", empty for member docs
  std::string summary;  // the text after "name - " (for "@member:" docs, every
                        // following non-blank line is joined in, @param lines too)
  std::vector<std::pair<std::string, std::string>> params;  // @name: text
  std::vector<std::string> body;  // paragraphs, each joined into one line
  std::string returns;  // "Return:" / "Returns:" section
  std::string context;  // "Context:" section
  bool empty() const { return summary.empty() && body.empty() && returns.empty(); }

  // Structured fields, as rustdoc_lines reads them (default-initialized, so
  // that "{name, summary, ...}" initializers of the fields above stay valid). Lines have the comment
  // markers removed and keep their indentation (tabs expanded), so lists and
  // their continuation lines survive; "" is a blank line.
  std::string member{};  // "@init_hctx: ..." docs: "init_hctx"
  std::string brief{};   // the summary line(s) only: "@x:" lines and sections end it
  std::vector<std::pair<std::string, std::string>> args{};  // @name: text, also "@name text"
  std::vector<std::string> description{};  // free text and "Description:" sections
  std::vector<std::string> return_lines{};  // "Return:" / "Returns:" section
  std::vector<std::string> context_lines{};  // "Context:" section
  bool has_text() const { return !brief.empty() || !description.empty() || !return_lines.empty(); }
};

// Parses one comment; a comment that is not kernel-doc (no "/**") yields an empty KernelDoc.
KernelDoc parse_kerneldoc(const std::string& raw);
// Parses comment text whose markers are already removed (CMacro::doc, for
// example) with the same rules: an optional "name - summary" first line,
// @args, sections. A plain comment becomes a description whose first
// sentence rustdoc_lines uses as the summary. Only the structured fields are set.
KernelDoc parse_comment_text(const std::string& text);
// The text of a C comment ("/* ... */", "/** ... */" or "//" lines) without
// its markers and the " * " margin; lines joined by '\n', further indentation
// kept, leading and trailing blank lines removed.
std::string strip_comment_markers(const std::string& raw);
// Scans a C source file's text for kernel-doc blocks, keyed by the documented name.
std::map<std::string, KernelDoc> scan_kerneldoc(const std::string& source_text);
// Converts kernel-doc markup to rustdoc-safe Markdown: %CONST, @param, &struct x,
// and characters rustdoc would take for links or HTML.
std::string to_markdown(const std::string& s);
// Rustdoc paragraphs: the summary as a first one-sentence paragraph, then the body.
std::vector<std::string> rustdoc_paragraphs(const KernelDoc& d);

// What the Rust item looks like, so that the C prose can be rewritten for it.
struct DocContext {
  // C parameter name -> Rust name. "" drops the parameter: it is not in the
  // Rust signature (a C-only length, a buffer the Rust API allocates).
  // A sentence that mentions a dropped parameter only makes sense in C and
  // is left out. Keys may also be C paths such as "bd->last", for values the
  // Rust signature passes on their own (`is_last`). When the map is empty,
  // every @name is kept under its C name.
  std::map<std::string, std::string> params;
  // C name of the receiver parameter; @self_param is written as self_text.
  std::string self_param;
  std::string self_text = "`self`";  // or "the device", "the request", ...
  // C parameters whose Rust type is an Option: %NULL in a sentence that
  // mentions one of them is written `None`.
  std::set<std::string> optional_params;
  // The Rust function returns Result (or Result<T> with returns_value): C
  // return prose is rewritten; "0 on success", "< 0 on failure", "negative
  // errno", ERR_PTR(), ... go away, -EFOO becomes `EFOO`.
  bool returns_result = false;
  bool returns_value = false;   // Result<T>: non-negative C values are the T
  bool returns_option = false;  // Option<T>: a %NULL return is `None`
  // The C return value is a status of the subsystem's own that the Rust
  // function maps to an errno (the spec's `errno`): its prose is left out.
  bool drop_returns = false;
  // The doc of the member or function documented just before this one, and
  // its Rust name: "Ditto for exit/teardown." becomes "Like `init_hctx`, but
  // for exit/teardown.", a bare "Ditto." repeats that doc. Without it such
  // sentences are dropped.
  const KernelDoc* previous = nullptr;
  std::string previous_name;  // default: previous->member or previous->name
  // Argument descriptions (@name: text) are dropped by default, as upstream
  // rust/kernel documents arguments in prose; true lists the ones that are
  // in the Rust signature as "- `name`: text".
  bool list_arguments = false;
};

// The doc comment for a Rust item: the text of each line without the
// leading "/// " (the caller writes "/// " + line, or "///" for ""), "" for a
// blank line, every line at most `width` columns unless one word (a URL) is
// longer. Paragraphs: the summary (one sentence), the description (lists
// kept, with hanging indents), the return prose, the context sentence.
// Returns no lines when nothing is left to say: this layer never invents a
// fallback; the caller decides what an undocumented item gets.
std::vector<std::string> rustdoc_lines(const KernelDoc& d, const DocContext& ctx, size_t width);

}  // namespace kgen::model
