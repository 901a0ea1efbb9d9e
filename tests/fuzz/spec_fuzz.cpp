// A mutation fuzzer for the spec loader (issue 10). Seeds are the committed
// specs (header-specs/*.yaml, tests/golden/*/spec.yaml); each input is a seed
// mutated structurally (scalars replaced by lists or maps, keys duplicated,
// deleted, renamed or made complex, tags, anchors, deep nesting, huge
// counts, a second document) and/or byte by byte (non-UTF-8, control bytes,
// YAML punctuation, cut and repeated ranges). Every input goes through
// spec::load_string; one that loads also goes through the passes and the
// Rust and C renderers, against a C model parsed once from a golden header.
// Nothing is written anywhere.
//
// A failure is any exception that is not kgen::Error, a rejection whose
// message does not start with the spec's file:line:column, any crash or
// sanitizer report (the process dies), or an input that takes longer than
// the time bound (the watchdog ends the process). The inputs are a function
// of --seed and their index, so `--seed S --only N --print` shows input N.
//
//   kgen_spec_fuzz [--count N] [--seed S] [--only N] [--print] [--timeout-s T] [--verbose]
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <functional>
#include <iostream>
#include <random>
#include <string>
#include <thread>
#include <typeinfo>
#include <vector>

#include <unistd.h>

#include "emit/c_helpers.hpp"
#include "emit/rust_view.hpp"
#include "frontend/frontend.hpp"
#include "passes/plan.hpp"
#include "spec/spec.hpp"
#include "support/fs.hpp"

namespace stdfs = std::filesystem;

namespace {

// ---- a YAML tree the mutator can bend any way, and its writer -----------

struct Y {
  enum K { Null, Scalar, Seq, Map, Alias } k = Null;
  std::string s;  // scalar text, or the alias name
  std::vector<Y> seq;
  std::vector<std::pair<Y, Y>> map;
  std::string tag;     // written before the node ("!!binary", "!x")
  std::string anchor;  // "&name"
  bool flow = false;
};

Y from_node(const YAML::Node& n) {
  Y y;
  if (n.IsScalar()) {
    y.k = Y::Scalar;
    y.s = n.Scalar();
  } else if (n.IsSequence()) {
    y.k = Y::Seq;
    for (const auto& e : n) y.seq.push_back(from_node(e));
  } else if (n.IsMap()) {
    y.k = Y::Map;
    for (const auto& kv : n) y.map.emplace_back(from_node(kv.first), from_node(kv.second));
  }
  return y;
}

bool plain_ok(const std::string& s) {
  if (s.empty() || s.size() > 80) return false;
  if (!(std::isalpha(static_cast<unsigned char>(s[0])) || s[0] == '_')) return false;
  for (char c : s)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '/' || c == '-')) return false;
  return true;
}

std::string quote(const std::string& s) {
  if (plain_ok(s)) return s;
  std::string o = "\"";
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') {
      o += '\\';
      o += static_cast<char>(c);
    } else if (c == '\n') {
      o += "\\n";
    } else if (c == '\t') {
      o += "\\t";
    } else if (c < 0x20 || c == 0x7f) {
      char b[8];
      std::snprintf(b, sizeof b, "\\x%02x", c);
      o += b;
    } else {
      o += static_cast<char>(c);  // bytes >= 0x80 go through as they are
    }
  }
  return o + "\"";
}

std::string prefix(const Y& y) {
  std::string p;
  if (!y.anchor.empty()) p += "&" + y.anchor + " ";
  if (!y.tag.empty()) p += y.tag + " ";
  return p;
}

// Flow style, iteratively deep-safe only to a point: deep nesting is made by
// `nest` as text, not as a tree.
void flow(const Y& y, std::string& o, int depth = 0) {
  if (depth > 200) {
    o += "~";
    return;
  }
  o += prefix(y);
  switch (y.k) {
    case Y::Null: o += "~"; break;
    case Y::Alias: o += "*" + y.s; break;
    case Y::Scalar: o += quote(y.s); break;
    case Y::Seq:
      o += "[";
      for (size_t i = 0; i < y.seq.size(); ++i) {
        if (i) o += ", ";
        flow(y.seq[i], o, depth + 1);
      }
      o += "]";
      break;
    case Y::Map:
      o += "{";
      for (size_t i = 0; i < y.map.size(); ++i) {
        if (i) o += ", ";
        if (y.map[i].first.k == Y::Seq || y.map[i].first.k == Y::Map) o += "? ";
        flow(y.map[i].first, o, depth + 1);
        o += ": ";
        flow(y.map[i].second, o, depth + 1);
      }
      o += "}";
      break;
  }
}

bool inline_node(const Y& y) {
  return y.flow || y.k == Y::Null || y.k == Y::Scalar || y.k == Y::Alias ||
         (y.k == Y::Seq && y.seq.empty()) || (y.k == Y::Map && y.map.empty());
}

void block(const Y& y, std::string& o, int ind, int depth = 0) {
  std::string pad(ind, ' ');
  if (inline_node(y) || depth > 60) {
    o += pad;
    flow(y, o);
    o += "\n";
    return;
  }
  if (!y.anchor.empty() || !y.tag.empty()) {
    // A property on a block collection goes on its own line before it.
    o += pad + prefix(y) + "\n";
  }
  if (y.k == Y::Seq) {
    for (const auto& e : y.seq) {
      if (inline_node(e)) {
        o += pad + "- ";
        flow(e, o);
        o += "\n";
      } else {
        o += pad + "-\n";
        block(e, o, ind + 2, depth + 1);
      }
    }
  } else {
    for (const auto& [k, v] : y.map) {
      if (k.k == Y::Seq || k.k == Y::Map) {
        o += pad + "? ";
        flow(k, o);
        o += "\n" + pad + ": ";
        flow(v, o);
        o += "\n";
        continue;
      }
      o += pad;
      flow(k, o);
      if (inline_node(v)) {
        o += ": ";
        flow(v, o);
        o += "\n";
      } else {
        o += ":\n";
        block(v, o, ind + 2, depth + 1);
      }
    }
  }
}

// ---- mutations --------------------------------------------------------------

const std::vector<std::string> kOddScalars = {
    "", " ", "::", "kernel::", "kernel", "kernel::fn", "kernel:: x", "core::x", "../../etc/x", "/abs/x.rs",
    "rust/../x.rs", "rust/kernel/x.rs", "rust//x.rs", "./rust/x.rs", "spec.yaml", "fn", "self", "Self", "type",
    "match", "loop", "_", "1abc", "a b", "a-b", "\xc3\xa9t\xc3\xa9", "struct", "struct x y", "enum x", "union u", "int",
    "CONFIG_X\nfoo", "CONFIG_", "CONFIG_lower", "\t", "a\nb", "true", "false", "yes", "~", "null", "0x10", "-1",
    "u16", "&mut bool", "ARef<", "Option<&Self>", "value", "value u16", "enum X", "enum", "errno", "status",
    "plain u8", "void", "err_ptr", "{", "[", "#", "%", "@", "`", "'", "\"", "\\", "mut", "shared", "static",
    "opaque", "add", "replace", "refcounted", "owned", "pinned", "borrowed", "vtables", "count", "module",
    "T: Operations", "T", "&self", "&mut self", "a.b.c", "a..b", ".", "..", "name\x01", "\xef\xbb\xbf",
    "widget_get", "widget", "WIDGET_MODE_ON", "WIDGET_*", "*", "?", "State", "Mode", "Widget", "Ops"};

const std::vector<std::string> kKeys = {
    "kgen", "name", "module", "rust_path", "kernel_file", "kconfig", "c_header", "mode", "doc", "imports",
    "headers", "doc_sources", "helpers", "hand_written", "file", "reexport", "extra_helpers", "types", "rust", "c",
    "ownership", "get", "put", "free", "invariants", "as_ref", "target", "field", "via", "fields", "set", "type",
    "as", "equals", "enum", "methods", "receiver", "args", "returns", "context", "generic", "extra_impl", "locks",
    "method", "lock", "unlock", "enums", "variants", "unknown", "macros", "constants", "names", "match", "from",
    "ops", "trait", "vtable", "create", "table", "supertraits", "status", "ok", "err", "guarantee", "consts",
    "default", "init", "callbacks", "params", "prelude", "required", "internal", "body", "excluded", "device_id",
    "driver_const", "getters", "constructors", "registration", "register", "unregister", "module_macro",
    "device_table", "start", "stop", "<<", "? x"};

struct Mutator {
  std::mt19937_64& rng;
  std::string log;  // what was done, for --print

  size_t pick(size_t n) { return n ? std::uniform_int_distribution<size_t>(0, n - 1)(rng) : 0; }
  bool chance(double p) { return std::uniform_real_distribution<double>(0, 1)(rng) < p; }

  void collect(Y& y, std::vector<Y*>& out, int depth = 0) {
    out.push_back(&y);
    if (depth > 40) return;
    for (auto& e : y.seq) collect(e, out, depth + 1);
    for (auto& [k, v] : y.map) {
      out.push_back(&k);
      collect(v, out, depth + 1);
    }
  }

  std::string odd_scalar() {
    if (chance(0.05)) return std::string(1 + pick(5000), 'x');
    if (chance(0.05)) {
      std::string s;
      for (size_t i = 0, n = 1 + pick(8); i < n; ++i) s += static_cast<char>(pick(256));
      return s;
    }
    return kOddScalars[pick(kOddScalars.size())];
  }
  Y scalar(std::string s) {
    Y y;
    y.k = Y::Scalar;
    y.s = std::move(s);
    return y;
  }
  Y random_node(int depth = 0) {
    switch (depth > 3 ? 0 : pick(4)) {
      case 0: return scalar(odd_scalar());
      case 1: return Y{};
      case 2: {
        Y y;
        y.k = Y::Seq;
        for (size_t i = 0, n = pick(4); i < n; ++i) y.seq.push_back(random_node(depth + 1));
        y.flow = chance(0.5);
        return y;
      }
      default: {
        Y y;
        y.k = Y::Map;
        for (size_t i = 0, n = pick(4); i < n; ++i)
          y.map.emplace_back(scalar(kKeys[pick(kKeys.size())]), random_node(depth + 1));
        y.flow = chance(0.5);
        return y;
      }
    }
  }
  Y nested(Y inner, size_t levels) {
    // Deep nesting through a flow text scalar is not possible; build it as
    // single-item lists and maps (the writer cuts at depth 200, so deeper
    // nesting is done on the text: see `text_mutation`).
    for (size_t i = 0; i < levels; ++i) {
      Y y;
      if (chance(0.5)) {
        y.k = Y::Seq;
        y.seq.push_back(std::move(inner));
      } else {
        y.k = Y::Map;
        y.map.emplace_back(scalar("k"), std::move(inner));
      }
      y.flow = true;
      inner = std::move(y);
    }
    return inner;
  }

  void structural(Y& root) {
    std::vector<Y*> nodes;
    collect(root, nodes);
    Y& n = *nodes[pick(nodes.size())];
    switch (pick(18)) {
      case 0: log += "scalar;"; n = scalar(odd_scalar()); break;
      case 1: {
        log += "into-list;";
        Y y;
        y.k = Y::Seq;
        y.seq.push_back(n);
        y.flow = chance(0.5);
        n = std::move(y);
        break;
      }
      case 2: {
        log += "into-map;";
        Y y;
        y.k = Y::Map;
        y.map.emplace_back(scalar(kKeys[pick(kKeys.size())]), n);
        y.flow = chance(0.5);
        n = std::move(y);
        break;
      }
      case 3: log += "null;"; n = Y{}; break;
      case 4: {
        static const char* tags[] = {"!!binary", "!!str", "!!int", "!!map", "!foo", "!", "!<tag:x>", "!!null"};
        log += "tag;";
        n.tag = tags[pick(8)];
        if (n.tag == "!!binary" && n.k == Y::Scalar) n.s = "aGVsbG8=";
        break;
      }
      case 5:
        if (n.k == Y::Map && !n.map.empty()) {
          log += "dup-key;";
          auto e = n.map[pick(n.map.size())];
          n.map.insert(n.map.begin() + static_cast<long>(pick(n.map.size() + 1)), e);
        }
        break;
      case 6:
        if (n.k == Y::Map && !n.map.empty()) {
          log += "del-key;";
          n.map.erase(n.map.begin() + static_cast<long>(pick(n.map.size())));
        } else if (n.k == Y::Seq && !n.seq.empty()) {
          log += "del-item;";
          n.seq.erase(n.seq.begin() + static_cast<long>(pick(n.seq.size())));
        }
        break;
      case 7:
        if (n.k == Y::Map && !n.map.empty()) {
          log += "rename-key;";
          n.map[pick(n.map.size())].first = scalar(chance(0.5) ? kKeys[pick(kKeys.size())] : odd_scalar());
        }
        break;
      case 8:
        if (n.k == Y::Map) {
          log += "complex-key;";
          Y k = random_node(2);
          if (k.k == Y::Scalar) k = Y{};  // a null key
          n.map.emplace_back(std::move(k), random_node(2));
        }
        break;
      case 9:
        if (n.k == Y::Map) {
          log += "unknown-keys;";
          for (size_t i = 0, c = 1 + pick(chance(0.1) ? 20000 : 30); i < c; ++i)
            n.map.emplace_back(scalar("unknown_" + std::to_string(i)), scalar("v"));
        }
        break;
      case 10:
        if (n.k == Y::Seq && !n.seq.empty()) {
          log += "repeat-item;";
          Y e = n.seq[pick(n.seq.size())];
          for (size_t i = 0, c = 1 + pick(chance(0.1) ? 3000 : 20); i < c; ++i) n.seq.push_back(e);
        }
        break;
      case 11: log += "nest;"; n = nested(n, 1 + pick(chance(0.2) ? 190 : 10)); break;
      case 12: {
        log += "swap;";
        Y copy = *nodes[pick(nodes.size())];
        n = std::move(copy);
        break;
      }
      case 13: log += "random;"; n = random_node(); break;
      case 14:
        log += "anchor;";
        n.anchor = "a";
        if (nodes.size() > 1) {
          Y alias;
          alias.k = Y::Alias;
          alias.s = "a";
          *nodes[pick(nodes.size())] = alias;  // may be n itself: an unknown alias
        }
        break;
      case 15: log += "flow;"; n.flow = !n.flow; break;
      case 16:
        if (n.k == Y::Scalar) {
          log += "scalar-edit;";
          if (n.s.empty() || chance(0.3))
            n.s += odd_scalar();
          else
            n.s[pick(n.s.size())] = static_cast<char>(pick(256));
        }
        break;
      default:
        if (n.k == Y::Map && !n.map.empty()) {
          log += "key-to-list;";
          auto& e = n.map[pick(n.map.size())];
          Y k;
          k.k = chance(0.5) ? Y::Seq : Y::Map;
          if (k.k == Y::Seq)
            k.seq.push_back(e.first);
          else
            k.map.emplace_back(e.first, scalar("1"));
          e.first = std::move(k);
        }
        break;
    }
  }

  void text_mutation(std::string& t) {
    static const std::vector<std::string> tokens = {
        "{", "}", "[", "]", ":", ": ", "- ", "? ", "&a ", "*a", "!!binary ", "!x ", "---\n", "...\n", "%YAML 1.2\n",
        "#", "|", ">", "\"", "'", "\t", "\n", "\r\n", "\\", ",", "\xff", "\xc3", "\xed\xa0\x80",
        "\xf4\x90\x80\x80", "\xc0\xaf", std::string(1, '\0'), "\x01", "\x1b[0m", "\xef\xbb\xbf", "<<: *a\n"};
    if (t.empty()) t = "x";
    switch (pick(10)) {
      case 0: {
        log += "flip;";
        for (size_t i = 0, n = 1 + pick(4); i < n; ++i) t[pick(t.size())] ^= static_cast<char>(1u << pick(8));
        break;
      }
      case 1: {
        log += "insert-token;";
        std::string tok = tokens[pick(tokens.size())];
        t.insert(pick(t.size() + 1), tok);
        break;
      }
      case 2: {
        log += "insert-bytes;";
        std::string b;
        for (size_t i = 0, n = 1 + pick(6); i < n; ++i) b += static_cast<char>(pick(256));
        t.insert(pick(t.size() + 1), b);
        break;
      }
      case 3: {
        log += "delete-range;";
        size_t a = pick(t.size()), n = 1 + pick(std::min<size_t>(200, t.size() - a));
        t.erase(a, n);
        break;
      }
      case 4: {
        log += "repeat-range;";
        size_t a = pick(t.size()), n = 1 + pick(std::min<size_t>(300, t.size() - a));
        std::string r = t.substr(a, n);
        for (size_t i = 0, c = 1 + pick(chance(0.1) ? 500 : 4); i < c; ++i) t.insert(a, r);
        break;
      }
      case 5: log += "truncate;"; t.resize(pick(t.size())); break;
      case 6: {
        log += "second-document;";
        t += chance(0.5) ? "---\n" : "---\nkgen: 1\nname: x\n";
        break;
      }
      case 7: {
        log += "deep-text;";
        size_t d = 100 + pick(chance(0.3) ? 20000 : 1000);
        std::string open(d, chance(0.5) ? '[' : '{'), close(d, open[0] == '[' ? ']' : '}');
        if (open[0] == '{') {
          open.clear();
          for (size_t i = 0; i < d; ++i) open += "{a: ";
        }
        t.insert(pick(t.size() + 1), "\nname: " + open + "x" + close + "\n");
        break;
      }
      case 8: {
        log += "indent;";
        size_t at = t.find('\n', pick(t.size()));
        if (at != std::string::npos) t.insert(at + 1, std::string(1 + pick(5), chance(0.8) ? ' ' : '\t'));
        break;
      }
      default: {
        log += "swap-lines;";
        size_t a = t.find('\n', pick(t.size())), b = t.find('\n', pick(t.size()));
        if (a != std::string::npos && b != std::string::npos && a != b) {
          size_t a2 = t.find('\n', a + 1), b2 = t.find('\n', b + 1);
          if (a2 != std::string::npos && b2 != std::string::npos && (a2 < b || b2 < a)) {
            std::string la = t.substr(a + 1, a2 - a), lb = t.substr(b + 1, b2 - b);
            if (a < b) {
              t.replace(b + 1, lb.size(), la);
              t.replace(a + 1, la.size(), lb);
            } else {
              t.replace(a + 1, la.size(), lb);
              t.replace(b + 1, lb.size(), la);
            }
          }
        }
        break;
      }
    }
  }
};

// ---- the seeds and the C models ----------------------------------------------

struct Seed {
  std::string path;
  std::string text;
  Y tree;
  int model = 0;  // index into models
};

struct Model {
  std::string name;
  kgen::model::CModel cm;
};

std::string repo_dir() {
#ifdef KGEN_SOURCE_DIR
  return KGEN_SOURCE_DIR;
#else
  return ".";
#endif
}

std::atomic<long long> g_started_ms{0};
std::atomic<long> g_current{-1};
unsigned long long g_seed = 1;

long long now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace

int main(int argc, char** argv) {
  long count = 2000, only = -1;
  bool print = false, verbose = false;
  long timeout_s = 20;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::cerr << "kgen_spec_fuzz: " << a << " needs a value\n";
        std::exit(2);
      }
      return argv[++i];
    };
    try {
      if (a == "--count") count = std::stol(next());
      else if (a == "--seed") g_seed = std::stoull(next());
      else if (a == "--only") only = std::stol(next());
      else if (a == "--timeout-s") timeout_s = std::stol(next());
      else if (a == "--print") print = true;
      else if (a == "--verbose") verbose = true;
      else {
        std::cerr << "usage: kgen_spec_fuzz [--count N] [--seed S] [--only N] [--print] [--timeout-s T] [--verbose]\n";
        return 2;
      }
    } catch (const std::exception&) {
      std::cerr << "kgen_spec_fuzz: " << a << " needs a number\n";
      return 2;
    }
  }

  // The C models: each golden header, parsed once.
  std::vector<Model> models;
  std::vector<Seed> seeds;
  stdfs::path root = repo_dir();
  for (const char* g : {"basic", "queue"}) {
    stdfs::path dir = root / "tests" / "golden" / g;
    std::string spec_text = *kgen::fs::read_file(dir / "spec.yaml");
    auto s = kgen::spec::load_string(spec_text, (dir / "spec.yaml").string());
    kgen::frontend::ParseOptions po;
    po.headers = s.headers;
    po.flags = {"-I" + dir.string()};
    Model m{g, kgen::frontend::parse(po)};
    kgen::frontend::evaluate_macros(m.cm, po, kgen::passes::macros_to_evaluate(s, m.cm));
    models.push_back(std::move(m));
    seeds.push_back({(dir / "spec.yaml").string(), spec_text, from_node(YAML::Load(spec_text)),
                     static_cast<int>(models.size() - 1)});
  }
  for (const auto& e : stdfs::directory_iterator(root / "header-specs")) {
    if (e.path().extension() != ".yaml" || e.path().filename() == "TEMPLATE.yaml") continue;
    std::string t = *kgen::fs::read_file(e.path());
    seeds.push_back({e.path().string(), t, from_node(YAML::Load(t)), 0});
  }
  std::sort(seeds.begin() + 2, seeds.end(), [](const Seed& a, const Seed& b) { return a.path < b.path; });

  // The watchdog: an input that runs longer than the bound ends the process.
  std::thread([timeout_s] {
    for (;;) {
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
      long long s = g_started_ms.load();
      if (s && now_ms() - s > timeout_s * 1000) {
        std::fprintf(stderr, "kgen_spec_fuzz: FAIL: input %ld ran longer than %ld s (a hang); replay with --seed %llu --only %ld\n",
                     g_current.load(), timeout_s, g_seed, g_current.load());
        std::fflush(stderr);
        _exit(3);
      }
    }
  }).detach();

  long inputs = 0, accepted = 0, rejected = 0, passes_rejected = 0, failures = 0;
  long long slowest_ms = 0;
  long slowest = -1;
  for (long i = (only >= 0 ? only : 0); i < (only >= 0 ? only + 1 : count); ++i) {
    std::seed_seq sq{static_cast<unsigned long long>(g_seed), static_cast<unsigned long long>(i), 0x6b67656eULL};
    std::mt19937_64 rng(sq);
    Mutator mu{rng, ""};
    const Seed& seed = seeds[mu.pick(seeds.size())];
    std::string text;
    if (mu.chance(0.75)) {
      Y tree = seed.tree;
      for (size_t k = 0, n = 1 + mu.pick(4); k < n; ++k) mu.structural(tree);
      block(tree, text, 0);
      if (mu.chance(0.25)) mu.text_mutation(text);
    } else {
      text = seed.text;
      for (size_t k = 0, n = 1 + mu.pick(3); k < n; ++k) mu.text_mutation(text);
    }
    if (print) {
      std::cout << "# input " << i << " from " << seed.path << ": " << mu.log << "\n" << text;
      if (only >= 0) return 0;
      continue;
    }
    ++inputs;
    g_current = i;
    long long t0 = now_ms();
    g_started_ms = t0;
    auto fail = [&](const std::string& why) {
      ++failures;
      std::fprintf(stderr, "kgen_spec_fuzz: FAIL: input %ld (%s; %s): %s\n  replay: --seed %llu --only %ld --print\n", i,
                   seed.path.c_str(), mu.log.c_str(), why.c_str(), g_seed, i);
    };
    try {
      kgen::spec::Spec s;
      bool loaded = false;
      try {
        s = kgen::spec::load_string(text, "fuzz.yaml");
        loaded = true;
      } catch (const kgen::Error& e) {
        ++rejected;
        std::string w = e.what();
        if (w.rfind("fuzz.yaml:", 0) != 0) fail("a rejection without a location: " + w.substr(0, 300));
        if (w.find("<unknown>") != std::string::npos) fail("an error without a location: " + w.substr(0, 300));
        if (verbose) std::fprintf(stderr, "input %ld rejected: %s\n", i, w.substr(0, w.find('\n')).c_str());
      }
      if (loaded) {
        ++accepted;
        const Model& m = models[seed.model];
        kgen::passes::DocSources docs;
        for (const auto& d : s.doc_sources) docs[d] = "";
        try {
          auto plan = kgen::passes::run_passes(s, m.cm, docs);
          kgen::emit::ViewContext ctx{"fuzz", "fuzz.yaml", "fuzz"};
          std::string rust = kgen::emit::render_rust_module(plan, ctx);
          std::string c = kgen::emit::render_c_helpers(plan, "// fuzz\n");
          if (rust.empty()) fail("an empty Rust module");
        } catch (const kgen::Error&) {
          ++passes_rejected;
        }
      }
    } catch (const std::exception& e) {
      fail(std::string("an exception that is not kgen::Error: ") + typeid(e).name() + ": " + e.what());
    } catch (...) {
      fail("an exception that is not a std::exception");
    }
    long long dt = now_ms() - t0;
    g_started_ms = 0;
    if (dt > slowest_ms) slowest_ms = dt, slowest = i;
  }
  if (print) return 0;
  std::printf("spec fuzz (seed %llu): %ld inputs, %ld accepted (%ld of them rejected by the passes), %ld rejected, "
              "%ld failures; slowest input %ld: %lld ms\n",
              g_seed, inputs, accepted, passes_rejected, rejected, failures, slowest, slowest_ms);
  return failures ? 1 : 0;
}
