#include "driver/check.hpp"

#include <set>

#include "drift/lockfile.hpp"
#include "driver/kernel_tree.hpp"
#include "frontend/frontend.hpp"
#include "passes/plan.hpp"
#include "spec/spec.hpp"
#include "support/fs.hpp"

namespace kgen::driver {

// tree -> spec (as it reads for the tree's version) -> lock -> parse -> record -> compare -> report.
CheckResult check(const CheckOptions& o) {
  std::string spec_text = fs::read_file_or_throw(o.spec_path);

  frontend::ParseOptions popts;
  std::string version = o.kernel_version, tree_dir;
  if (!o.kernel_dir.empty()) {
    KernelTree t = open_kernel_tree(o.kernel_dir, /*require_rust=*/false);
    popts.flags = t.clang_flags;
    popts.working_dir = tree_dir = t.dir;
    version = t.version;
  }
  // The spec as it reads for the tree's version.
  spec::Spec s = spec::load_string(spec_text, o.spec_path, spec::KernelVersion::parse(version));
  popts.headers = s.headers;
  std::string lock_path = o.lock_path.empty() ? drift::lock_path_for(o.spec_path) : o.lock_path;
  auto lock_text = fs::read_file(lock_path);
  if (!lock_text)
    throw Error(lock_path + ": error: no lock file for " + o.spec_path +
                "\n  hint: `kgen generate` writes it beside the spec; generate once against the tree the spec "
                "was written for, and commit the lock");
  drift::LockFile lock_file = drift::parse(*lock_text, lock_path);
  // Compared with the section of the tree's kernel series, else the newest
  // older one (drift since the last kernel the spec was generated for).
  const drift::Lock* lp = o.against.empty() ? lock_file.for_version(version) : lock_file.for_series(o.against);
  if (!lp && !o.against.empty()) {
    std::string have;
    for (const auto& l : lock_file.versions) have += (have.empty() ? "" : ", ") + l.linux_version;
    throw Error(lock_path + ": error: --against " + o.against + ": the lock has no section for that series\n"
                "  hint: its sections: " + have);
  }
  if (!lp)
    throw Error(lock_path + ": error: the lock has no section\n  hint: regenerate it with `kgen generate`");
  const drift::Lock& locked = *lp;
  for (const auto& f : o.extra_flags) popts.flags.push_back(f);

  model::CModel m = frontend::parse(popts);
  std::set<std::string> names;
  for (auto& n : passes::macros_to_evaluate(s, m)) names.insert(std::move(n));
  for (const auto& e : locked.entries)
    if (e.kind == drift::Entry::Kind::Constant) names.insert(e.key);
  frontend::evaluate_macros(m, popts, {names.begin(), names.end()});

  drift::Lock now = drift::record(s, spec_text, m, version);
  CheckResult r;
  r.drifts = drift::compare(locked, now, s, m);
  r.report = drift::render_report(r.drifts, locked, now, tree_dir);
  r.status = r.report.breaking ? 2 : 0;  // 1 is an error (main.cpp)
  return r;
}

}  // namespace kgen::driver
