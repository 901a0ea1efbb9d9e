#include "driver/generate.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <exception>
#include <filesystem>
#include <future>
#include <map>
#include <memory>
#include <regex>
#include <set>

#include "drift/lockfile.hpp"
#include "driver/kernel_tree.hpp"
#include "driver/overlay.hpp"
#include "driver/regen_cache.hpp"
#include "emit/c_helpers.hpp"
#include "emit/ffi.hpp"
#include "emit/rust_view.hpp"
#include "emit/safety.hpp"
#include "frontend/frontend.hpp"
#include "passes/plan.hpp"
#include "spec/spec.hpp"
#include "support/fs.hpp"
#include "support/process.hpp"
#include "support/text.hpp"

namespace kgen::driver {

namespace stdfs = std::filesystem;

std::string GenerateReport::text() const {
  auto pct = [](size_t a, size_t b) { return b ? std::to_string((a * 100 + b / 2) / b) + "%" : std::string("n/a"); };
  std::string s;
  s += "spec: " + spec_name + "\n";
  s += "callbacks wired: " + std::to_string(callbacks_wired) + "/" + std::to_string(callbacks_total) + "\n";
  // The spec is strict: every callback it does not wire is excluded, with a reason (listed below).
  if (callbacks_total > callbacks_wired)
    s += "callbacks excluded with a reason: " + std::to_string(callbacks_total - callbacks_wired) + "/" +
         std::to_string(callbacks_total) + "\n";
  s += "C helpers generated: " + std::to_string(helpers) + "\n";
  s += "lines: " + std::to_string(generated_lines) + " generated, " + std::to_string(hand_written_lines) +
       " hand-written (" + pct(generated_lines, generated_lines + hand_written_lines) + " generated)\n";
  s += "unsafe blocks with a SAFETY comment: " + std::to_string(unsafe_documented) + "/" +
       std::to_string(unsafe_blocks) + "\n";
  if (kernel_conditions)
    s += "version-conditional spec items: " + std::to_string(kernel_conditions) + " (" +
         std::to_string(kernel_condition_lines) + (kernel_condition_lines == 1 ? " line" : " lines") +
         "), read for Linux " + kernel_version + "\n";
  return s;
}

namespace {

using Clock = std::chrono::steady_clock;

struct Timer {
  const char* what;
  Clock::time_point t0 = Clock::now();
  ~Timer() {
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t0).count();
    spdlog::debug("{} took {} ms", what, ms);
  }
};

size_t count_lines(const std::string& s) { return text::split_lines(s).size(); }

// The module files `mod name;` in a Rust file declares (outside comments).
std::vector<std::string> declared_modules(const std::string& code) {
  static const std::regex re(R"(^[ \t]*(?:pub(?:\([^)]*\))?[ \t]+)?mod[ \t]+([A-Za-z_][A-Za-z0-9_]*)[ \t]*;)");
  std::vector<std::string> out;
  for (const auto& l : text::split_lines(code)) {
    std::smatch m;
    if (std::regex_search(l, m, re)) out.push_back(m[1].str());
  }
  return out;
}

// Formats every generated Rust file of the run with one rustfmt process (a
// rustfmt started through the toolchain root's wrapper costs ~0.2 s of CPU
// before it formats anything). The files are written, under their kernel
// paths, to a scratch directory in `base` (which a rustfmt running in a
// chroot must see, as bindgen's input); a `mod x;` whose file is not
// generated gets an empty stand-in, since rustfmt follows module
// declarations; an empty rustfmt.toml at the top keeps any configuration
// above `base` out. `files`: (kernel-relative path, code); returns the
// formatted code in the same order.
std::vector<std::string> format_rust_all(const std::string& program, const stdfs::path& base,
                                         const std::vector<std::pair<std::string, std::string>>& files) {
  std::vector<std::string> out;
  if (program.empty() || files.empty()) {
    for (const auto& f : files) out.push_back(f.second);
    return out;
  }
  fs::ScratchDir scratch(base);
  const stdfs::path& dir = scratch.path();
  auto argv = text::split(program, ' ');
  std::string who = "rustfmt ('" + argv[0] + "')";
  argv.insert(argv.end(), {"--edition", "2021"});
  // Each file in a tree of its own (two specs may both have a lib-level file).
  std::vector<stdfs::path> paths;
  for (size_t i = 0; i < files.size(); ++i) {
    const stdfs::path& p = paths.emplace_back(dir / std::to_string(i) / files[i].first);
    stdfs::create_directories(p.parent_path());
    fs::write_if_changed(p, files[i].second);
    argv.push_back(p.string());
  }
  for (size_t i = 0; i < files.size(); ++i) {
    const stdfs::path& p = paths[i];
    std::string stem = p.stem().string();
    stdfs::path children = (stem == "lib" || stem == "mod") ? p.parent_path() : p.parent_path() / stem;
    for (const auto& m : declared_modules(files[i].second)) {
      stdfs::path a = children / (m + ".rs"), b = children / m / "mod.rs";
      if (stdfs::exists(a) || stdfs::exists(b)) continue;
      stdfs::create_directories(a.parent_path());
      fs::write_if_changed(a, "");
    }
  }
  fs::write_if_changed(dir / "rustfmt.toml", "");
  auto r = process::run(argv, dir.string());
  auto local = [&](std::string msg) {  // scratch paths back to kernel paths
    for (size_t i = 0; i < files.size(); ++i)
      msg = text::replace_all(msg, (dir / std::to_string(i)).string() + "/", "");
    return msg;
  };
  std::string what = files.size() == 1 ? files[0].first : std::to_string(files.size()) + " generated files";
  if (r.status == 127)
    throw Error(what + ": error: cannot run " + who + ": " + text::trim(r.err) +
                "\n  hint: pass --rustfmt with a rustfmt program, or --rustfmt '' not to format");
  if (r.status != 0)
    throw Error(what + ": error: " + who + " " + process::describe_failure(r, 0) + ":\n" + local(r.err + r.out) +
                "\n  hint: this is a kgen bug if the spec's hand-written Rust is valid; run with --rustfmt '' to see the raw output");
  for (size_t i = 0; i < files.size(); ++i) {
    auto text = fs::read_file(paths[i]);
    if (!text || (text::trim(*text).empty() && !text::trim(files[i].second).empty()))
      throw Error(files[i].first + ": error: " + who + " left " + (text ? "an empty file" : "no file") +
                  " for a module of " + std::to_string(files[i].second.size()) +
                  " bytes\n  hint: a formatter must format the files it is given in place");
    out.push_back(*text);
  }
  return out;
}

// One spec of a run.
struct Job {
  std::string spec_path, spec_text;
  spec::Spec spec;
  // The specs of shared types that `spec` uses, with their paths and texts.
  std::vector<spec::Spec> used;
  std::vector<std::string> used_paths, used_texts;
  std::string cache_key;
  std::vector<std::string> cached_outputs;  // when skipped: the files it has (absolute)
};

// Where `key` is first set in the spec (file:line:column), for messages about
// values that have no location of their own.
std::string where(const Job& j, const std::string& key) {
  auto lines = text::split_lines(j.spec_text);
  for (size_t i = 0; i < lines.size(); ++i)
    for (size_t pos = lines[i].find(key + ":"); pos != std::string::npos; pos = lines[i].find(key + ":", pos + 1))
      if (pos == 0 || std::string(" \t{,-").find(lines[i][pos - 1]) != std::string::npos)
        return j.spec_path + ":" + std::to_string(i + 1) + ":" + std::to_string(pos + 1);
  return j.spec_path;
}

// The headers a spec's parse needs: its own, then those of the specs it uses.
std::vector<std::string> parse_headers(const Job& j) {
  std::vector<std::string> out = j.spec.headers;
  for (const auto& u : j.used)
    for (const auto& h : u.headers)
      if (std::find(out.begin(), out.end(), h) == out.end()) out.push_back(h);
  return out;
}

// The values a spec joins onto output paths must keep them where they belong
// (the loader checks them too; this is the check at the point of writing).
void check_output_names(const Job& j) {
  const spec::Spec& s = j.spec;
  std::vector<std::string> errs;
  auto bad = [&](const std::string& at, const std::string& key, const std::string& value, const std::string& why) {
    errs.push_back(at + ": error: " + key + " '" + text::replace_all(value, "\n", "\\n") + "' cannot be used in an output path: " +
                   why + "\n  hint: use a plain relative path under rust/ (or a plain name), without '..'");
  };
  auto plain_name = [](const std::string& v) -> std::string {
    if (auto why = fs::bad_relative_path(v); !why.empty()) return why;
    if (v.find('/') != std::string::npos) return "it contains '/'";
    return "";
  };
  if (auto why = plain_name(s.name); !why.empty()) bad(where(j, "name"), "name", s.name, why);
  if (auto why = fs::bad_relative_path(s.kernel_file); !why.empty())
    bad(where(j, "kernel_file"), "module.kernel_file", s.kernel_file, why);
  if (!s.helpers.empty())
    if (auto why = plain_name(s.helpers); !why.empty()) bad(where(j, "helpers"), "helpers", s.helpers, why);
  for (const auto& h : s.hand_written)
    if (auto why = fs::bad_relative_path(h.kernel_file); !why.empty())
      bad(h.loc.known() ? h.loc.str() : where(j, "hand_written"), "hand_written kernel_file", h.kernel_file, why);
  if (s.kconfig.find_first_of("\n\r") != std::string::npos)
    bad(where(j, "kconfig"), "module.kconfig", s.kconfig, "it contains a line break");
  if (s.mode == "add") {
    size_t segs = 0;
    for (const auto& p : text::split(s.rust_path, ':')) {
      if (p.empty()) continue;
      ++segs;
      if (auto why = plain_name(p); !why.empty()) bad(where(j, "rust_path"), "module.rust_path", s.rust_path, why);
    }
    if (segs < 2)
      bad(where(j, "rust_path"), "module.rust_path", s.rust_path, "a module added to the kernel crate needs a path like kernel::name");
  }
  if (!errs.empty()) throw Error(text::join(errs, "\n"));
}

// One file a spec's run writes, with who asks for it (for clash messages).
struct Output {
  stdfs::path root, path;
  std::string content, owner;
  bool counted = true;  // in the report's "files: N written" (the cache is not)
};

struct SpecResult {
  GenerateReport rep;
  std::vector<Output> outputs;
};

// A spec's work up to its FFI layer: the files rendered, the figures, and
// what it asks of the run's one bindgen run.
struct SpecWork {
  GenerateReport rep;
  std::map<std::string, std::string> files;      // kernel-relative path -> content (the overlay)
  std::map<std::string, std::string> out_files;  // relative to out/<spec>/
  std::string lock_text, banner;
  bool wants_bindings = false;
  std::vector<std::string> prototypes;  // of its helpers and those of the shared specs it uses
  std::set<std::string> used, helpers;  // bindings:: names, and which of them are helpers
};

// What every spec of a run shares: the tree's flags and version, and the
// headers of the run's one bindgen parse.
struct Tree {
  frontend::ParseOptions popts;  // without headers
  std::string kernel_version;
  std::vector<std::string> bindgen_options;
  // Every header of every spec of the invocation (cached ones too), in spec
  // order: the translation unit bindgen parses. What a header completes
  // (a struct another header only declares) shows in every spec's FFI file,
  // so this list is part of each spec's cache key.
  std::vector<std::string> run_headers;
};

// The enums the tree's bindgen options give a Rust scope of their own
// (model::CModel::scoped_enum_patterns): `--newtype-enum X` and the like,
// the pattern as the next word or after '='.
std::vector<std::string> scoped_enum_patterns(const std::vector<std::string>& options) {
  std::vector<std::string> out;
  for (size_t i = 0; i < options.size(); ++i)
    for (const char* o : {"--newtype-enum", "--newtype-global-enum", "--rustified-enum",
                          "--rustified-non-exhaustive-enum", "--constified-enum-module"}) {
      std::string opt = o;
      if (options[i] == opt && i + 1 < options.size())
        out.push_back(options[i + 1]);
      else if (text::starts_with(options[i], opt + "="))
        out.push_back(options[i].substr(opt.size() + 1));
    }
  return out;
}

std::string abs_path(const stdfs::path& p) { return stdfs::absolute(p).lexically_normal().string(); }

stdfs::path cache_path(const GenerateOptions& o, const spec::Spec& s) {
  return stdfs::path(o.out_dir) / s.name / ".kgen-cache";
}

// Everything that decides the output besides file contents.
std::string cache_key(const GenerateOptions& o, const Job& j, const Tree& t) {
  std::vector<std::string> k = {"kgen " KGEN_VERSION " " + program_build_id(), "spec " + abs_path(j.spec_path),
                                "kernel " + (o.kernel_dir.empty() ? "" : abs_path(o.kernel_dir)),
                                "linux " + t.kernel_version,   "cwd " + t.popts.working_dir,
                                "out " + abs_path(o.out_dir),  "overlay " + abs_path(o.overlay_dir),
                                "bindgen " + o.bindgen,        "rustfmt " + o.rustfmt,
                                "lock " + std::to_string(o.write_lock)};
  for (const auto& f : t.popts.flags) k.push_back("flag " + f);
  for (const auto& b : t.bindgen_options) k.push_back("bindgen-option " + b);
  if (!o.bindgen.empty())
    for (const auto& h : t.run_headers) k.push_back("bindgen-header " + h);
  for (size_t i = 0; i < j.used_paths.size(); ++i)
    k.push_back("uses " + abs_path(j.used_paths[i]) + " " + text::content_hash(j.used_texts[i]));
  return text::content_hash(text::join(k, "\n"));
}

long long run_started_ns();

std::optional<GenerateReport> cached_report(const GenerateOptions& o, Job& j, FileMemo& memo) {
  Timer t{"regeneration cache check"};
  stdfs::path path = cache_path(o, j.spec);
  auto text = fs::read_file(path);
  if (!text) return std::nullopt;
  auto c = parse_cache(*text);
  if (!c) {
    spdlog::warn("{}: the regeneration cache is damaged (or from another kgen version); ignored, regenerating",
                 path.string());
    return std::nullopt;
  }
  bool hashed = false;
  if (!cache_fresh(*c, j.cache_key, memo, &hashed)) return std::nullopt;
  if (hashed) {
    // Files the check had to read get their stamps now, if they are old
    // enough to be trusted (see cache_text): the next no-op only stat's them.
    bool better = false;
    for (const auto* files : {&c->inputs, &c->outputs})
      for (const auto& [p, h] : *files) {
        std::string now = file_stamp(p, run_started_ns() - 1000000000LL);
        std::string& old = c->stamps[p];
        if (now != "-" && old != now) {
          old = now;
          better = true;
        }
      }
    if (better) fs::write_if_changed(path, render_cache(*c));
  }
  for (const auto& w : c->warnings) spdlog::warn("{}", w);
  GenerateReport r = c->report;
  r.spec_name = j.spec.name;
  r.files_unchanged = c->outputs.size();
  for (const auto& [p, h] : c->outputs) j.cached_outputs.push_back(p);
  r.skipped = true;
  r.warnings = c->warnings;
  spdlog::debug("{}: inputs and outputs unchanged; parse skipped", j.spec_path);
  return r;
}

// The programs kgen runs, when they are files (wrapper scripts): their text
// is an input too.
void add_program(std::map<std::string, std::string>& in, const std::string& program) {
  if (program.empty()) return;
  std::string first = text::split(program, ' ')[0];
  if (stdfs::is_regular_file(first)) in[abs_path(first)] = hash_file(abs_path(first));
}

// When the current generate_many started, in nanoseconds since the epoch:
// files modified after (less a second) are too recent to stamp. Set by each
// run, not once per process: a process that generates again (the unit tests,
// a library user) would otherwise never stamp what it wrote after its first run.
long long run_started = 0;
void start_run() {
  run_started = std::chrono::duration_cast<std::chrono::nanoseconds>(
                    std::chrono::system_clock::now().time_since_epoch())
                    .count();
}
long long run_started_ns() { return run_started; }

std::string cache_text(const GenerateOptions& o, const Job& j, const model::CModel& cm, const GenerateReport& rep,
                 const std::map<std::string, std::string>& written, FileMemo& memo) {
  RegenCache c;
  c.key = j.cache_key;
  c.report = rep;
  c.warnings = rep.warnings;
  stdfs::path spec_dir = stdfs::path(j.spec_path).parent_path();
  c.inputs[abs_path(j.spec_path)] = text::content_hash(j.spec_text);
  for (size_t i = 0; i < j.used_paths.size(); ++i) c.inputs[abs_path(j.used_paths[i])] = text::content_hash(j.used_texts[i]);
  for (const auto& h : j.spec.hand_written) c.inputs[abs_path(spec_dir / h.file)] = hash_file(abs_path(spec_dir / h.file));
  for (const auto& d : j.spec.doc_sources) {
    stdfs::path p = o.kernel_dir.empty() ? spec_dir / d : stdfs::path(o.kernel_dir) / d;
    c.inputs[abs_path(p)] = hash_file(abs_path(p));
  }
  for (const auto& [name, path] : cm.input_files) c.inputs[path] = memo.hash(path);  // once per run, not per spec
  add_program(c.inputs, o.bindgen);
  add_program(c.inputs, o.rustfmt);
  for (const auto& [p, content] : written) c.outputs[p] = text::content_hash(content);
  // A file modified since this run started (or in the second before) gets
  // no stamp, so the next run hashes it: its stamp could otherwise match
  // content that the parse never saw (git's "racily clean" entries).
  for (const auto& [p, h] : c.inputs) c.stamps[p] = file_stamp(p, run_started_ns() - 1000000000LL);
  return render_cache(c);
}

// A spec's plan and its rendered Rust (steps 5-6), in one place: the plan
// points into the plans of the shared specs it uses.
struct Planned {
  std::vector<passes::Plan> used_plans;
  passes::Plan plan;
  emit::ViewContext ctx;
  std::vector<std::pair<std::string, std::string>> rust;  // kernel-relative path -> code, before rustfmt
};
std::unique_ptr<Planned> plan_spec(const GenerateOptions& o, const Job& job, const std::string& kernel_version,
                                   const model::CModel& cm);
SpecWork generate_spec(const GenerateOptions& o, const Job& job, const model::CModel& cm, const Planned& planned,
                       const std::vector<std::string>& formatted);
SpecResult finish_spec(const GenerateOptions& o, const Job& job, const model::CModel& cm, SpecWork w,
                       const emit::BindingsIndex& bindings, FileMemo& memo);

// The one bindgen run of a generate: every header of the invocation
// (Tree::run_headers), the helper prototypes and the union of the allowlists
// of the specs being generated. Returns bindgen's output, or "" when no spec
// asks for one (no --bindgen, or only shared specs).
std::string run_bindgen_once(const GenerateOptions& o, const Tree& tree, const std::vector<const Job*>& jobs,
                             const std::vector<SpecWork>& work, const model::CModel& cm) {
  emit::BindgenRun run;
  frontend::ParseOptions all = tree.popts;
  all.headers = tree.run_headers;
  run.input_header_text = frontend::input_file_text(all);
  std::set<std::string> seen;
  bool any = false;
  // Two specs with a helper of the same name and different prototypes would
  // clash in the kernel's helpers.c as they clash here: say which.
  static const std::regex helper_re(R"(\brust_helper_([A-Za-z0-9_]+)\()");
  std::map<std::string, std::pair<size_t, std::string>> proto;  // helper -> (spec, prototype)
  for (size_t k = 0; k < work.size(); ++k) {
    const SpecWork& w = work[k];
    if (!w.wants_bindings) continue;
    any = true;
    for (const auto& l : w.prototypes) {
      if (seen.insert(l).second) run.input_header_text += l + "\n";
      std::smatch m;
      if (!std::regex_search(l, m, helper_re)) continue;
      auto [it, fresh] = proto.emplace(m[1].str(), std::make_pair(k, l));
      if (!fresh && it->second.second != l)
        throw Error(where(*jobs[k], "helpers") + ": error: the helper rust_helper_" + m[1].str() +
                    " is declared differently by " + jobs[it->second.first]->spec_path + ":\n  " + it->second.second +
                    "\n  " + l + "\n  hint: one C function, one helper: rename one, or move it to a shared spec both use");
    }
    run.used.insert(w.used.begin(), w.used.end());
    run.helpers.insert(w.helpers.begin(), w.helpers.end());
  }
  if (!any) return "";
  Timer t{"bindgen"};
  run.program = o.bindgen;
  run.tree_options = tree.bindgen_options;
  run.clang_flags = tree.popts.flags;
  run.working_dir = tree.popts.working_dir;
  run.tmp_base = o.out_dir;  // visible to a bindgen that runs in a chroot (scripts/tools/bindgen)
  return emit::run_bindgen(run, cm);
}

}  // namespace

// The pipeline for several specs: spec -> tree -> (cache) -> one shared parse,
// then for each spec: passes -> emit -> check -> write -> lock (generate_spec).
std::vector<GenerateReport> generate_many(const GenerateOptions& o, const std::vector<std::string>& spec_paths) {
  start_run();
  // 1. The kernel tree: its own flags, and its version, which picks the
  // specs' version-conditional items.
  Tree tree;
  tree.popts.flags = {};
  tree.kernel_version = o.kernel_version;
  if (!o.kernel_dir.empty()) {
    KernelTree kt = open_kernel_tree(o.kernel_dir);
    tree.popts.flags = kt.clang_flags;
    tree.popts.working_dir = kt.dir;
    tree.kernel_version = kt.version;
    tree.bindgen_options = kt.bindgen_options;
  }
  for (const auto& f : o.extra_flags) tree.popts.flags.push_back(f);
  std::optional<spec::KernelVersion> version = spec::KernelVersion::parse(tree.kernel_version);

  // 2. The specs.
  std::vector<Job> jobs;
  for (const auto& p : spec_paths) {
    Job j;
    j.spec_path = p;
    j.spec_text = fs::read_file_or_throw(p);
    j.spec = spec::load_string(j.spec_text, p, version);
    for (size_t i = 0; i < j.spec.uses.size(); ++i) {
      std::string up = (stdfs::path(p).parent_path() / j.spec.uses[i]).string();
      const Location& at = j.spec.uses_locs[i];
      if (!stdfs::is_regular_file(up))
        throw Error(at.str() + ": error: the used spec '" + j.spec.uses[i] + "' does not exist (" + up +
                    ")\n  hint: 'uses' names spec files beside this one");
      j.used_texts.push_back(fs::read_file_or_throw(up));
      j.used.push_back(spec::load_string(j.used_texts.back(), up, version));
      j.used_paths.push_back(up);
      if (!j.used.back().shared)
        throw Error(at.str() + ": error: '" + j.spec.uses[i] + "' is not a spec of shared types\n  hint: add "
                    "'shared: true' to it, so its types get what other specs' trampolines need");
      if (!j.used.back().uses.empty())
        throw Error(at.str() + ": error: '" + j.spec.uses[i] + "' uses other specs itself; a shared spec stands alone");
    }
    check_output_names(j);
    jobs.push_back(std::move(j));
  }

  // What a killed run left: its journal is rolled back, its scratch removed.
  for (const auto& m : fs::recover(o.out_dir)) spdlog::warn("{}", m);
  if (size_t n = fs::remove_litter(o.overlay_dir))
    spdlog::warn("{}: removed {} temporary files that interrupted kgen runs left", o.overlay_dir, n);

  for (const auto& j : jobs)
    for (const auto& h : parse_headers(j))
      if (std::find(tree.run_headers.begin(), tree.run_headers.end(), h) == tree.run_headers.end())
        tree.run_headers.push_back(h);

  // 3. A spec whose inputs and outputs are all unchanged is done: no parse.
  std::vector<GenerateReport> reports(jobs.size());
  std::vector<size_t> todo;
  FileMemo memo;
  for (size_t i = 0; i < jobs.size(); ++i) {
    if (o.use_cache && o.dump_after.empty()) {
      jobs[i].cache_key = cache_key(o, jobs[i], tree);
      if (auto hit = cached_report(o, jobs[i], memo)) {
        reports[i] = *hit;
        continue;
      }
    }
    todo.push_back(i);
  }
  if (todo.empty()) {
    // Nothing to write; still, two up-to-date specs must not share a file.
    fs::Transaction t(o.out_dir);
    for (const auto& j : jobs)
      for (const auto& p : j.cached_outputs) t.claim(p, where(j, "name"));
    t.commit();
    return reports;
  }

  // 4. One parse for every spec left, over the union of their headers; each
  //    spec then sees only what its own headers include (model::restrict_to),
  //    so its output does not depend on which specs ran with it.
  frontend::ParseOptions all = tree.popts;
  for (size_t i : todo)
    for (const auto& h : parse_headers(jobs[i]))
      if (std::find(all.headers.begin(), all.headers.end(), h) == all.headers.end()) all.headers.push_back(h);
  model::CModel cm;
  {
    Timer t{"parse"};
    cm = frontend::parse(all);
  }
  cm.scoped_enum_patterns = scoped_enum_patterns(tree.bindgen_options);
  std::vector<model::CModel> views;  // one per spec left, when several share the parse
  auto make_views = [&] {
    views.clear();
    if (todo.size() > 1)
      for (size_t i : todo) views.push_back(model::restrict_to(cm, parse_headers(jobs[i])));
  };
  auto view = [&](size_t k) -> const model::CModel& { return todo.size() == 1 ? cm : views[k]; };
  {
    Timer t{"views"};
    make_views();
  }
  {
    Timer t{"evaluate macros"};
    std::set<std::string> names;
    for (size_t k = 0; k < todo.size(); ++k) {
      for (auto& n : passes::macros_to_evaluate(jobs[todo[k]].spec, view(k))) names.insert(std::move(n));
      for (const auto& u : jobs[todo[k]].used)
        for (auto& n : passes::macros_to_evaluate(u, view(k))) names.insert(std::move(n));
    }
    // The views share the parse's macros (model::EntityMap): they see the values too.
    frontend::evaluate_macros(cm, all, {names.begin(), names.end()});
  }

  // 5-6. Each spec's plan and Rust, in parallel: they share only the
  //      (read-only) parse. The first spec's error (in spec order) is the
  //      one reported.
  auto in_parallel = [&](auto step) {
    using R = decltype(step(size_t{0}));
    std::vector<std::future<R>> running;
    for (size_t k = 0; k < todo.size(); ++k) running.push_back(std::async(std::launch::async, step, k));
    std::vector<R> out(todo.size());
    std::exception_ptr failed;
    for (size_t k = 0; k < todo.size(); ++k) {
      try {
        out[k] = running[k].get();
      } catch (...) {
        if (!failed) failed = std::current_exception();
      }
    }
    if (failed) std::rethrow_exception(failed);
    return out;
  };
  auto planned = in_parallel([&](size_t k) { return plan_spec(o, jobs[todo[k]], tree.kernel_version, view(k)); });

  // 6b. One rustfmt for every spec's Rust.
  std::vector<std::pair<std::string, std::string>> rust;
  for (const auto& p : planned) rust.insert(rust.end(), p->rust.begin(), p->rust.end());
  std::vector<std::string> formatted;
  {
    Timer t{"rustfmt"};
    formatted = format_rust_all(o.rustfmt, o.out_dir, rust);
  }

  // 7-9. Each spec's checks, figures and what it asks of bindgen.
  std::vector<SpecWork> work(todo.size());
  for (size_t k = 0, at = 0; k < todo.size(); ++k) {
    size_t n = planned[k]->rust.size();
    work[k] = generate_spec(o, jobs[todo[k]], view(k), *planned[k],
                            {formatted.begin() + static_cast<long>(at), formatted.begin() + static_cast<long>(at + n)});
    at += n;
  }

  // 8. The FFI layer: one bindgen run for every spec left, over the union of
  //    their headers and allowlists; each spec's file is its part of the
  //    output (emit::bindings_for), the same whichever specs shared the run.
  std::vector<const Job*> todo_jobs;
  for (size_t i : todo) todo_jobs.push_back(&jobs[i]);
  // Split once, cut once per spec.
  emit::BindingsIndex bindings = emit::index_bindings(o.bindgen.empty() ? "" : run_bindgen_once(o, tree, todo_jobs, work, cm));

  // 10-11. The files of each spec.
  std::vector<SpecResult> results;
  for (size_t k = 0; k < todo.size(); ++k) results.push_back(finish_spec(o, jobs[todo[k]], view(k), std::move(work[k]), bindings, memo));

  // 12. Write every file of every spec as one transaction: clashes between
  //     specs, roots and writability are checked before anything is written,
  //     and a failure half way rolls back (support/fs.hpp).
  //     No output may replace an input of the run (a spec, a hand-written
  //     file, a header): `--overlay .` with a kernel_file naming the spec.
  std::map<stdfs::path, std::string> inputs;  // normal path -> what it is
  for (const auto& j : jobs) {
    inputs[fs::normal(j.spec_path)] = "the spec " + j.spec_path;
    for (const auto& h : j.spec.hand_written)
      inputs[fs::normal(stdfs::path(j.spec_path).parent_path() / h.file)] = "a hand-written file of " + j.spec_path;
  }
  for (const auto& [name, path] : cm.input_files) inputs.emplace(fs::normal(path), "the header " + name);
  std::vector<std::string> overwrites;
  for (const auto& r : results)
    for (const auto& f : r.outputs)
      if (auto it = inputs.find(fs::normal(f.path)); it != inputs.end())
        overwrites.push_back(f.owner + ": error: the output " + fs::normal(f.path).string() + " would replace " +
                             it->second + "\n  hint: outputs go to --out and --overlay, under their own names");
  if (!overwrites.empty()) throw Error(text::join(overwrites, "\n"));

  fs::Transaction t(o.out_dir);
  for (const auto& j : jobs)
    for (const auto& p : j.cached_outputs) t.claim(p, where(j, "name"));
  for (const auto& r : results)
    for (const auto& f : r.outputs) t.write(f.root, f.path, f.content, f.owner);
  auto res = t.commit();
  std::set<stdfs::path> changed(res.changed.begin(), res.changed.end());
  for (size_t k = 0; k < todo.size(); ++k) {
    GenerateReport& rep = results[k].rep;
    for (const auto& f : results[k].outputs)
      if (f.counted) ++(changed.count(fs::normal(f.path)) ? rep.files_written : rep.files_unchanged);
    reports[todo[k]] = rep;
  }
  return reports;
}

GenerateReport generate(const GenerateOptions& o) { return generate_many(o, {o.spec_path}).front(); }

namespace {

// Steps 5-6 for one spec, on its view of the parse: its plan (beside the
// plans of the shared specs it uses, which it points into) and its Rust,
// not yet formatted.
std::unique_ptr<Planned> plan_spec(const GenerateOptions& o, const Job& job, const std::string& kernel_version,
                                   const model::CModel& cm) {
  const spec::Spec& s = job.spec;
  stdfs::path spec_dir = stdfs::path(job.spec_path).parent_path();
  auto out = std::make_unique<Planned>();

  // 5. Passes.
  passes::DocSources docs;
  for (const auto& d : s.doc_sources) {
    stdfs::path p = o.kernel_dir.empty() ? spec_dir / d : stdfs::path(o.kernel_dir) / d;
    auto textv = fs::read_file(p);
    if (!textv)
      throw Error(where(job, "doc_sources") + ": error: doc source '" + d + "': cannot read " + p.string() + ": " +
                  fs::read_error(p) + "\n  hint: doc_sources are relative to the kernel tree (to the spec without one)");
    docs[d] = *textv;
  }
  // The plans of the shared specs this one uses, on the same parse: their
  // types and enums are what this spec's output names.
  std::vector<passes::Plan>& used_plans = out->used_plans;
  used_plans.reserve(job.used.size());
  for (const auto& u : job.used) used_plans.push_back(passes::run_passes(u, cm, {}));
  std::vector<const passes::Plan*> used;
  for (const auto& up : used_plans) used.push_back(&up);
  out->plan = passes::run_passes(
      s, cm, docs,
      [&](const char* pass, const passes::Plan& p) {
        if (o.dump_after == pass || o.dump_after == "all")
          std::fprintf(stderr, "=== after pass %s ===\n%s", pass, p.dump().c_str());
      },
      used);
  for (const auto& w : out->plan.warnings) spdlog::warn("{}", w.str());

  // 6. Emit, all in memory first: nothing is written unless every stage
  //    succeeds. generate_many formats every spec's Rust with one rustfmt.
  out->ctx = emit::ViewContext{KGEN_VERSION, "header-specs/" + stdfs::path(job.spec_path).filename().string(),
                               kernel_version};
  for (auto& [path, text] : emit::render_rust_files(out->plan, out->ctx)) out->rust.emplace_back(path, std::move(text));
  return out;
}

// Steps 6-9 for one spec, once its Rust is formatted.
SpecWork generate_spec(const GenerateOptions& o, const Job& job, const model::CModel& cm, const Planned& planned,
                       const std::vector<std::string>& formatted) {
  const spec::Spec& s = job.spec;
  stdfs::path spec_dir = stdfs::path(job.spec_path).parent_path();
  const passes::Plan& plan = planned.plan;
  const std::vector<passes::Plan>& used_plans = planned.used_plans;
  const emit::ViewContext& ctx = planned.ctx;
  const std::string& spec_display = ctx.spec_path;
  std::string banner = "// Generated by kgen from " + spec_display + ". Do not edit.\n";
  std::map<std::string, std::string> files;  // kernel-relative path -> content
  std::string rust;  // every generated Rust file, in path order
  for (size_t i = 0; i < planned.rust.size(); ++i) {
    files[planned.rust[i].first] = formatted[i];
    rust += formatted[i];
  }
  size_t hand_lines = 0;
  std::string all_rust = rust;
  for (const auto& h : s.hand_written) {
    auto read = fs::read_file(spec_dir / h.file);
    if (!read)
      throw Error((h.loc.known() ? h.loc.str() : where(job, "hand_written")) + ": error: hand-written file '" + h.file +
                  "': cannot read " + (spec_dir / h.file).string() + ": " + fs::read_error(spec_dir / h.file) +
                  "\n  hint: hand_written files are relative to the spec");
    std::string content = *read;
    files[h.kernel_file] = content;
    hand_lines += count_lines(content);
    all_rust += content;
  }
  // Hand-written Rust the spec embeds in the generated module: counted as
  // hand-written, and not again as generated.
  size_t embedded = 0;
  for (const auto& t : s.types) embedded += count_lines(t.extra_impl);
  for (const auto& op : s.ops)
    for (const auto& cb : op.callbacks)
      for (const auto* code : {&cb.prelude, &cb.body})
        if (!text::trim(*code).empty()) embedded += count_lines(text::trim(*code));
  hand_lines += embedded;
  std::string helpers_path = "rust/helpers/" + s.helpers + ".c";
  if (!plan.helpers.empty()) files[helpers_path] = emit::render_c_helpers(plan, banner);

  // 7. Check the generated code: SAFETY comments everywhere.
  GenerateReport rep;
  rep.spec_name = s.name;
  rep.kernel_conditions = s.kernel_conditions;
  rep.kernel_condition_lines = s.kernel_condition_lines;
  rep.kernel_version = s.kernel ? s.kernel->str() : "";
  auto audit = emit::audit_unsafe(all_rust);
  rep.unsafe_blocks = audit.blocks;
  rep.unsafe_documented = audit.blocks - audit.undocumented.size();
  if (!audit.undocumented.empty()) {
    std::string lines;
    auto all = text::split_lines(all_rust);
    for (auto l : audit.undocumented) lines += "\n  " + std::to_string(l) + ": " + text::trim(all[l - 1]);
    throw Error(s.kernel_file + ": error: unsafe blocks without a SAFETY comment:" + lines +
                "\n  hint: generated ones are a kgen bug; hand-written ones must be fixed in the spec's files");
  }

  // 8. What the FFI layer needs from the run's bindgen (run_bindgen_once).
  //    A shared spec asks for nothing itself: the items its module uses are
  //    asked for, and checked, by each spec that uses it.
  SpecWork w;
  w.banner = banner;
  if (!o.bindgen.empty() && !s.shared) {
    w.wants_bindings = true;
    w.prototypes = text::split_lines(emit::c_helper_prototypes(plan));
    w.used = emit::bindings_used(all_rust);
    for (const auto* h : plan.helpers) w.helpers.insert(h->name);
    for (const auto& up : used_plans) {
      for (auto& l : text::split_lines(emit::c_helper_prototypes(up))) w.prototypes.push_back(std::move(l));
      for (const auto& [path, text] : emit::render_rust_files(up, ctx))
        for (const auto& n : emit::bindings_used(text)) w.used.insert(n);
      for (const auto* h : up.helpers) w.helpers.insert(h->name);
    }
  }

  // 9. Figures.
  for (const auto& op : plan.ops) {
    rep.callbacks_total += op.callbacks.size();
    rep.callbacks_wired += op.wired();
  }
  rep.helpers = plan.helpers.size();
  rep.generated_lines = count_lines(rust) - std::min(embedded, count_lines(rust)) +
                        (plan.helpers.empty() ? 0 : count_lines(files[helpers_path]));
  rep.hand_written_lines = hand_lines;
  std::string report = rep.text();
  for (const auto& op : plan.ops)
    for (const auto& cb : op.callbacks)
      if (cb.excluded) report += "excluded " + cb.field->name + ": " + text::trim(cb.excluded->reason) + "\n";
  for (const auto& i : plan.ignored) report += "ignored " + i.what + ": " + i.reason + "\n";
  std::map<std::string, std::string> out_files;  // relative to out/<spec>/
  out_files["report.txt"] = report;

  // The lock: what the spec wraps, as these headers declare it (drift/lockfile.hpp).
  std::string lock_text;
  if (o.write_lock) {
    // This kernel series' section; the file keeps those of other series.
    drift::LockFile lf;
    std::string lock_path = drift::lock_path_for(job.spec_path);
    if (auto old = fs::read_file(lock_path)) lf = drift::parse(*old, lock_path);
    lf.put(drift::record(s, job.spec_text, cm, ctx.kernel_version));
    lock_text = drift::render(lf, spec_display);
  }

  for (const auto& x : plan.warnings) rep.warnings.push_back(x.str());
  w.rep = rep;
  w.files = std::move(files);
  w.out_files = std::move(out_files);
  w.lock_text = std::move(lock_text);
  return w;
}

// Steps 10-11 for one spec: its FFI file cut from the run's bindgen output,
// then every file it writes, the lock and the cache.
SpecResult finish_spec(const GenerateOptions& o, const Job& job, const model::CModel& cm, SpecWork w,
                       const emit::BindingsIndex& bindings, FileMemo& memo) {
  const spec::Spec& s = job.spec;
  if (w.wants_bindings) {
    auto part = emit::bindings_for(bindings, w.used);
    if (!part.missing.empty())
      throw Error(where(job, "name") + ": error: the safe layer uses bindings that bindgen did not generate: " +
                  text::join(part.missing, ", ") +
                  "\n  hint: check the names in the spec (a macro bindgen cannot evaluate needs a helper or a typed "
                  "constant), and that the headers are in 'headers'");
    // bindgen's code as it wrote it: its unsafe blocks carry no SAFETY
    // comments, as in the kernel's own rust/bindings; the audit above covers
    // the safe layer, which is kgen's.
    w.out_files["bindings/bindings_generated.rs"] =
        w.banner +
        "// bindgen's output for the items this spec uses, unchanged: its unsafe code (bitfield accessors)\n"
        "// is bindgen's and has no SAFETY comments, as in the kernel's rust/bindings. Not compiled into the\n"
        "// kernel (Kbuild runs bindgen itself); the safe layer is in kernel-crate-overlay/.\n" +
        part.text;
  }
  GenerateReport& rep = w.rep;
  std::map<std::string, std::string>& files = w.files;
  std::string helpers_path = "rust/helpers/" + s.helpers + ".c";

  // 10. Plan the files: out/<spec>/ holds bindgen's FFI layer, the report
  //     and the cache; the overlay holds the C helpers and the safe Rust,
  //     which is what goes into a tree (one copy: out/ does not repeat them).
  //     generate_many writes them, with every other spec's.
  SpecResult result;
  stdfs::path out = stdfs::path(o.out_dir) / s.name;
  stdfs::path ov = o.overlay_dir;
  std::string at_name = where(job, "name");
  std::map<std::string, std::string> kernel_owner;  // kernel-relative path -> where the spec sets it
  kernel_owner[s.kernel_file] = where(job, "kernel_file");
  for (const auto& h : s.hand_written)
    kernel_owner[h.kernel_file] = h.loc.known() ? h.loc.str() : where(job, "hand_written");
  kernel_owner[helpers_path] = where(job, "helpers");
  std::vector<OverlayEntry> manifest;
  auto put = [&](const stdfs::path& root, const stdfs::path& p, const std::string& c, const std::string& owner) {
    result.outputs.push_back({root, p, c, owner});
  };
  for (const auto& [rel, content] : files) {
    put(ov, ov / rel, content, kernel_owner[rel]);
    manifest.push_back({OverlayEntry::Kind::File, rel, ""});
  }
  for (const auto& [rel, content] : w.out_files) put(o.out_dir, out / rel, content, at_name);
  if (files.count(helpers_path))
    manifest.push_back({OverlayEntry::Kind::Line, "rust/helpers/helpers.c", "#include \"" + s.helpers + ".c\""});
  for (const auto& h : s.headers)
    manifest.push_back({OverlayEntry::Kind::Line, "rust/bindings/bindings_helper.h", "#include <" + h + ">"});
  if (s.mode == "add") {
    // kernel::a::b is declared in rust/kernel/a.rs, kernel::b in rust/kernel/lib.rs.
    std::vector<std::string> segs;
    for (const auto& p : text::split(s.rust_path, ':'))
      if (!p.empty()) segs.push_back(p);
    std::string parent = segs.size() <= 2 ? "rust/kernel/lib.rs"
                                          : "rust/kernel/" + text::join({segs.begin() + 1, segs.end() - 1}, "/") + ".rs";
    std::string decl = "pub mod " + segs.back() + ";";
    if (!s.kconfig.empty()) decl = "#[cfg(" + s.kconfig + ")]\\n" + decl;
    manifest.push_back({OverlayEntry::Kind::Line, parent, decl});
  }
  put(ov, ov / (s.name + ".manifest"), render_manifest(s.name, manifest), at_name);

  // 11. The lock beside the spec (what check compares trees with), and the
  //     regeneration cache (what makes the next no-op run skip the parse).
  if (o.write_lock) {
    stdfs::path lock = drift::lock_path_for(job.spec_path);
    put(fs::normal(lock).parent_path(), lock, w.lock_text, job.spec_path);
  }
  if (o.use_cache && o.dump_after.empty()) {
    std::map<std::string, std::string> written;  // absolute path -> content
    for (const auto& f : result.outputs) written[fs::normal(f.path).string()] = f.content;
    put(o.out_dir, cache_path(o, s), cache_text(o, job, cm, rep, written, memo), at_name);
    result.outputs.back().counted = false;
  }
  result.rep = rep;
  return result;
}

}  // namespace

}  // namespace kgen::driver
