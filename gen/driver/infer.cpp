#include "driver/infer.hpp"

#include <spdlog/spdlog.h>
#include <stdlib.h>
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <set>

#include "driver/kernel_tree.hpp"
#include "frontend/frontend.hpp"
#include "infer/all.hpp"
#include "infer/infer.hpp"
#include "spec/spec.hpp"
#include "support/fs.hpp"
#include "support/text.hpp"

namespace kgen::driver {

// tree -> parse (recording cleanup.h macro uses) -> draft -> (score).
InferResult infer(const InferOptions& o) {
  if (o.header.empty()) throw Error("kgen infer: error: no header given\n  hint: kgen infer --kernel TREE --header linux/phy.h");
  frontend::ParseOptions popts;
  popts.headers = {o.header};
  for (const auto& h : o.also_headers)
    if (std::find(popts.headers.begin(), popts.headers.end(), h) == popts.headers.end()) popts.headers.push_back(h);
  popts.record_uses_of = infer::cleanup_macros();
  popts.record_inline_calls = true;
  std::optional<spec::KernelVersion> version;
  if (!o.kernel_dir.empty()) {
    KernelTree t = open_kernel_tree(o.kernel_dir, /*require_rust=*/false);
    popts.flags = t.clang_flags;
    popts.working_dir = t.dir;
    version = spec::KernelVersion::parse(t.version);
  }
  for (const auto& f : o.extra_flags) popts.flags.push_back(f);
  model::CModel m = frontend::parse(popts);

  std::map<std::string, model::KernelDoc> docs;
  for (const auto& d : o.doc_sources) {
    std::filesystem::path p = o.kernel_dir.empty() ? std::filesystem::path(d) : std::filesystem::path(o.kernel_dir) / d;
    for (auto& [name, doc] : model::scan_kerneldoc(fs::read_file_or_throw(p))) docs.emplace(name, std::move(doc));
  }
  infer::Options io{o.header, o.ops, o.also_headers};
  infer::Draft d = infer::infer(m, io, docs);
  if (!o.ops.empty() && d.ops.empty())
    throw Error("kgen infer: error: --ops '" + o.ops + "': no complete struct of that name in " + o.header +
                " or what it includes\n  hint: give the struct as it is declared ('struct phy_driver'), and a header "
                "that defines it");
  InferResult r;
  r.yaml = infer::render_yaml(d);
  // The draft must read as a spec: syntax errors here are kgen bugs.
  spec::load_string(r.yaml, "<draft of " + o.header + ">");
  if (!o.score_spec.empty()) {
    spec::Spec hand = spec::load(o.score_spec, version);  // as it reads for the tree's version
    r.score = "kgen infer: draft of " + o.header + (o.ops.empty() ? "" : " (" + o.ops + ")") + " against " +
              o.score_spec + (o.doc_sources.empty() ? ", headers only" : ", headers and doc sources") + "\n" +
              infer::render_score(infer::score(d, hand, m));
  }
  return r;
}

}  // namespace kgen::driver

namespace kgen::driver {

namespace {

namespace stdfs = std::filesystem;

// Directories under include/ whose headers are not for inclusion as a whole:
// userspace copies, other architectures' and generated fragments, device-tree
// constants, and trace headers (multi-inclusion magic).
bool skipped_dir(const std::string& top) {
  static const std::set<std::string> skip = {"uapi", "asm-generic", "dt-bindings", "generated", "config",
                                             "trace", "vdso", "kvm", "math-emu", "ras"};
  return skip.count(top) > 0;
}

// Every header below `dir`, as included (linux/phy.h), sorted.
std::vector<std::string> headers_below(const stdfs::path& dir, bool kernel_include) {
  std::vector<std::string> out;
  std::error_code ec;
  for (auto it = stdfs::recursive_directory_iterator(dir, ec); !ec && it != stdfs::recursive_directory_iterator();
       it.increment(ec)) {
    auto rel = stdfs::relative(it->path(), dir).string();
    if (it->is_directory()) {
      if (kernel_include && it.depth() == 0 && skipped_dir(rel)) it.disable_recursion_pending();
      continue;
    }
    if (it->is_regular_file() && it->path().extension() == ".h" && (!kernel_include || it.depth() > 0))
      out.push_back(rel);
  }
  if (ec) throw Error("kgen infer --all: error: cannot list " + dir.string() + ": " + ec.message());
  std::sort(out.begin(), out.end());
  return out;
}

// Writes `files` (name -> content) as the directory `dir`, whole: into a
// fresh sibling, which then replaces `dir`.
void write_dir(const stdfs::path& dir, const std::map<std::string, std::string>& files) {
  std::error_code ec;
  if (stdfs::exists(dir, ec)) {
    if (!stdfs::is_directory(dir, ec))
      throw Error("kgen infer --all: error: " + dir.string() + " exists and is not a directory\n"
                  "  hint: give -o a new or empty directory, or an earlier --all output");
    auto old = fs::read_file(dir / "summary.txt");
    bool ours = old && text::starts_with(*old, "kgen infer --all:");
    if (!ours && !stdfs::is_empty(dir, ec))
      throw Error("kgen infer --all: error: " + dir.string() + " is not empty and holds no earlier --all output\n"
                  "  hint: give -o a new or empty directory (it is replaced as a whole)");
  }
  stdfs::path parent = dir.parent_path().empty() ? stdfs::path(".") : dir.parent_path();
  stdfs::create_directories(parent, ec);
  std::string tmpl = (parent / (dir.filename().string() + ".kgen-tmp-XXXXXX")).string();
  if (!mkdtemp(tmpl.data()))
    throw Error("kgen infer --all: error: cannot create a directory beside " + dir.string() + ": " +
                std::strerror(errno));
  stdfs::path tmp = tmpl;
  try {
    for (const auto& [name, content] : files) fs::write_if_changed(tmp / name, content);
    stdfs::path old;
    if (stdfs::exists(dir)) {
      old = tmp.string() + ".old";
      stdfs::rename(dir, old);
    }
    stdfs::rename(tmp, dir);
    if (!old.empty()) stdfs::remove_all(old);
  } catch (const stdfs::filesystem_error& e) {
    stdfs::remove_all(tmp, ec);
    throw Error("kgen infer --all: error: cannot write " + dir.string() + ": " + e.code().message());
  }
}

}  // namespace

InferAllReport infer_all(const InferAllOptions& o) {
  auto t0 = std::chrono::steady_clock::now();
  if (o.out_dir.empty())
    throw Error("kgen infer --all: error: no output directory\n  hint: kgen infer --all --kernel TREE -o DIR");
  frontend::ParseOptions popts;
  std::vector<std::string> include_dirs;
  if (!o.kernel_dir.empty()) {
    KernelTree t = open_kernel_tree(o.kernel_dir, /*require_rust=*/false);
    popts.flags = t.clang_flags;
    popts.working_dir = t.dir;
    stdfs::path inc = stdfs::path(t.dir) / "include";
    popts.headers = headers_below(inc, /*kernel_include=*/true);
    // Structs are named by the include directory that holds their header:
    // include/ and the architecture's (asm/x86_init.h), from the tree's -I flags.
    for (size_t i = 0; i < t.clang_flags.size(); ++i) {
      const std::string& f = t.clang_flags[i];
      std::string dir = f == "-I" && i + 1 < t.clang_flags.size() ? t.clang_flags[i + 1]
                        : text::starts_with(f, "-I")              ? f.substr(2)
                                                                  : "";
      if (dir.empty() || stdfs::path(dir).filename() != "include") continue;
      stdfs::path p = stdfs::path(dir).is_absolute() ? stdfs::path(dir) : stdfs::path(t.dir) / dir;
      std::error_code ec;
      if (stdfs::is_directory(p, ec)) include_dirs.push_back(stdfs::weakly_canonical(p).string());
    }
    if (include_dirs.empty()) include_dirs.push_back(stdfs::weakly_canonical(inc).string());
  } else {
    for (const auto& d : o.include_dirs) {
      popts.flags.push_back("-I" + d);
      for (auto& h : headers_below(d, false)) popts.headers.push_back(h);
      include_dirs.push_back(stdfs::weakly_canonical(d).string());
    }
  }
  if (popts.headers.empty()) throw Error("kgen infer --all: error: no headers found below " + text::join(include_dirs, ", "));
  spdlog::info("infer --all: parsing {} headers in one translation unit", popts.headers.size());
  std::vector<Diagnostic> errors;
  model::CModel m = frontend::parse(popts, &errors);
  auto t1 = std::chrono::steady_clock::now();
  spdlog::info("infer --all: parsed in {:.1f} s ({} records, {} parse errors tolerated); drafting",
               std::chrono::duration<double>(t1 - t0).count(), m.records.size(), errors.size());
  // Locations name files as clang saw them; drafts need absolute paths to
  // find each struct's include name.
  for (auto&& [tag, r] : m.records)
    if (auto it = m.input_files.find(r.loc.file); it != m.input_files.end()) r.loc.file = it->second;
  std::vector<std::string> dirs;
  for (const auto& d : include_dirs) dirs.push_back(d);
  infer::AllResult all = infer::infer_all(m, dirs);

  std::map<std::string, std::string> files;
  for (const auto& d : all.drafts) files[d.file] = d.yaml;
  auto t2 = std::chrono::steady_clock::now();
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  double cpu = ru.ru_utime.tv_sec + ru.ru_stime.tv_sec + (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
  char line[256];
  std::snprintf(line, sizeof line,
                "\nrun: %zu headers, %zu parse errors tolerated; parse %.1f s, drafts %.1f s; %.1f s CPU; peak RSS "
                "%ld MB\n",
                popts.headers.size(), errors.size(), std::chrono::duration<double>(t1 - t0).count(),
                std::chrono::duration<double>(t2 - t1).count(), cpu, ru.ru_maxrss / 1024);
  std::string summary = all.summary + line;
  if (!errors.empty()) {
    summary += "first parse errors:\n";
    for (size_t i = 0; i < errors.size() && i < 10; ++i) summary += "  " + errors[i].loc.str() + ": " + errors[i].message + "\n";
  }
  files["summary.txt"] = summary;
  write_dir(o.out_dir, files);
  InferAllReport rep;
  rep.headers = popts.headers.size();
  rep.parse_errors = errors.size();
  rep.drafts = all.drafts.size();
  rep.skipped = all.skipped.size();
  rep.summary = summary;
  return rep;
}

}  // namespace kgen::driver
