// kgen: safe Rust-for-Linux abstractions, generated from kernel C headers.
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <cxxopts.hpp>
#include <iostream>

#include "driver/generate.hpp"
#include "driver/overlay.hpp"
#include "passes/plan.hpp"
#include "support/diag.hpp"
#include "support/text.hpp"

namespace {

const char* kUsage =
    "usage: kgen <command> [options]\n"
    "commands:\n"
    "  generate   generate the three layers for one or more specs into out/ and kernel-crate-overlay/\n"
    "  install    apply kernel-crate-overlay/ to a kernel tree (idempotent)\n"
    "  uninstall  restore a kernel tree to what it was before install (idempotent)\n"
    "  passes     list the passes, in the order they run\n"
    "run 'kgen <command> --help' for its options\n";

int cmd_generate(int argc, char** argv) {
  cxxopts::Options o("kgen generate", "Generate safe Rust abstractions from kernel headers and a header spec.");
  o.add_options()("spec", "header spec (YAML); repeatable", cxxopts::value<std::vector<std::string>>())(
      "kernel", "configured Linux tree (its flags and version are used)", cxxopts::value<std::string>()->default_value(""))(
      "I,include", "include directory, for trees-less runs (tests)", cxxopts::value<std::vector<std::string>>())(
      "kernel-version", "version to print when there is no tree", cxxopts::value<std::string>()->default_value("unknown"))(
      "out", "output directory", cxxopts::value<std::string>()->default_value("out"))(
      "overlay", "kernel overlay directory", cxxopts::value<std::string>()->default_value("kernel-crate-overlay"))(
      "bindgen", "bindgen program (empty: skip the FFI layer)", cxxopts::value<std::string>()->default_value(""))(
      "rustfmt", "rustfmt program (empty: do not format)", cxxopts::value<std::string>()->default_value(""))(
      "dump-after", "print the plan after this pass (or 'all')", cxxopts::value<std::string>()->default_value(""))(
      "v,verbose", "debug logging")("h,help", "this help");
  o.parse_positional({"spec"});
  auto r = o.parse(argc, argv);
  if (r.count("help")) {
    std::cout << o.help() << "\n";
    return 0;
  }
  if (r.count("verbose")) spdlog::set_level(spdlog::level::debug);
  if (!r.count("spec")) throw kgen::Error("kgen generate: error: no spec given\n  hint: kgen generate --spec header-specs/net-phy.yaml --kernel TREE");
  for (const auto& spec : r["spec"].as<std::vector<std::string>>()) {
    kgen::driver::GenerateOptions g;
    g.spec_path = spec;
    g.kernel_dir = r["kernel"].as<std::string>();
    if (r.count("include"))
      for (const auto& i : r["include"].as<std::vector<std::string>>()) g.extra_flags.push_back("-I" + i);
    g.kernel_version = r["kernel-version"].as<std::string>();
    g.out_dir = r["out"].as<std::string>();
    g.overlay_dir = r["overlay"].as<std::string>();
    g.bindgen = r["bindgen"].as<std::string>();
    g.rustfmt = r["rustfmt"].as<std::string>();
    g.dump_after = r["dump-after"].as<std::string>();
    auto rep = kgen::driver::generate(g);
    std::cout << rep.text() << "files: " << rep.files_written << " written, " << rep.files_unchanged
              << " unchanged\n";
  }
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

int main(int argc, char** argv) {
  spdlog::set_default_logger(spdlog::stderr_color_st("kgen"));
  spdlog::set_pattern("kgen: %l: %v");
  if (argc < 2) {
    std::cerr << kUsage;
    return 2;
  }
  std::string cmd = argv[1];
  try {
    if (cmd == "generate") return cmd_generate(argc - 1, argv + 1);
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
    return 2;
  } catch (const kgen::Error& e) {
    std::cerr << e.what() << "\n";
    return 1;
  } catch (const cxxopts::exceptions::exception& e) {
    std::cerr << "kgen: error: " << e.what() << "\n" << kUsage;
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "kgen: internal error: " << e.what() << "\n";
    return 3;
  }
}
