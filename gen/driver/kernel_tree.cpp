#include "driver/kernel_tree.hpp"

#include <filesystem>

#include "support/diag.hpp"
#include "support/fs.hpp"
#include "support/text.hpp"

namespace kgen::driver {

namespace stdfs = std::filesystem;

std::vector<std::string> shell_split(const std::string& s) {
  std::vector<std::string> out;
  std::string cur;
  bool in_word = false;
  char quote = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (quote) {
      if (c == quote) quote = 0;
      else if (c == '\\' && quote == '"' && i + 1 < s.size()) cur += s[++i];
      else cur += c;
      continue;
    }
    if (c == '\'' || c == '"') {
      quote = c;
      in_word = true;
    } else if (c == '\\' && i + 1 < s.size()) {
      cur += s[++i];
      in_word = true;
    } else if (c == ' ' || c == '\t' || c == '\n') {
      if (in_word) out.push_back(cur);
      cur.clear();
      in_word = false;
    } else if (c == ';') {
      if (in_word) out.push_back(cur);
      out.push_back(";");
      cur.clear();
      in_word = false;
    } else {
      cur += c;
      in_word = true;
    }
  }
  if (in_word) out.push_back(cur);
  return out;
}

std::string make_unescape(const std::string& s) {
  static const std::pair<const char*, const char*> vars[] = {
      {"$(pound)", "#"}, {"$(comma)", ","}, {"$(squote)", "'"}, {"$(empty)", ""}, {"$$", "$"}};
  std::string out;
  for (size_t i = 0; i < s.size();) {
    bool done = false;
    if (s[i] == '$')
      for (const auto& [from, to] : vars)
        if (s.compare(i, std::char_traits<char>::length(from), from) == 0) {
          out += to;
          i += std::char_traits<char>::length(from);
          done = true;
          break;
        }
    if (!done) out += s[i++];
  }
  return out;
}

void split_bindgen_command(const std::vector<std::string>& w, std::vector<std::string>& options,
                           std::vector<std::string>& flags) {
  size_t i = 0;
  // Skip "bindgen" and the input header.
  while (i < w.size() && !text::ends_with(w[i], ".h")) ++i;
  ++i;
  for (; i < w.size() && w[i] != "--"; ++i) {
    if (w[i] == "-o") {
      ++i;
      continue;
    }
    options.push_back(w[i]);
  }
  for (++i; i < w.size() && w[i] != ";"; ++i) {
    if (text::starts_with(w[i], "-Wp,-MMD") || text::starts_with(w[i], "-Wp,-MD")) continue;  // .d files
    flags.push_back(w[i]);
  }
}

std::vector<std::string> bindgen_flags_from_c(const std::vector<std::string>& w) {
  std::vector<std::string> flags;
  for (size_t i = 1; i < w.size() && w[i] != ";"; ++i) {  // w[0] is the compiler
    const std::string& a = w[i];
    if (text::starts_with(a, "-Wp,-MMD") || text::starts_with(a, "-Wp,-MD")) continue;
    if (a == "-c" || a == "-S" || a == "-E" || a == "-fverbose-asm") continue;
    if (a == "-o") {
      ++i;
      continue;
    }
    if (a[0] != '-' && (text::ends_with(a, ".c") || text::ends_with(a, ".s") || text::ends_with(a, ".S"))) continue;
    flags.push_back(a);
  }
  for (const char* extra : {"-fno-builtin", "-D__BINDGEN__", "-DMODULE"}) flags.push_back(extra);
  return flags;
}

KernelTree open_kernel_tree(const std::string& dir_in, bool require_rust) {
  KernelTree t;
  std::error_code ec;
  stdfs::path dir = stdfs::weakly_canonical(dir_in, ec);
  t.dir = dir.string();
  if (!stdfs::exists(dir / "Makefile") || !stdfs::exists(dir / "include" / "linux"))
    throw Error(dir_in + ": error: not a Linux source tree (no Makefile or include/linux)\n"
                "  hint: pass --kernel with the tree that scripts/kernel-tree.sh prints");
  auto config = fs::read_file(dir / ".config");
  if (!config)
    throw Error((dir / ".config").string() + ": error: the kernel tree is not configured\n"
                "  hint: run scripts/kernel-tree.sh --stage configure (make LLVM=1 olddefconfig)");
  if (!require_rust && !stdfs::exists(dir / "rust" / "bindings" / ".bindings_generated.rs.cmd")) {
    auto release = fs::read_file(dir / "include" / "config" / "kernel.release");
    stdfs::path cmd = dir / "kernel" / ".bounds.s.cmd";
    auto saved = fs::read_file(cmd);
    if (!release || !saved)
      throw Error(cmd.string() + ": error: the kernel tree is not prepared (no saved C command for kernel/bounds.s)\n"
                  "  hint: run make LLVM=1 prepare in it (scripts/old-kernel-source.sh does it for 6.1)");
    t.version = text::trim(*release);
    auto pos = saved->find(":=");
    if (pos == std::string::npos) throw Error(cmd.string() + ":1:1: error: expected 'cmd_... := clang ...'");
    std::string line = saved->substr(pos + 2);
    t.clang_flags = bindgen_flags_from_c(shell_split(make_unescape(line.substr(0, line.find('\n')))));
    return t;
  }
  if (config->find("\nCONFIG_RUST=y\n") == std::string::npos)
    throw Error((dir / ".config").string() + ": error: CONFIG_RUST is not enabled\n"
                "  hint: enable it (see qemu-tests/kernel.config) and check that the toolchain satisfies "
                "`make LLVM=1 rustavailable`");
  auto release = fs::read_file(dir / "include" / "config" / "kernel.release");
  if (!release)
    throw Error((dir / "include/config/kernel.release").string() +
                ": error: the kernel tree is not prepared\n  hint: run make LLVM=1 prepare");
  t.version = text::trim(*release);
  stdfs::path cmd = dir / "rust" / "bindings" / ".bindings_generated.rs.cmd";
  auto saved = fs::read_file(cmd);
  if (!saved)
    throw Error(cmd.string() + ": error: the tree has no saved bindgen command\n"
                "  hint: build the Rust bindings once: make LLVM=1 rust/ (scripts/kernel-tree.sh --stage configure)");
  auto pos = saved->find(":=");
  if (pos == std::string::npos) throw Error(cmd.string() + ":1:1: error: expected 'savedcmd_... := bindgen ...'");
  std::string line = saved->substr(pos + 2);
  line = line.substr(0, line.find('\n'));
  split_bindgen_command(shell_split(make_unescape(line)), t.bindgen_options, t.clang_flags);
  if (t.clang_flags.empty())
    throw Error(cmd.string() + ":1:1: error: no clang flags after '--' in the saved bindgen command");
  return t;
}

}  // namespace kgen::driver
