#include "frontend/frontend.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>
#include <map>
#include <filesystem>
#include <set>

#include "frontend/clang.hpp"
#include "frontend/comments.hpp"
#include "model/macro_eval.hpp"
#include "support/fs.hpp"
#include "support/text.hpp"

namespace kgen::frontend {

using model::CType;

namespace {

constexpr const char* kInputName = "kgen-input.c";

std::string input_path(const ParseOptions& o) {
  return (std::filesystem::path(o.working_dir.empty() ? "." : o.working_dir) / kInputName).string();
}

std::vector<std::string> clang_args(const ParseOptions& o) {
  std::vector<std::string> a = o.flags;
  if (!o.working_dir.empty()) a.push_back("-working-directory=" + o.working_dir);
  a.push_back("-ferror-limit=0");
  a.push_back("-Wno-everything");
  a.push_back("-fparse-all-comments");
  return a;
}

bool is_int_kind(CXTypeKind k) {
  switch (k) {
    case CXType_Char_S: case CXType_SChar: case CXType_Char_U: case CXType_UChar:
    case CXType_Short: case CXType_UShort: case CXType_Int: case CXType_UInt:
    case CXType_Long: case CXType_ULong: case CXType_LongLong: case CXType_ULongLong:
    case CXType_Int128: case CXType_UInt128:
      return true;
    default:
      return false;
  }
}

bool is_signed_kind(CXTypeKind k) {
  switch (k) {
    case CXType_Char_S: case CXType_SChar: case CXType_Short: case CXType_Int:
    case CXType_Long: case CXType_LongLong: case CXType_Int128:
      return true;
    default:
      return false;
  }
}

std::string decl_tag(CXType t) {
  CXCursor d = clang_getTypeDeclaration(t);
  if (clang_Cursor_isAnonymous(d)) return "";
  std::string s = clang::take(clang_getCursorSpelling(d));
  if (s.find("unnamed") != std::string::npos || s.find("anonymous") != std::string::npos) return "";
  return s;
}

CType convert(CXType t);

void fill_function(CType& out, CXType fn) {
  out.kind = CType::Kind::Function;
  out.ret = std::make_shared<CType>(convert(clang_getResultType(fn)));
  int n = clang_getNumArgTypes(fn);
  for (int i = 0; i < n; ++i) out.params.push_back({"", convert(clang_getArgType(fn, static_cast<unsigned>(i)))});
  out.variadic = clang_isFunctionTypeVariadic(fn);
}

CType convert(CXType t) {
  CType out;
  out.spelling = clang::type_spelling(t);
  out.is_const = clang_isConstQualifiedType(t);
  if (t.kind == CXType_Elaborated) t = clang_Type_getNamedType(t);
  if (t.kind == CXType_Typedef) out.typedef_name = clang::take(clang_getTypedefName(t));
  CXType c = clang_getCanonicalType(t);
  if (c.kind == CXType_Void) {
    out.kind = CType::Kind::Void;
  } else if (c.kind == CXType_Bool) {
    out.kind = CType::Kind::Bool;
    out.bits = 8;
    out.builtin = "_Bool";
  } else if (is_int_kind(c.kind)) {
    out.kind = CType::Kind::Int;
    out.is_signed = is_signed_kind(c.kind);
    out.bits = static_cast<unsigned>(clang_Type_getSizeOf(c) * 8);
    CXType unq = c;
    out.builtin = clang::type_spelling(clang_getUnqualifiedType(unq));
  } else if (c.kind == CXType_Float || c.kind == CXType_Double || c.kind == CXType_LongDouble) {
    out.kind = CType::Kind::Float;
  } else if (c.kind == CXType_Pointer) {
    out.kind = CType::Kind::Pointer;
    // Keep the sugared pointee so "u8 *" stays u8, not unsigned char.
    CXType pt = clang_getPointeeType(t.kind == CXType_Pointer ? t : c);
    out.pointee = std::make_shared<CType>(convert(pt));
  } else if (c.kind == CXType_Record) {
    out.kind = CType::Kind::Record;
    out.tag = decl_tag(c);
  } else if (c.kind == CXType_Enum) {
    out.kind = CType::Kind::Enum;
    out.tag = decl_tag(c);
    CXType it = clang_getEnumDeclIntegerType(clang_getTypeDeclaration(c));
    out.is_signed = is_signed_kind(clang_getCanonicalType(it).kind);
    out.bits = static_cast<unsigned>(clang_Type_getSizeOf(c) * 8);
  } else if (c.kind == CXType_FunctionProto || c.kind == CXType_FunctionNoProto) {
    fill_function(out, t);  // the sugared type keeps typedef names like u16
  } else if (c.kind == CXType_ConstantArray || c.kind == CXType_IncompleteArray) {
    out.kind = CType::Kind::Array;
    out.pointee = std::make_shared<CType>(convert(clang_getArrayElementType(c)));
    out.array_size = c.kind == CXType_ConstantArray ? clang_getArraySize(c) : -1;
  }
  return out;
}

bool has_attr(clang::Cursor c, CXCursorKind k) {
  bool found = false;
  c.each_child([&](clang::Cursor ch) {
    if (ch.kind() == k) found = true;
  });
  return found;
}

class Collector {
 public:
  Collector(model::CModel& m, const ParseOptions& o, std::string main_file)
      : m_(m),
        main_(std::move(main_file)),
        uses_(o.record_uses_of.begin(), o.record_uses_of.end()),
        inline_calls_(o.record_inline_calls) {}

  void top(clang::Cursor c) {
    switch (c.kind()) {
      case CXCursor_InclusionDirective: inclusion(c); break;
      case CXCursor_MacroExpansion:
        if (!uses_.empty()) macro_use(c);
        break;
      case CXCursor_FunctionDecl: function(c); break;
      case CXCursor_StructDecl:
      case CXCursor_UnionDecl: record(c, ""); break;
      case CXCursor_EnumDecl: enumeration(c, ""); break;
      case CXCursor_TypedefDecl: typedef_decl(c); break;
      case CXCursor_MacroDefinition: macro(c); break;
      default: break;
    }
  }

 private:
  void function(clang::Cursor c) {
    model::CFunction f;
    f.name = c.spelling();
    CXType ft = c.type();
    f.ret = convert(clang_getResultType(ft));
    f.variadic = clang_isFunctionTypeVariadic(ft);
    int n = clang_Cursor_getNumArguments(c.c);
    for (int i = 0; i < n; ++i) {
      clang::Cursor a{clang_Cursor_getArgument(c.c, static_cast<unsigned>(i))};
      f.params.push_back({a.spelling(), convert(a.type())});
    }
    bool is_static = clang_Cursor_getStorageClass(c.c) == CX_SC_Static;
    f.is_static_inline = is_static && (c.is_definition() || clang_Cursor_isFunctionInlined(c.c));
    f.warn_unused_result = has_attr(c, CXCursor_WarnUnusedResultAttr);
    f.loc = c.location();
    // Names made by token pasting (DEFINE_GUARD's class_*_destructor) are
    // spelled in no file: use the macro invocation's place.
    if (f.loc.file.empty()) f.loc = c.expansion_location();
    f.doc = c.raw_comment();
    if (inline_calls_ && f.is_static_inline) f.calls = body_calls(c);
    auto it = m_.functions.find(f.name);
    if (it == m_.functions.end()) {
      m_.functions.emplace(f.name, std::move(f));
    } else {
      // Merge redeclarations: attributes and docs may sit on any of them.
      auto& old = it->second;
      if (f.loc.file != old.loc.file &&
          std::find(old.other_files.begin(), old.other_files.end(), f.loc.file) == old.other_files.end())
        old.other_files.push_back(f.loc.file);
      old.warn_unused_result |= f.warn_unused_result;
      if (old.doc.empty()) old.doc = f.doc;
      if (f.is_static_inline) {
        old.is_static_inline = true;
        old.loc = f.loc;
        if (!f.calls.empty()) old.calls = f.calls;
      }
    }
  }

  void record(clang::Cursor c, std::string tag) {
    if (tag.empty()) tag = decl_tag(c.type());
    // Named nested definitions have file scope in C.
    c.each_child([&](clang::Cursor ch) {
      auto k = ch.kind();
      if ((k == CXCursor_StructDecl || k == CXCursor_UnionDecl) && !decl_tag(ch.type()).empty()) record(ch, "");
      if (k == CXCursor_EnumDecl) enumeration(ch, "");
    });
    if (tag.empty() || !c.is_definition()) {
      if (!tag.empty() && !m_.records.count(tag)) {
        model::CRecord r;
        r.tag = tag;
        r.is_union = c.kind() == CXCursor_UnionDecl;
        r.loc = c.location();
        m_.records.emplace(tag, std::move(r));
      }
      return;
    }
    model::CRecord r;
    r.tag = tag;
    r.is_union = c.kind() == CXCursor_UnionDecl;
    r.complete = true;
    r.loc = c.location();
    r.doc = c.raw_comment();
    r.fields = fields_of(c);
    m_.records[tag] = std::move(r);
  }

  // The members of the definition `c`. An anonymous struct or union member
  // (C11, `struct_group()`) becomes a field named as bindgen names it,
  // `__bindgen_anon_N` in declaration order, that holds its members.
  std::vector<model::CField> fields_of(clang::Cursor c) {
    std::vector<model::CField> out;
    int anonymous = 0;
    c.each_child([&](clang::Cursor ch) {
      auto k = ch.kind();
      if ((k == CXCursor_StructDecl || k == CXCursor_UnionDecl) && clang_Cursor_isAnonymousRecordDecl(ch.c)) {
        auto inner = std::make_shared<model::CRecord>();
        inner->is_union = k == CXCursor_UnionDecl;
        inner->complete = true;
        inner->loc = ch.location();
        inner->fields = fields_of(ch);
        model::CField f;
        f.name = "__bindgen_anon_" + std::to_string(++anonymous);
        f.type.kind = model::CType::Kind::Record;
        f.type.spelling = inner->is_union ? "union" : "struct";
        f.loc = ch.location();
        f.anonymous = std::move(inner);
        out.push_back(std::move(f));
        return;
      }
      if (k != CXCursor_FieldDecl) return;
      model::CField f;
      f.name = ch.spelling();
      f.type = convert(ch.type());
      if (clang_Cursor_isBitField(ch.c)) f.bit_width = clang_getFieldDeclBitWidth(ch.c);
      f.loc = ch.location();
      f.doc = ch.raw_comment();
      if (f.type.is_function_pointer()) {
        // Parameter names live on the ParmDecl children of the field.
        size_t i = 0;
        ch.each_child([&](clang::Cursor p) {
          if (p.kind() == CXCursor_ParmDecl && i < f.type.pointee->params.size())
            f.type.pointee->params[i++].name = p.spelling();
        });
      }
      out.push_back(std::move(f));
    });
    return out;
  }

  void enumeration(clang::Cursor c, const std::string& typedef_name) {
    std::string tag = decl_tag(c.type());
    std::string key = tag.empty() ? typedef_name : tag;
    if (key.empty()) key = "(anonymous)@" + c.location().str();
    if (!c.is_definition()) return;
    model::CEnum e;
    e.tag = tag;
    e.typedef_name = typedef_name;
    e.loc = c.location();
    e.doc = c.raw_comment();
    CXType it = clang_getEnumDeclIntegerType(c.c);
    e.is_signed = is_signed_kind(clang_getCanonicalType(it).kind);
    e.bits = static_cast<unsigned>(clang_Type_getSizeOf(it) * 8);
    c.each_child([&](clang::Cursor ch) {
      if (ch.kind() != CXCursor_EnumConstantDecl) return;
      model::CEnumConstant k;
      k.name = ch.spelling();
      k.value = clang_getEnumConstantDeclValue(ch.c);
      k.loc = ch.location();
      k.doc = ch.raw_comment();
      m_.enum_of_constant[k.name] = key;
      e.constants.push_back(std::move(k));
    });
    if (auto old = m_.enums.find(key); old != m_.enums.end() && e.typedef_name.empty())
      e.typedef_name = old->second.typedef_name;
    m_.enums[key] = std::move(e);
  }

  void typedef_decl(clang::Cursor c) {
    std::string name = c.spelling();
    CXType under = clang_getTypedefDeclUnderlyingType(c.c);
    m_.typedefs[name] = convert(under);
    CXType canon = clang_getCanonicalType(under);
    CXCursor decl = clang_getTypeDeclaration(canon);
    bool anon = decl_tag(canon).empty();
    if (anon && canon.kind == CXType_Enum) enumeration({decl}, name);
    if (anon && canon.kind == CXType_Record) record({decl}, name);
    if (!anon && canon.kind == CXType_Enum) {
      auto it = m_.enums.find(decl_tag(canon));
      if (it != m_.enums.end() && it->second.typedef_name.empty()) it->second.typedef_name = name;
    }
  }

  void macro(clang::Cursor c) {
    if (clang_Cursor_isMacroBuiltin(c.c)) return;
    model::CMacro mac;
    mac.loc = c.location();
    if (mac.loc.file.empty()) return;  // command-line definitions
    auto toks = c.tokens();
    if (toks.empty()) return;
    mac.name = toks[0];
    size_t i = 1;
    mac.function_like = clang_Cursor_isMacroFunctionLike(c.c);
    if (mac.function_like && i < toks.size() && toks[i] == "(") {
      for (++i; i < toks.size() && toks[i] != ")"; ++i)
        if (toks[i] != ",") mac.params.push_back(toks[i]);
      ++i;
    }
    std::vector<std::string> body(toks.begin() + static_cast<long>(std::min(i, toks.size())), toks.end());
    mac.body = text::join(body, " ");
    m_.macros[mac.name] = std::move(mac);
  }

  // Identifiers followed by "(" in a definition's body.
  static std::vector<std::string> body_calls(clang::Cursor c) {
    std::vector<std::string> out;
    std::string body = c.body_text();
    for (size_t i = 0; i < body.size();) {
      if (body.compare(i, 2, "/*") == 0) {  // comments and literals name nothing that is called
        auto e = body.find("*/", i + 2);
        i = e == std::string::npos ? body.size() : e + 2;
        continue;
      }
      if (body.compare(i, 2, "//") == 0) {
        i = std::min(body.size(), body.find('\n', i));
        continue;
      }
      if (body[i] == '"' || body[i] == '\'') {
        char q = body[i];
        for (++i; i < body.size() && body[i] != q; ++i)
          if (body[i] == '\\') ++i;
        ++i;
        continue;
      }
      if (!(std::isalpha(static_cast<unsigned char>(body[i])) || body[i] == '_')) {
        ++i;
        continue;
      }
      size_t b = i;
      while (i < body.size() && text::is_ident_char(body[i])) ++i;
      size_t j = i;
      while (j < body.size() && (body[j] == ' ' || body[j] == '\t' || body[j] == '\n')) ++j;
      std::string id = body.substr(b, i - b);
      if (j < body.size() && body[j] == '(' && std::find(out.begin(), out.end(), id) == out.end()) out.push_back(id);
    }
    static const std::set<std::string> keywords = {"if", "while", "for", "switch", "return", "sizeof", "typeof",
                                                   "__typeof__", "__builtin_expect", "likely", "unlikely"};
    std::erase_if(out, [](const std::string& s) { return keywords.count(s) > 0; });
    return out;
  }

  void inclusion(clang::Cursor c) {
    std::string from = c.location().file;  // empty: the command line's -include
    std::string to = c.included_file();
    if (to.empty()) return;
    if (from == main_) {
      m_.header_files[c.spelling()] = to;
      return;
    }
    auto& v = m_.includes[from];
    if (std::find(v.begin(), v.end(), to) == v.end()) v.push_back(to);
  }

  void macro_use(clang::Cursor c) {
    std::string name = c.spelling();
    if (!uses_.count(name)) return;
    model::CMacroUse u;
    u.name = name;
    u.loc = c.location();
    auto toks = c.tokens();
    // NAME ( a , b ( c , d ) , e ): split at depth-1 commas.
    int depth = 0;
    std::vector<std::string> cur;
    for (size_t i = 1; i < toks.size(); ++i) {
      const auto& t = toks[i];
      if (t == "(" && depth++ == 0) continue;
      if (t == ")" && --depth == 0) {
        u.args.push_back(text::join(cur, " "));
        break;
      }
      if (t == "," && depth == 1) {
        u.args.push_back(text::join(cur, " "));
        cur.clear();
        continue;
      }
      cur.push_back(t);
    }
    m_.macro_uses.push_back(std::move(u));
  }

  model::CModel& m_;
  std::string main_;
  std::set<std::string> uses_;
  bool inline_calls_;
};

unsigned parse_options() {
  return CXTranslationUnit_DetailedPreprocessingRecord | CXTranslationUnit_SkipFunctionBodies |
         CXTranslationUnit_KeepGoing;
}

}  // namespace

std::string input_file_text(const ParseOptions& opts) {
  std::string s = "/* Synthetic translation unit written by kgen. */\n";
  for (const auto& h : opts.headers) {
    if (!h.empty() && h[0] == '/')
      s += "#include \"" + h + "\"\n";
    else
      s += "#include <" + h + ">\n";
  }
  return s;
}

namespace {

// For each line of a C file (index = line - 1), the CONFIG_ conditions it is
// compiled under, as a Rust cfg predicate; "" when none.
std::vector<std::string> config_conditions(const std::string& text) {
  struct Cond {
    std::string pred;  // "CONFIG_X", "not(CONFIG_X)" or "" (a condition we do not map)
  };
  auto parse_if = [](std::string e) -> std::string {
    e = text::trim(e);
    bool neg = false;
    if (!e.empty() && e[0] == '!') {
      neg = true;
      e = text::trim(e.substr(1));
    }
    for (const char* fn : {"defined", "IS_ENABLED", "IS_BUILTIN"}) {
      std::string f = fn;
      if (!text::starts_with(e, f)) continue;
      std::string rest = text::trim(e.substr(f.size()));
      if (!rest.empty() && rest.front() == '(' && rest.back() == ')') rest = text::trim(rest.substr(1, rest.size() - 2));
      else if (f != "defined") return "";
      if (!text::starts_with(rest, "CONFIG_") || !text::is_identifier(rest)) return "";
      return neg ? "not(" + rest + ")" : rest;
    }
    return "";
  };
  std::vector<Cond> stack;
  std::vector<std::string> out;
  auto current = [&] {
    std::vector<std::string> p;
    for (const auto& c : stack)
      if (!c.pred.empty()) p.push_back(c.pred);
    if (p.empty()) return std::string();
    if (p.size() == 1) return p[0];
    return "all(" + text::join(p, ", ") + ")";
  };
  std::string cur;
  for (const auto& raw : text::split_lines(text)) {
    std::string l = text::trim(raw);
    out.push_back(cur);
    if (l.empty() || l[0] != '#') continue;
    l = text::trim(l.substr(1));
    auto word_end = l.find_first_of(" \t(");
    std::string dir = l.substr(0, word_end);
    std::string arg = word_end == std::string::npos ? "" : text::trim(l.substr(word_end));
    if (auto c = arg.find("/*"); c != std::string::npos) arg = text::trim(arg.substr(0, c));
    if (auto c = arg.find("//"); c != std::string::npos) arg = text::trim(arg.substr(0, c));
    bool config = text::starts_with(arg, "CONFIG_");
    if (dir == "ifdef") stack.push_back({config ? arg : ""});
    else if (dir == "ifndef") stack.push_back({config ? "not(" + arg + ")" : ""});
    else if (dir == "if") stack.push_back({parse_if(arg)});
    else if (dir == "elif" && !stack.empty()) stack.back().pred = "";
    else if (dir == "else" && !stack.empty()) {
      std::string& p = stack.back().pred;
      if (text::starts_with(p, "not(")) p = p.substr(4, p.size() - 5);
      else if (!p.empty()) p = "not(" + p + ")";
    } else if (dir == "endif" && !stack.empty()) stack.pop_back();
    else continue;
    cur = current();
  }
  return out;
}

// Sets CField::cfg from the conditions around each member's declaration.
void annotate_conditions(model::CModel& m, const std::filesystem::path& base) {
  std::map<std::string, std::vector<std::string>> by_file;
  for (auto&& [tag, r] : m.records)
    for (auto& f : r.fields) {
      if (f.loc.file.empty() || f.loc.line == 0) continue;
      auto it = by_file.find(f.loc.file);
      if (it == by_file.end()) {
        std::filesystem::path p(f.loc.file);
        auto t = fs::read_file(p.is_absolute() ? p : base / p);
        it = by_file.emplace(f.loc.file, t ? config_conditions(*t) : std::vector<std::string>{}).first;
      }
      if (f.loc.line <= it->second.size()) f.cfg = it->second[f.loc.line - 1];
    }
}

}  // namespace

model::CModel parse(const ParseOptions& opts, std::vector<Diagnostic>* tolerated) {
  clang::Index index;
  std::string main = input_path(opts);
  clang::TranslationUnit tu(index, main, clang_args(opts), {{main, input_file_text(opts)}}, parse_options());
  auto errs = tu.errors();
  if (tolerated) {
    for (auto& e : errs) tolerated->push_back({Diagnostic::Level::Error, e.loc, e.message, ""});
  } else if (!errs.empty()) {
    Diagnostics d;
    for (auto& e : errs) {
      // A spec header that is not there: the synthetic input file is kgen's,
      // so say which header and where it was looked for.
      if (std::filesystem::path(e.loc.file).filename() == kInputName && e.message.find("file not found") != std::string::npos) {
        std::string dirs;
        for (const auto& f : opts.flags)
          if (f.size() > 2 && f.compare(0, 2, "-I") == 0) dirs += (dirs.empty() ? "" : ", ") + f.substr(2);
        auto q = e.message.find('\''), q2 = q == std::string::npos ? q : e.message.find('\'', q + 1);
        std::string name = q2 == std::string::npos ? e.message : e.message.substr(q + 1, q2 - q - 1);
        d.error(Location{name, 0, 0}, "header not found in the include path" + (dirs.empty() ? std::string() : " (-I " + dirs + ")"),
                "check the spec's 'headers' (as included: linux/phy.h), and the tree or -I directories");
        continue;
      }
      d.error(e.loc, "header does not parse: " + e.message,
              "check that the kernel tree is configured (make LLVM=1 olddefconfig prepare) and that the "
              "spec's headers exist in it");
    }
    d.throw_if_errors("parse");
  }
  model::CModel m;
  m.main_headers = opts.headers;
  Collector col(m, opts, main);
  tu.root().each_child([&](clang::Cursor c) { col.top(c); });
  namespace stdfs = std::filesystem;
  stdfs::path base = opts.working_dir.empty() ? stdfs::current_path() : stdfs::path(opts.working_dir);
  for (const auto& f : tu.inclusions()) {
    if (f == main) continue;  // the synthetic input, never on disk
    stdfs::path p(f);
    m.input_files.emplace(f, (p.is_absolute() ? p : base / p).lexically_normal().string());
  }
  annotate_conditions(m, base);
  attach_define_comments(m, base);
  spdlog::debug("parsed {} functions, {} records, {} enums, {} macros", m.functions.size(), m.records.size(),
                m.enums.size(), m.macros.size());
  return m;
}

void evaluate_macros(model::CModel& m, const ParseOptions& opts, const std::vector<std::string>& names,
                     bool libclang_only) {
  std::string text = input_file_text(opts);
  std::vector<std::string> probed;
  for (const auto& n : names) {
    auto it = m.macros.find(n);
    if (it == m.macros.end() || it->second.function_like || it->second.body.empty()) continue;
    if (it->second.body[0] == '"') continue;
    if (!libclang_only)
      if (auto v = model::evaluate_macro(m, n)) {  // most are: no second parse
        it->second.value = v;
        continue;
      }
    text += "static const __typeof__((" + n + ")) __kgen_probe_" + std::to_string(probed.size()) + " = (" + n +
            ");\n";
    probed.push_back(n);
  }
  spdlog::debug("evaluate macros: {} left to a libclang parse{}{}", probed.size(), probed.empty() ? "" : ": ",
                text::join(probed, ", "));
  if (probed.empty()) return;
  clang::Index index;
  std::string main = input_path(opts);
  clang::TranslationUnit tu(index, main, clang_args(opts), {{main, text}},
                            CXTranslationUnit_SkipFunctionBodies | CXTranslationUnit_KeepGoing);
  tu.root().each_child([&](clang::Cursor c) {
    if (c.kind() != CXCursor_VarDecl) return;
    std::string name = c.spelling();
    if (!text::starts_with(name, "__kgen_probe_")) return;
    size_t idx = std::stoul(name.substr(13));
    CXEvalResult r = clang_Cursor_Evaluate(c.c);
    if (!r) return;
    if (clang_EvalResult_getKind(r) == CXEval_Int) {
      model::MacroValue v;
      v.is_unsigned = clang_EvalResult_isUnsignedInt(r);
      v.value = v.is_unsigned ? static_cast<long long>(clang_EvalResult_getAsUnsigned(r))
                              : clang_EvalResult_getAsLongLong(r);
      CXType t = clang_getCanonicalType(c.type());
      v.bits = static_cast<unsigned>(clang_Type_getSizeOf(t) * 8);
      v.is_signed_type = is_signed_kind(t.kind);
      m.macros[probed[idx]].value = v;
    }
    clang_EvalResult_dispose(r);
  });
}

}  // namespace kgen::frontend
