// Comments next to #define lines, read from the header text (libclang
// attaches no comment to a macro definition). They become CMacro::doc, so a
// constant's rustdoc can come from its header comment:
//   #define BMCR_RESET  0x8000  /* Reset to default state */
// gives "Reset to default state".
#pragma once
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "model/cmodel.hpp"

namespace kgen::frontend {

// The comment that documents the #define starting on 1-based line `line` of
// `lines` (a file's text split into lines):
// 1. a comment after the value on the define's last line (after any "\"
//    continuations): "/* ... */" (it may run on over further lines) or "// ...";
// 2. else the comment block that ends on the line just above the #define,
//    with no blank line between: one "/* ... */" that starts a line, or a run
//    of "//" lines. A comment that ends a line of code is not such a block,
//    nor is an SPDX-License-Identifier line.
// Returns the text without comment markers ("/*", "/**", "*/", the " * "
// margin, "//"), lines joined by '\n', indentation beyond the margin kept,
// blank lines kept as "" between paragraphs; "" when there is no comment.
std::string define_comment(const std::vector<std::string>& lines, size_t line);

// Sets CMacro::doc of every macro of `m` that has a file and line, and the
// doc of every enumerator that has none, by the same rules, reading each file
// once; relative file names are relative to `base`. A file that cannot be
// read leaves its macros and enumerators undocumented.
void attach_define_comments(model::CModel& m, const std::filesystem::path& base);

}  // namespace kgen::frontend
