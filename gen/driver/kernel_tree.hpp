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
KernelTree open_kernel_tree(const std::string& dir);

// Splits a shell command line (as Kbuild writes it in .cmd files) into words.
std::vector<std::string> shell_split(const std::string& s);
// From a saved bindgen command, the options and the clang flags.
void split_bindgen_command(const std::vector<std::string>& words, std::vector<std::string>& options,
                           std::vector<std::string>& flags);

}  // namespace kgen::driver
