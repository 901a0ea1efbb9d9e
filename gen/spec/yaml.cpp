#include "spec/yaml.hpp"

#include <yaml-cpp/depthguard.h>
#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/exceptions.h>
#include <yaml-cpp/mark.h>
#include <yaml-cpp/parser.h>

#include <map>
#include <sstream>
#include <string_view>

namespace kgen::spec::yaml {

const char* kind_name(Node::Kind k) {
  switch (k) {
    case Node::Kind::Null: return "nothing";
    case Node::Kind::Scalar: return "a string";
    case Node::Kind::Seq: return "a list";
    case Node::Kind::Map: return "a mapping";
  }
  return "?";
}

namespace {

// Thrown from the event handler to stop the parse (too many nodes).
struct TooLarge {};

std::string hex_byte(unsigned char b) {
  static const char* digits = "0123456789abcdef";
  return std::string("0x") + digits[b >> 4] + digits[b & 15];
}

// Where byte `off` of `text` is, 1-based, counting characters (not bytes)
// for the column.
Location where(const std::string& text, size_t off, const std::string& path) {
  unsigned line = 1, col = 1;
  for (size_t i = 0; i < off && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++line;
      col = 1;
    } else if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) {
      ++col;
    }
  }
  return {path, line, col};
}

// The first byte that is not part of well-formed UTF-8 (no overlong forms,
// no surrogates, nothing above U+10FFFF), or npos.
size_t first_bad_utf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    auto b = static_cast<unsigned char>(s[i]);
    if (b < 0x80) {
      ++i;
      continue;
    }
    size_t n;
    unsigned cp;
    if (b >= 0xC2 && b <= 0xDF) {
      n = 1;
      cp = b & 0x1F;
    } else if (b >= 0xE0 && b <= 0xEF) {
      n = 2;
      cp = b & 0x0F;
    } else if (b >= 0xF0 && b <= 0xF4) {
      n = 3;
      cp = b & 0x07;
    } else {
      return i;
    }
    for (size_t k = 1; k <= n; ++k) {
      if (i + k >= s.size()) return i;
      auto c = static_cast<unsigned char>(s[i + k]);
      if ((c & 0xC0) != 0x80) return i;
      cp = (cp << 6) | (c & 0x3F);
    }
    if ((n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
      return i;
    i += n + 1;
  }
  return std::string_view::npos;
}

bool bad_control(unsigned char c, bool in_value) {
  if (c == '\t' || c == '\n') return false;
  if (c == '\r') return in_value;  // CR LF line ends are fine in the file
  return c < 0x20 || c == 0x7F;
}

class Builder : public YAML::EventHandler {
 public:
  Builder(Doc& doc, const std::string& path, Diagnostics& d) : doc_(doc), path_(path), d_(d) {}

  void OnDocumentStart(const YAML::Mark& mark) override {}
  void OnDocumentEnd() override {}

  void OnNull(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    check_anchor(mark, anchor);
    add(Node::Kind::Null, mark);
  }
  void OnAlias(const YAML::Mark& mark, YAML::anchor_t) override {
    d_.error(at(mark), "aliases (*name) are not allowed in a spec", "write the value out where it is used");
    add(Node::Kind::Null, mark);
  }
  void OnScalar(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor,
                const std::string& value) override {
    check_anchor(mark, anchor);
    check_tag(mark, tag);
    for (unsigned char c : value)
      if (bad_control(c, true)) {
        d_.error(at(mark), "a string holds the control character " + hex_byte(c),
                 "only tabs and line breaks may appear in a spec's strings");
        break;
      }
    uint32_t i = add(Node::Kind::Scalar, mark);
    doc_.nodes[i].value = value;
  }
  void OnSequenceStart(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor,
                       YAML::EmitterStyle::value) override {
    check_anchor(mark, anchor);
    check_tag(mark, tag);
    open_.push_back(add(Node::Kind::Seq, mark));
    check_depth(mark);
  }
  void OnSequenceEnd() override { open_.pop_back(); }
  void OnMapStart(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor,
                  YAML::EmitterStyle::value) override {
    check_anchor(mark, anchor);
    check_tag(mark, tag);
    open_.push_back(add(Node::Kind::Map, mark));
    check_depth(mark);
  }
  void OnMapEnd() override {
    check_keys(open_.back());
    open_.pop_back();
  }
  void OnAnchor(const YAML::Mark& mark, const std::string& name) override {
    d_.error(at(mark), "anchors (&" + name + ") are not allowed in a spec", "write the value out where it is used");
    anchor_reported_ = true;
  }

  bool has_root = false;

 private:
  Location at(const YAML::Mark& m) const {
    if (m.is_null()) return {path_, 0, 0};
    return {path_, static_cast<unsigned>(m.line + 1), static_cast<unsigned>(m.column + 1)};
  }

  void check_anchor(const YAML::Mark& mark, YAML::anchor_t anchor) {
    if (anchor && !anchor_reported_)
      d_.error(at(mark), "anchors (&name) are not allowed in a spec", "write the value out where it is used");
    anchor_reported_ = false;
  }

  void check_tag(const YAML::Mark& mark, const std::string& tag) {
    // "?": no tag; "!": the non-specific tag a quoted scalar gets.
    if (tag.empty() || tag == "?" || tag == "!") return;
    std::string shown = tag;
    if (shown.rfind("tag:yaml.org,2002:", 0) == 0) shown = "!!" + shown.substr(18);
    d_.error(at(mark), "YAML tags (" + shown + ") are not allowed in a spec",
             "every value is plain text: remove the tag");
  }

  void check_depth(const YAML::Mark& mark) {
    if (open_.size() <= kMaxDepth) return;
    d_.error(at(mark), "the spec nests lists and mappings more than " + std::to_string(kMaxDepth) +
                           " levels deep; kgen stops reading it here",
             "a spec is at most about 8 levels deep: look for unclosed [ or {");
    throw TooLarge{};
  }

  uint32_t add(Node::Kind k, const YAML::Mark& mark) {
    if (doc_.nodes.size() >= kMaxNodes) {
      d_.error(at(mark), "the spec has more than " + std::to_string(kMaxNodes) + " YAML nodes; kgen stops reading it here",
               "a spec describes one kernel module; split it, or look for a generated or repeated block");
      throw TooLarge{};
    }
    Node n;
    n.kind = k;
    if (!mark.is_null()) {
      n.line = static_cast<uint32_t>(mark.line + 1);
      n.column = static_cast<uint32_t>(mark.column + 1);
    }
    auto i = static_cast<uint32_t>(doc_.nodes.size());
    doc_.nodes.push_back(std::move(n));
    if (open_.empty()) {
      doc_.root = i;
      has_root = true;
    } else {
      doc_.nodes[open_.back()].items.push_back(i);
    }
    return i;
  }

  Location loc(const Node& n) const { return {path_, n.line, n.column}; }

  // Every key of a mapping is a string, and appears once.
  void check_keys(uint32_t map) {
    std::map<std::string_view, uint32_t> seen;
    const auto& items = doc_.nodes[map].items;
    for (size_t k = 0; k < items.size(); k += 2) {
      const Node& key = doc_.nodes[items[k]];
      if (key.kind != Node::Kind::Scalar) {
        d_.error(loc(key), std::string("a key must be a plain string, not ") + kind_name(key.kind),
                 key.kind == Node::Kind::Null ? "write the key's name before the ':'"
                                              : "keys are names; write the list or mapping as the value");
        continue;
      }
      auto [it, fresh] = seen.emplace(key.value, items[k]);
      if (!fresh) {
        const Node& first = doc_.nodes[it->second];
        d_.error(loc(key), "duplicate key '" + key.value + "' (first at line " + std::to_string(first.line) + ")",
                 "a key may appear once in a mapping: merge the two, or remove one");
      }
    }
  }

  Doc& doc_;
  const std::string& path_;
  Diagnostics& d_;
  std::vector<uint32_t> open_;
  bool anchor_reported_ = false;
};

}  // namespace

Doc parse(const std::string& text, const std::string& path, Diagnostics& d) {
  Doc doc;
  if (text.size() > kMaxBytes) {
    d.error({path, 0, 0}, "the spec is " + std::to_string(text.size()) + " bytes; kgen reads at most " +
                              std::to_string(kMaxBytes) + " (" + std::to_string(kMaxBytes >> 20) + " MiB)",
            "a spec describes one kernel module; split it, or look for a generated or repeated block");
    return doc;
  }
  if (size_t bad = first_bad_utf8(text); bad != std::string_view::npos) {
    Location l = where(text, bad, path);
    d.error(l, "the spec is not UTF-8: byte " + std::to_string(bad) + " (" + hex_byte(static_cast<unsigned char>(text[bad])) +
                   ") at line " + std::to_string(l.line) + " does not start or continue a UTF-8 character",
            "save the file as UTF-8");
    return doc;
  }
  for (size_t i = 0; i < text.size(); ++i) {
    auto c = static_cast<unsigned char>(text[i]);
    if (bad_control(c, false)) {
      Location l = where(text, i, path);
      d.error(l, "the spec holds the control character " + hex_byte(c) + " (byte " + std::to_string(i) + ")",
              "a spec is text: remove it (write \\t or \\n escapes in a double-quoted string if you meant one)");
      return doc;
    }
  }
  std::istringstream in(text);
  Builder b(doc, path, d);
  try {
    YAML::Parser p(in);
    if (!p.HandleNextDocument(b)) {  // no document at all: an empty file, or comments only
      doc.complete = true;
      return doc;
    }
    doc.empty = !b.has_root;
    doc.complete = true;
    // A second document: anything after the first (an empty one included).
    struct First : YAML::EventHandler {
      YAML::Mark mark;
      bool seen = false;
      void note(const YAML::Mark& k) {
        if (!seen) mark = k, seen = true;
      }
      void OnDocumentStart(const YAML::Mark& k) override { note(k); }
      void OnDocumentEnd() override {}
      void OnNull(const YAML::Mark& k, YAML::anchor_t) override { note(k); }
      void OnAlias(const YAML::Mark& k, YAML::anchor_t) override { note(k); }
      void OnScalar(const YAML::Mark& k, const std::string&, YAML::anchor_t, const std::string&) override { note(k); }
      void OnSequenceStart(const YAML::Mark& k, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {
        note(k);
      }
      void OnSequenceEnd() override {}
      void OnMapStart(const YAML::Mark& k, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {
        note(k);
      }
      void OnMapEnd() override {}
    } second;
    if (p.HandleNextDocument(second)) {
      Location l = second.mark.is_null() ? Location{path, 0, 0}
                                         : Location{path, static_cast<unsigned>(second.mark.line + 1),
                                                    static_cast<unsigned>(second.mark.column + 1)};
      d.error(l, "a spec is one YAML document; a second one starts here", "remove the '---' line and what follows, or merge it into the first");
    }
  } catch (const TooLarge&) {
    doc.complete = false;
  } catch (const YAML::DeepRecursion& e) {
    Location l{path, 0, 0};
    if (!e.mark.is_null()) l = {path, static_cast<unsigned>(e.mark.line + 1), static_cast<unsigned>(e.mark.column + 1)};
    d.error(l, "the spec nests too deep for the YAML reader (" + std::to_string(e.depth()) + " levels)",
            "a spec is at most about 8 levels deep: look for unclosed [ or {");
    doc.complete = false;
  } catch (const YAML::Exception& e) {
    Location l{path, 0, 0};
    if (!e.mark.is_null()) l = {path, static_cast<unsigned>(e.mark.line + 1), static_cast<unsigned>(e.mark.column + 1)};
    d.error(l, "spec is not valid YAML: " + e.msg);
    if (!doc.complete) doc.empty = doc.nodes.empty();
  }
  return doc;
}

}  // namespace kgen::spec::yaml
