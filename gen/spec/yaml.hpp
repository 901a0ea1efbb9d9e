// The YAML a spec is written in, read strictly: a small tree built from
// yaml-cpp's parser events (not its Node API), so that the loader sees what
// the Node API hides or gets wrong: duplicate keys, keys that are lists or
// maps, tags, anchors and aliases, a second document. Nodes live in one
// vector and refer to each other by index, so no destructor recurses and no
// conversion can throw while the tree is taken apart.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "support/diag.hpp"

namespace kgen::spec::yaml {

struct Node {
  enum class Kind : uint8_t { Null, Scalar, Seq, Map };
  Kind kind = Kind::Null;
  uint32_t line = 0;    // 1-based
  uint32_t column = 0;  // 1-based
  std::string value;    // Scalar: its text
  // Seq: the items; Map: key, value, key, value, ... (indices into Doc::nodes).
  std::vector<uint32_t> items;
};

struct Doc {
  std::vector<Node> nodes;
  uint32_t root = 0;
  bool empty = true;      // no document at all
  bool complete = false;  // the first document was read to its end
  const Node& at(uint32_t i) const { return nodes[i]; }
};

// The limits a spec stays within (a real spec is about 12 KiB and 2,000
// nodes); beyond them kgen stops reading, with one error.
constexpr size_t kMaxBytes = 8u << 20;
constexpr size_t kMaxNodes = 200000;
constexpr size_t kMaxDepth = 64;

const char* kind_name(Node::Kind k);

// Parses `text` as one YAML document. Every departure from the strict
// subset (a byte that is not UTF-8, a NUL or control character, a syntax
// error, a tag, an anchor or alias, a key that is not a string, a duplicate
// key, a second document, too large an input) is an error in `d` with its
// file:line:column; the tree holds what could be read.
Doc parse(const std::string& text, const std::string& path, Diagnostics& d);

}  // namespace kgen::spec::yaml
