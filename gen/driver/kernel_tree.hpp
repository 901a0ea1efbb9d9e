// A configured kernel tree: its version, and the flags Kbuild gives bindgen
// for rust/bindings (read from the tree, never from a hand-written list).
#pragma once
#include <string>
#include <vector>

namespace kgen::driver {

struct KernelTree {
  std::string dir;
  std::string version;                     // include/config/kernel.release
  std::vector<std::string> bindgen_options;  // options before "--" (rust/bindgen_parameters, ...)
  std::vector<std::string> clang_flags;      // after "--"
};

// Checks that `dir` is a configured kernel tree with CONFIG_RUST and reads its
// bindgen command line from rust/bindings/.bindings_generated.rs.cmd.
// Throws kgen::Error with what is missing and how to fix it.
//
// With require_rust false (`kgen check` on an older tree that cannot enable
// Rust), a tree without that file gives the C flags Kbuild saved for
// kernel/bounds.s (made by `make prepare`), as bindgen_flags_from_c() turns
// them into bindgen's.
KernelTree open_kernel_tree(const std::string& dir, bool require_rust = true);

// A command as Kbuild saves it in a .cmd file is a make variable: `$$` is
// `$`, and Kbuild's $(pound), $(comma), $(squote) and $(empty) stand for
// what they name (7.3's bindgen options have '$(pound)[cfi_encoding=...]').
std::string make_unescape(const std::string& s);
// Splits a shell command line (as Kbuild writes it in .cmd files) into words.
std::vector<std::string> shell_split(const std::string& s);
// From a saved bindgen command, the options and the clang flags.
void split_bindgen_command(const std::vector<std::string>& words, std::vector<std::string>& options,
                           std::vector<std::string>& flags);
// From a saved C compiler command (clang <flags> -S -o x.s x.c), the flags
// bindgen would get: Kbuild's rust/Makefile passes a C file's flags minus the
// output and dependency options, plus -fno-builtin -D__BINDGEN__ (and
// -DMODULE for rust/bindings); on 6.12 this gives exactly the flags of its
// saved bindgen command, apart from the per-file KBUILD_* names.
std::vector<std::string> bindgen_flags_from_c(const std::vector<std::string>& words);

}  // namespace kgen::driver
