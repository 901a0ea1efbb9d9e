#include "emit/code_writer.hpp"

#include "support/diag.hpp"
#include "support/text.hpp"

namespace kgen::emit {

std::vector<std::string> wrap_words(const std::string& textv, size_t width) {
  std::vector<std::string> out;
  std::string cur;
  for (const auto& word : text::split(textv, ' ')) {
    if (word.empty()) continue;
    if (!cur.empty() && cur.size() + 1 + word.size() > width) {
      out.push_back(cur);
      cur.clear();
    }
    cur += (cur.empty() ? "" : " ") + word;
  }
  if (!cur.empty()) out.push_back(cur);
  return out;
}

void CodeWriter::line(const std::string& c) { lines_.push_back(c.empty() ? "" : pad() + c); }

void CodeWriter::code(const std::string& textv) {
  auto ls = text::split_lines(text::trim(textv));
  for (const auto& l : ls) line(l);
}

void CodeWriter::open(const std::string& head) {
  line(head + " {");
  ++level_;
}

void CodeWriter::close(const std::string& tail) {
  if (level_ == 0) throw Error("internal error: CodeWriter::close without open");
  --level_;
  line("}" + tail);
}

void CodeWriter::comment(const std::string& textv, const std::string& tag) {
  std::string lead = "// ";
  size_t room = width_ > pad().size() + lead.size() + 20 ? width_ - pad().size() - lead.size() : 20;
  auto ls = wrap_words(tag.empty() ? textv : tag + ": " + textv, room);
  for (const auto& l : ls) line(lead + l);
}

void CodeWriter::blank() {
  if (!lines_.empty() && !lines_.back().empty()) lines_.push_back("");
}

std::string CodeWriter::str() const { return text::join(lines_, "\n"); }

}  // namespace kgen::emit
