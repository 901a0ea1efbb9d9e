// kgen: safe Rust-for-Linux abstractions, generated from kernel C headers.
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <cxxopts.hpp>
#include <iostream>

#include <sys/resource.h>

#include <filesystem>

#include "driver/check.hpp"
#include "driver/generate.hpp"
#include "driver/infer.hpp"
#include "driver/overlay.hpp"
#include "passes/plan.hpp"
#include "support/diag.hpp"
#include "support/fs.hpp"
#include "support/process.hpp"
#include "support/text.hpp"

namespace {

const char* kUsage =
    "usage: kgen <command> [options]\n"
    "commands:\n"
    "  generate   generate the three layers for one or more specs into out/ and kernel-crate-overlay/\n"
    "  check      report how a tree's headers differ from what a spec's lock file recorded\n"
    "  infer      draft a spec for a header (or one ops struct) from what the headers show\n"
    "  install    apply kernel-crate-overlay/ to a kernel tree (idempotent)\n"
    "  uninstall  restore a kernel tree to what it was before install (idempotent)\n"
    "  passes     list the passes, in the order they run\n"
    "run 'kgen <command> --help' for its options\n"
    "exit status: 0 success, 1 error (bad input, a file or program that failed), 2 `kgen check` found a\n"
    "drift that breaks the generated API, 3 a bug in kgen (please report it)\n";

// -I directories must exist: clang would skip a missing one without a word,
// and the header would then be "not found" for no visible reason.
std::vector<std::string> include_flags(const cxxopts::ParseResult& r) {
  std::vector<std::string> flags;
  if (!r.count("include")) return flags;
  for (const auto& i : r["include"].as<std::vector<std::string>>()) {
    std::error_code ec;
    if (!std::filesystem::is_directory(i, ec))
      throw kgen::Error("-I " + i + ": error: " + (std::filesystem::exists(i, ec) ? "not a directory" : "no such directory") +
                        "\n  hint: -I takes a directory of headers");
    flags.push_back("-I" + i);
  }
  return flags;
}

// Programs run in the kernel tree: a relative path (scripts/tools/bindgen)
// is made absolute so that it still names the same file there.
std::string resolve_program(const std::string& program) {
  if (program.empty()) return program;
  auto words = kgen::text::split(program, ' ');
  if (words[0].find('/') != std::string::npos && std::filesystem::path(words[0]).is_relative() &&
      std::filesystem::exists(words[0]))
    words[0] = std::filesystem::absolute(words[0]).lexically_normal().string();
  return kgen::text::join(words, " ");
}

int cmd_generate(int argc, char** argv) {
  cxxopts::Options o("kgen generate", "Generate safe Rust abstractions from kernel headers and a header spec.");
  o.add_options()("spec", "header spec (YAML); repeatable", cxxopts::value<std::vector<std::string>>())(
      "kernel", "configured Linux tree (its flags and version are used)", cxxopts::value<std::string>()->default_value(""))(
      "I,include", "include directory, for trees-less runs (tests)", cxxopts::value<std::vector<std::string>>())(
      "kernel-version", "the headers' kernel version when there is no tree (picks spec items with a kernel: range)", cxxopts::value<std::string>()->default_value("unknown"))(
      "out", "output directory", cxxopts::value<std::string>()->default_value("out"))(
      "overlay", "kernel overlay directory", cxxopts::value<std::string>()->default_value("kernel-crate-overlay"))(
      "bindgen", "bindgen program (empty: skip the FFI layer)", cxxopts::value<std::string>()->default_value(""))(
      "rustfmt", "rustfmt program (empty: do not format)", cxxopts::value<std::string>()->default_value(""))(
      "dump-after", "print the plan after this pass (or 'all')", cxxopts::value<std::string>()->default_value(""))(
      "no-lock", "do not write <spec>.lock beside the spec")(
      "no-cache", "always regenerate (do not skip a run whose inputs and outputs are unchanged)")(
      "v,verbose", "debug logging")("h,help", "this help");
  o.parse_positional({"spec"});
  auto r = o.parse(argc, argv);
  if (r.count("help")) {
    std::cout << o.help() << "\n";
    return 0;
  }
  if (r.count("verbose")) spdlog::set_level(spdlog::level::debug);
  if (!r.count("spec")) throw kgen::Error("kgen generate: error: no spec given\n  hint: kgen generate --spec header-specs/net-phy.yaml --kernel TREE");
  kgen::driver::GenerateOptions g;
  g.kernel_dir = r["kernel"].as<std::string>();
  g.extra_flags = include_flags(r);
  g.kernel_version = r["kernel-version"].as<std::string>();
  g.out_dir = r["out"].as<std::string>();
  g.overlay_dir = r["overlay"].as<std::string>();
  g.bindgen = resolve_program(r["bindgen"].as<std::string>());
  g.rustfmt = resolve_program(r["rustfmt"].as<std::string>());
  g.dump_after = r["dump-after"].as<std::string>();
  if (!g.dump_after.empty() && g.dump_after != "all") {
    std::string names;
    bool known = false;
    for (const auto& p : kgen::passes::pass_list()) {
      names += std::string(names.empty() ? "" : ", ") + p.name;
      known = known || g.dump_after == p.name;
    }
    if (!known)
      throw kgen::Error("kgen generate: error: --dump-after '" + g.dump_after + "': no such pass\n  hint: one of: " + names +
                        ", or all (kgen passes lists them)");
  }
  g.write_lock = !r.count("no-lock");
  g.use_cache = !r.count("no-cache");
  for (const auto& rep : kgen::driver::generate_many(g, r["spec"].as<std::vector<std::string>>()))
    std::cout << rep.text() << "files: " << rep.files_written << " written, " << rep.files_unchanged
              << " unchanged" << (rep.skipped ? " (inputs unchanged: not parsed)" : "") << "\n";
  struct rusage ru {};
  getrusage(RUSAGE_SELF, &ru);  // kgen alone, without bindgen and rustfmt (bench/run.sh reads it)
  spdlog::debug("peak RSS of kgen itself: {} KB", ru.ru_maxrss);
  return 0;
}

int cmd_check(int argc, char** argv) {
  cxxopts::Options o("kgen check",
                     "Report how a tree's headers differ from what a spec wraps, as its lock file recorded it.\n"
                     "Exit status: 0 without drift (silent) or with additions only (warnings), 2 when a drift\n"
                     "breaks the generated API, 1 on an error (a bad spec, lock or tree).");
  o.add_options()("spec", "header spec (YAML); its lock is <spec>.lock beside it", cxxopts::value<std::string>())(
      "kernel", "a prepared Linux tree (Rust-configured or not)", cxxopts::value<std::string>()->default_value(""))(
      "I,include", "include directory, for tree-less runs (tests)", cxxopts::value<std::vector<std::string>>())(
      "kernel-version", "the headers' kernel version when there is no tree (picks spec items with a kernel: range)", cxxopts::value<std::string>()->default_value("unknown"))(
      "lock", "lock file (default: beside the spec)", cxxopts::value<std::string>()->default_value(""))(
      "against", "compare with the lock's section of this kernel series (6.12), not the tree's own",
      cxxopts::value<std::string>()->default_value(""))(
      "v,verbose", "debug logging")("h,help", "this help");
  o.parse_positional({"spec"});
  auto r = o.parse(argc, argv);
  if (r.count("help")) {
    std::cout << o.help() << "\n";
    return 0;
  }
  if (r.count("verbose")) spdlog::set_level(spdlog::level::debug);
  if (!r.count("spec")) throw kgen::Error("kgen check: error: no spec given\n  hint: kgen check --spec header-specs/net-phy.yaml --kernel TREE");
  kgen::driver::CheckOptions c;
  c.spec_path = r["spec"].as<std::string>();
  c.kernel_dir = r["kernel"].as<std::string>();
  c.extra_flags = include_flags(r);
  c.kernel_version = r["kernel-version"].as<std::string>();
  c.lock_path = r["lock"].as<std::string>();
  c.against = r["against"].as<std::string>();
  auto res = kgen::driver::check(c);
  std::cout << res.report.text;
  return res.status;
}

int cmd_infer(int argc, char** argv) {
  cxxopts::Options o("kgen infer", "Draft a spec (YAML) for a header, or one ops struct, from the headers alone.");
  o.add_options()("kernel", "a prepared Linux tree", cxxopts::value<std::string>()->default_value(""))(
      "I,include", "include directory, for tree-less runs (tests)", cxxopts::value<std::vector<std::string>>())(
      "header", "the header, as included (linux/phy.h)", cxxopts::value<std::string>()->default_value(""))(
      "ops", "draft only this ops struct ('struct phy_driver')", cxxopts::value<std::string>()->default_value(""))(
      "also-header", "another header of the same module (drm/drm_file.h beside drm/drm_drv.h); repeatable",
      cxxopts::value<std::vector<std::string>>())(
      "doc-source", "a .c file of the tree whose kernel-doc documents the functions; repeatable",
      cxxopts::value<std::vector<std::string>>())(
      "o,output", "write the draft here (default: stdout)", cxxopts::value<std::string>()->default_value(""))(
      "score", "measure the draft against this hand-written spec (precision, recall)",
      cxxopts::value<std::string>()->default_value(""))(
      "all", "draft every ops struct of the tree's include/ into the directory -o, with summary.txt")(
      "h,help", "this help");
  auto r = o.parse(argc, argv);
  if (r.count("help")) {
    std::cout << o.help() << "\n";
    return 0;
  }
  if (r.count("all")) {
    if (!r["header"].as<std::string>().empty() || !r["ops"].as<std::string>().empty() ||
        !r["score"].as<std::string>().empty() || r.count("doc-source") || r.count("also-header"))
      throw kgen::Error("kgen infer: error: --all drafts every ops struct; it takes no --header, --also-header, --ops, "
                        "--score or --doc-source");
    kgen::driver::InferAllOptions a;
    a.kernel_dir = r["kernel"].as<std::string>();
    if (r.count("include")) a.include_dirs = r["include"].as<std::vector<std::string>>();
    a.out_dir = r["output"].as<std::string>();
    auto rep = kgen::driver::infer_all(a);
    std::cout << rep.summary;
    std::cout << "wrote " << rep.drafts << " drafts and summary.txt to " << a.out_dir << "\n";
    return 0;
  }
  kgen::driver::InferOptions i;
  i.kernel_dir = r["kernel"].as<std::string>();
  i.extra_flags = include_flags(r);
  i.header = r["header"].as<std::string>();
  i.ops = r["ops"].as<std::string>();
  if (r.count("also-header")) i.also_headers = r["also-header"].as<std::vector<std::string>>();
  if (r.count("doc-source")) i.doc_sources = r["doc-source"].as<std::vector<std::string>>();
  i.score_spec = r["score"].as<std::string>();
  auto res = kgen::driver::infer(i);
  std::string out = r["output"].as<std::string>();
  if (out.empty()) {
    std::cout << res.yaml << std::flush;
    if (!std::cout) throw kgen::Error("kgen infer: error: cannot write the draft to stdout");
  } else {
    kgen::fs::write_if_changed(out, res.yaml);
  }
  if (!res.score.empty()) std::cerr << res.score;
  return 0;
}

int cmd_install(int argc, char** argv, bool install) {
  cxxopts::Options o(install ? "kgen install" : "kgen uninstall", "Apply or remove kernel-crate-overlay/.");
  o.add_options()("kernel", "kernel tree", cxxopts::value<std::string>())(
      "overlay", "overlay directory", cxxopts::value<std::string>()->default_value("kernel-crate-overlay"))(
      "h,help", "this help");
  auto r = o.parse(argc, argv);
  if (r.count("help")) {
    std::cout << o.help() << "\n";
    return 0;
  }
  if (!r.count("kernel")) throw kgen::Error("error: --kernel DIR is required");
  auto k = r["kernel"].as<std::string>();
  if (install) {
    auto rep = kgen::driver::install_overlay(r["overlay"].as<std::string>(), k);
    std::cout << "installed: " << rep.written << " changed, " << rep.unchanged << " already up to date\n";
  } else {
    auto rep = kgen::driver::uninstall_overlay(k);
    std::cout << "uninstalled: " << rep.restored << " restored, " << rep.removed << " removed\n";
  }
  return 0;
}

}  // namespace

// Exit status: 0 success, 1 error, 2 breaking drift (kgen check), 3 internal error.
int main(int argc, char** argv) {
  // A program that stops reading its input (rustfmt) must be an error that
  // names it, not a silent death of kgen (support/process.hpp).
  kgen::process::ignore_sigpipe();
  spdlog::set_default_logger(spdlog::stderr_color_st("kgen"));
  spdlog::set_pattern("kgen: %l: %v");
  if (argc < 2) {
    std::cerr << kUsage;
    return 1;
  }
  std::string cmd = argv[1];
  try {
    if (cmd == "generate") return cmd_generate(argc - 1, argv + 1);
    if (cmd == "check") return cmd_check(argc - 1, argv + 1);
    if (cmd == "infer") return cmd_infer(argc - 1, argv + 1);
    if (cmd == "install") return cmd_install(argc - 1, argv + 1, true);
    if (cmd == "uninstall") return cmd_install(argc - 1, argv + 1, false);
    if (cmd == "passes") {
      for (const auto& p : kgen::passes::pass_list()) std::cout << p.name << ": " << p.what << "\n";
      return 0;
    }
    if (cmd == "--help" || cmd == "-h" || cmd == "help") {
      std::cout << kUsage;
      return 0;
    }
    std::cerr << "kgen: error: unknown command '" << cmd << "'\n" << kUsage;
    return 1;
  } catch (const kgen::Error& e) {
    std::cerr << e.what() << "\n";
    return 1;
  } catch (const cxxopts::exceptions::exception& e) {
    std::cerr << "kgen: error: " << e.what() << "\n" << kUsage;
    return 1;
  } catch (const std::filesystem::filesystem_error& e) {
    // A file-system failure kgen did not foresee is still the file system's,
    // not a kgen bug: name the file and the reason.
    std::cerr << (e.path1().empty() ? std::string("kgen") : e.path1().string()) << ": error: " << e.code().message()
              << (e.path2().empty() ? "" : " (" + e.path2().string() + ")") << "\n";
    return 1;
  } catch (const std::exception& e) {
    std::cerr << "kgen: internal error: " << e.what() << "\n";
    return 3;
  }
}
