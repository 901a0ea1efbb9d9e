// Drift: how a tree's declarations differ from a spec's lock file. Each
// difference names the spec entry it affects and says whether it breaks the
// generated API (removed or changed declarations) or only needs the spec's
// attention (additions, renamed parameters the spec does not name).
#pragma once
#include <string>
#include <vector>

#include "drift/lockfile.hpp"
#include "model/cmodel.hpp"
#include "spec/spec.hpp"

namespace kgen::drift {

struct Drift {
  enum class Change { Added, Removed, Changed };
  Change change = Change::Changed;
  Entry::Kind kind = Entry::Kind::Function;
  std::string key;
  std::vector<std::string> details;  // "parameter 3 'regnum': type u32 -> int"
  std::string before, after;         // C declarations; empty when absent
  Location c_loc;                    // where the tree declares it now
  Location spec_loc;                 // the spec entry affected
  std::string spec_item;             // "method Device::read_paged"
  bool breaking = false;
  std::string hint;
};

// Compares the lock with what the spec wraps in the new tree (`now`, from
// record()); `m` is the new tree's model, for rename suggestions. Sorted by
// spec location, then kind and key.
std::vector<Drift> compare(const Lock& locked, const Lock& now, const spec::Spec& s, const model::CModel& m);

struct Report {
  std::string text;  // empty when there is no drift
  size_t breaking = 0, warnings = 0;
};

// Diagnostics in file:line:column form, then a summary line. `tree_dir` is
// stripped from header paths.
Report render_report(const std::vector<Drift>& drifts, const Lock& locked, const Lock& now,
                     const std::string& tree_dir);

}  // namespace kgen::drift
