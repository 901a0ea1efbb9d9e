#include "emit/ffi.hpp"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <filesystem>
#include <regex>

#include "support/diag.hpp"
#include "support/fs.hpp"
#include "support/process.hpp"
#include "support/text.hpp"

namespace kgen::emit {

std::set<std::string> bindings_used(const std::string& rust) {
  std::set<std::string> out;
  static const std::regex re(R"(\bbindings::([A-Za-z_][A-Za-z0-9_]*))");
  for (auto it = std::sregex_iterator(rust.begin(), rust.end(), re); it != std::sregex_iterator(); ++it)
    out.insert((*it)[1].str());
  return out;
}

std::set<std::string> bindings_defined(const std::string& rust) {
  std::set<std::string> out;
  static const std::regex def(
      R"(\bpub (?:unsafe )?(?:fn|struct|union|type|const|static(?: mut)?|enum) ([A-Za-z_][A-Za-z0-9_]*))");
  static const std::regex use(R"(\bpub use (?:self::)?[A-Za-z0-9_:]+ as ([A-Za-z_][A-Za-z0-9_]*);)");
  for (const auto* re : {&def, &use})
    for (auto it = std::sregex_iterator(rust.begin(), rust.end(), *re); it != std::sregex_iterator(); ++it)
      out.insert((*it)[1].str());
  return out;
}

std::string rename_helpers(const std::string& rust) {
  static const std::regex re(R"(pub fn rust_helper_([A-Za-z0-9_]*))");
  return std::regex_replace(rust, re, "#[link_name = \"rust_helper_$1\"]\n    pub fn $1");
}

std::string run_bindgen(const BindgenRun& r, const model::CModel& m) {
  namespace stdfs = std::filesystem;
  // A locked scratch directory, removed when done; one a killed run left is
  // removed by the next run (fs::recover).
  fs::ScratchDir scratch(r.tmp_base.empty() ? stdfs::temp_directory_path() : stdfs::path(r.tmp_base));
  const stdfs::path& dir = scratch.path();
  stdfs::path input = dir / "kgen_bindings_input.h";
  stdfs::path output = dir / "bindings.rs";
  fs::write_if_changed(input, r.input_header_text);  // a transaction of its own, inside the scratch directory

  std::vector<std::string> argv = text::split(r.program, ' ');
  argv.push_back(input.string());
  for (const auto& o : r.tree_options) argv.push_back(o);
  for (const auto& n : r.used) {
    if (r.helpers.count(n)) {
      argv.insert(argv.end(), {"--allowlist-function", "rust_helper_" + n});
    } else if (m.functions.count(n)) {
      argv.insert(argv.end(), {"--allowlist-function", n});
    } else if (m.macros.count(n)) {
      argv.insert(argv.end(), {"--allowlist-var", n});
    } else {
      argv.insert(argv.end(), {"--allowlist-item", n});
    }
  }
  // Enum constants are spelled <enum>_<CONST>; allowlisting the enum brings them.
  for (const auto& [c, e] : m.enum_of_constant) {
    const auto& en = m.enums.at(e);
    std::string n = en.tag.empty() ? en.typedef_name : en.tag;
    if (!n.empty() && r.used.count(n + "_" + c)) argv.insert(argv.end(), {"--allowlist-type", n});
  }
  // The tree's own options already say how the kernel runs bindgen; without a
  // tree (tests), use the same core ones.
  if (r.tree_options.empty())
    argv.insert(argv.end(), {"--use-core", "--with-derive-default", "--ctypes-prefix", "ffi", "--no-layout-tests",
                             "--no-debug", ".*", "--enable-function-attribute-detection"});
  argv.insert(argv.end(), {"-o", output.string(), "--"});
  for (const auto& f : r.clang_flags) argv.push_back(f);
  if (!r.working_dir.empty()) argv.push_back("-working-directory=" + r.working_dir);

  auto res = process::run(argv, r.working_dir);
  if (res.status == 127)
    throw Error("bindgen: error: cannot run '" + argv[0] + "': " + res.err +
                "  hint: pass --bindgen with a bindgen >= 0.65.1 (setup.sh uses the toolchain root's, "
                "scripts/tools/bindgen)");
  if (res.status != 0)
    throw Error("bindgen: error: '" + argv[0] + "' " + process::describe_failure(res, 0) + ":\n" +
                res.err + "\n  hint: bindgen parses the spec's headers plus kgen's helper prototypes with the tree's "
                "flags; the first error above names the line");
  auto text = fs::read_file(output);
  if (!text || text::trim(*text).empty())
    throw Error("bindgen: error: '" + argv[0] + "' exited with status 0 but wrote " +
                (text ? "an empty file" : "no file") + " (-o " + output.filename().string() + ")" +
                (res.err.empty() ? "" : ":\n" + res.err) +
                "\n  hint: pass --bindgen with a bindgen >= 0.65.1 (scripts/tools/bindgen)");
  std::string out = rename_helpers(*text);
  auto defined = bindings_defined(out);
  std::vector<std::string> missing;
  for (const auto& n : r.used)
    if (!defined.count(n)) missing.push_back(n);
  if (!missing.empty())
    throw Error("ffi: error: the safe layer uses bindings that bindgen did not generate: " + text::join(missing, ", ") +
                "\n  hint: check the names in the spec (a macro bindgen cannot evaluate needs a helper or a typed "
                "constant), and that the headers are in 'headers'");
  return out;
}

}  // namespace kgen::emit
