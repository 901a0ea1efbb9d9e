#include "model/macro_eval.hpp"

#include <cctype>
#include <cstdint>
#include <set>
#include <vector>

namespace kgen::model {

namespace {

// An integer type as the usual arithmetic conversions see it (x86-64: int
// 32 bits, long and long long 64).
struct IntType {
  unsigned bits = 32;
  bool is_signed = true;
};
const IntType kInt{32, true};

using i128 = __int128;

struct Value {
  i128 v = 0;  // the mathematical value, in range for `t`
  IntType t;
};

struct Fail {};  // not evaluated here: the caller falls back to libclang

i128 min_of(IntType t) { return t.is_signed ? -(static_cast<i128>(1) << (t.bits - 1)) : 0; }
i128 max_of(IntType t) {
  return t.is_signed ? (static_cast<i128>(1) << (t.bits - 1)) - 1 : (static_cast<i128>(1) << t.bits) - 1;
}

// A conversion (a cast, or an operand converted to the common type): modular.
Value convert(i128 v, IntType t) {
  i128 mod = static_cast<i128>(1) << t.bits;
  v %= mod;
  if (v < 0) v += mod;
  if (t.is_signed && v > max_of(t)) v -= mod;
  return {v, t};
}

// The result of arithmetic in type t: signed overflow is undefined, so not evaluated here.
Value result(i128 v, IntType t) {
  if (t.is_signed && (v < min_of(t) || v > max_of(t))) throw Fail{};
  return convert(v, t);
}

IntType promote(IntType t) { return t.bits < 32 ? kInt : t; }

IntType common(IntType a, IntType b) {
  a = promote(a);
  b = promote(b);
  if (a.is_signed == b.is_signed) return a.bits >= b.bits ? a : b;
  IntType u = a.is_signed ? b : a, s = a.is_signed ? a : b;
  if (u.bits >= s.bits) return u;
  return s;  // s is wider: it holds every value of u
}

struct Tok {
  std::string s;
  bool ident = false, number = false;
};

std::vector<Tok> lex(const std::string& body) {
  std::vector<Tok> out;
  for (size_t i = 0; i < body.size();) {
    unsigned char c = static_cast<unsigned char>(body[i]);
    if (std::isspace(c)) {
      ++i;
    } else if (std::isalpha(c) || c == '_') {
      size_t b = i;
      while (i < body.size() && (std::isalnum(static_cast<unsigned char>(body[i])) || body[i] == '_')) ++i;
      out.push_back({body.substr(b, i - b), true, false});
    } else if (std::isdigit(c)) {
      size_t b = i;
      while (i < body.size() && (std::isalnum(static_cast<unsigned char>(body[i])) || body[i] == '.')) ++i;
      out.push_back({body.substr(b, i - b), false, true});
    } else {
      static const char* two[] = {"<<", ">>", "<=", ">=", "==", "!=", "&&", "||"};
      std::string op(1, body[i]);
      for (const char* t : two)
        if (body.compare(i, 2, t) == 0) op = t;
      if (op == "'" || op == "\"" || op == "#") throw Fail{};
      out.push_back({op, false, false});
      i += op.size();
    }
  }
  return out;
}

// Object-like macros replaced by their tokens, as the preprocessor does
// (a macro does not expand inside itself).
void expand(const CModel& m, const std::string& body, std::set<std::string>& active, std::vector<Tok>& out) {
  if (active.size() > 32) throw Fail{};
  for (auto& t : lex(body)) {
    if (t.ident && !active.count(t.s)) {
      if (auto it = m.macros.find(t.s); it != m.macros.end()) {
        if (it->second.function_like) throw Fail{};
        active.insert(t.s);
        expand(m, it->second.body, active, out);
        active.erase(t.s);
        continue;
      }
    }
    out.push_back(std::move(t));
  }
}

Value literal(const std::string& s) {
  size_t i = 0;
  int base = 10;
  if (s.size() > 1 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
    base = 16;
    i = 2;
  } else if (s.size() > 1 && s[0] == '0') {
    base = 8;
    i = 1;
  }
  i128 v = 0;
  size_t digits = 0;
  for (; i < s.size(); ++i, ++digits) {
    char c = static_cast<char>(std::tolower(static_cast<unsigned char>(s[i])));
    int d = std::isdigit(static_cast<unsigned char>(c)) ? c - '0' : (base == 16 && c >= 'a' && c <= 'f') ? c - 'a' + 10 : -1;
    if (d < 0 || d >= base) break;
    v = v * base + d;
    if (v > (static_cast<i128>(1) << 64)) throw Fail{};
  }
  if (digits == 0 && base == 16) throw Fail{};
  std::string suffix;
  for (; i < s.size(); ++i) suffix += static_cast<char>(std::tolower(static_cast<unsigned char>(s[i])));
  bool u = false;
  int longs = 0;
  for (char c : suffix) {
    if (c == 'u' && !u) u = true;
    else if (c == 'l') ++longs;
    else throw Fail{};  // a float, or a suffix kgen does not know
  }
  if (longs > 2) throw Fail{};
  // C11 6.4.4.1: the first type of the list that holds the value.
  std::vector<IntType> list;
  auto add = [&](unsigned bits) {
    if (!u) list.push_back({bits, true});
    if (u || base != 10) list.push_back({bits, false});
  };
  if (longs == 0) add(32);
  add(64);  // long, then long long: both 64 bits
  for (auto t : list)
    if (v <= max_of(t)) return {v, t};
  throw Fail{};
}

class Parser {
 public:
  Parser(const CModel& m, std::vector<Tok> toks) : m_(m), t_(std::move(toks)) {}

  Value run() {
    Value v = cond();
    if (i_ != t_.size()) throw Fail{};
    return v;
  }

 private:
  const CModel& m_;
  std::vector<Tok> t_;
  size_t i_ = 0;

  bool at(const char* s) const { return i_ < t_.size() && !t_[i_].ident && !t_[i_].number && t_[i_].s == s; }
  bool eat(const char* s) {
    if (!at(s)) return false;
    ++i_;
    return true;
  }
  void need(const char* s) {
    if (!eat(s)) throw Fail{};
  }

  Value cond() {
    Value c = binary(0);
    if (!eat("?")) return c;
    Value a = cond();
    need(":");
    Value b = cond();
    IntType t = common(a.t, b.t);
    return c.v != 0 ? convert(a.v, t) : convert(b.v, t);
  }

  // Binary operators by precedence level, lowest first.
  Value binary(size_t level) {
    static const std::vector<std::vector<const char*>> levels = {
        {"||"}, {"&&"}, {"|"}, {"^"}, {"&"}, {"==", "!="}, {"<", ">", "<=", ">="}, {"<<", ">>"}, {"+", "-"},
        {"*", "/", "%"}};
    if (level == levels.size()) return unary();
    Value a = binary(level + 1);
    for (;;) {
      const char* op = nullptr;
      for (const char* o : levels[level])
        if (at(o)) op = o;
      if (!op) return a;
      ++i_;
      a = apply(op, a, binary(level + 1));
    }
  }

  static Value apply(const std::string& op, Value a, Value b) {
    if (op == "&&") return {a.v != 0 && b.v != 0, kInt};
    if (op == "||") return {a.v != 0 || b.v != 0, kInt};
    if (op == "<<" || op == ">>") {
      IntType t = promote(a.t);
      if (b.v < 0 || b.v >= t.bits) throw Fail{};
      if (op == ">>") return convert(a.v >> static_cast<int>(b.v), t);
      if (t.is_signed && a.v < 0) throw Fail{};
      return result(a.v << static_cast<int>(b.v), t);
    }
    IntType t = common(a.t, b.t);
    i128 x = convert(a.v, t).v, y = convert(b.v, t).v;
    if (op == "==") return {x == y, kInt};
    if (op == "!=") return {x != y, kInt};
    if (op == "<") return {x < y, kInt};
    if (op == ">") return {x > y, kInt};
    if (op == "<=") return {x <= y, kInt};
    if (op == ">=") return {x >= y, kInt};
    if (op == "|") return convert(x | y, t);
    if (op == "&") return convert(x & y, t);
    if (op == "^") return convert(x ^ y, t);
    if (op == "+") return result(x + y, t);
    if (op == "-") return result(x - y, t);
    if (op == "*") return result(x * y, t);
    if (y == 0) throw Fail{};
    if (op == "/") return result(x / y, t);
    return result(x % y, t);  // %
  }

  Value unary() {
    if (eat("-")) {
      Value a = unary();
      IntType t = promote(a.t);
      return result(-a.v, t);
    }
    if (eat("+")) {
      Value a = unary();
      return convert(a.v, promote(a.t));
    }
    if (eat("~")) {
      Value a = unary();
      IntType t = promote(a.t);
      return convert(~convert(a.v, t).v, t);
    }
    if (eat("!")) return {unary().v == 0, kInt};
    if (at("(")) {
      size_t save = i_;
      ++i_;
      if (auto t = type_name()) {
        if (eat(")")) {
          Value a = unary();
          return convert(a.v, *t);
        }
      }
      i_ = save;
    }
    return primary();
  }

  // A type name in a cast: builtin integer keywords, or an integer typedef.
  std::optional<IntType> type_name() {
    static const std::set<std::string> kw = {"unsigned", "signed", "int", "long", "short", "char", "const", "volatile"};
    size_t b = i_;
    int longs = 0;
    bool is_unsigned = false, any = false, is_short = false, is_char = false;
    while (i_ < t_.size() && t_[i_].ident && kw.count(t_[i_].s)) {
      const std::string& w = t_[i_].s;
      any |= w != "const" && w != "volatile";
      if (w == "unsigned") is_unsigned = true;
      if (w == "long") ++longs;
      if (w == "short") is_short = true;
      if (w == "char") is_char = true;
      ++i_;
    }
    if (any) return IntType{is_char ? 8u : is_short ? 16u : longs ? 64u : 32u, !is_unsigned};
    i_ = b;
    if (i_ < t_.size() && t_[i_].ident) {
      auto it = m_.typedefs.find(t_[i_].s);
      if (it != m_.typedefs.end() && it->second.kind == CType::Kind::Int && it->second.bits > 0 &&
          it->second.bits <= 64) {
        ++i_;
        return IntType{it->second.bits, it->second.is_signed};
      }
    }
    return std::nullopt;
  }

  Value primary() {
    if (eat("(")) {
      Value v = cond();
      need(")");
      return v;
    }
    if (i_ < t_.size() && t_[i_].number) return literal(t_[i_++].s);
    throw Fail{};  // an identifier left after expansion: an enumerator, a variable, sizeof...
  }
};

}  // namespace

std::optional<MacroValue> evaluate_macro(const CModel& m, const std::string& name) {
  auto it = m.macros.find(name);
  if (it == m.macros.end() || it->second.function_like || it->second.body.empty()) return std::nullopt;
  try {
    std::vector<Tok> toks;
    std::set<std::string> active = {name};
    expand(m, it->second.body, active, toks);
    if (toks.empty()) return std::nullopt;
    Value v = Parser(m, std::move(toks)).run();
    MacroValue out;
    out.bits = v.t.bits;
    out.is_signed_type = v.t.is_signed;
    out.is_unsigned = !v.t.is_signed;
    out.value = static_cast<long long>(v.t.is_signed ? v.v : static_cast<i128>(static_cast<uint64_t>(v.v)));
    return out;
  } catch (const Fail&) {
    return std::nullopt;
  }
}

}  // namespace kgen::model
