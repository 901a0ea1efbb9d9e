// Stage 3: the spec checked against the C model, as a plan the emitters
// read. run_passes() runs the named passes in a fixed order; after it the
// plan is frozen.
#pragma once
#include <deque>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "model/cmodel.hpp"
#include "model/kerneldoc.hpp"
#include "spec/spec.hpp"

namespace kgen::passes {

struct PlannedMethod {
  const spec::Method* spec;
  const model::CFunction* fn;
  bool needs_helper = false;  // static inline or macro: a rust_helper_* is generated
  spec::Returns returns;      // effective convention (spec, or derived from the C type)
};

struct PlannedField {
  const spec::Field* spec;
  model::CType type;  // type of the (last) C field on the path
  bool bitfield = false;
};

struct PlannedLock {
  const spec::Lock* spec;
  const model::CFunction* lock;
  const model::CFunction* unlock;
  std::vector<PlannedMethod> methods;
};

struct PlannedType {
  const spec::Type* spec;
  const model::CRecord* record;
  std::vector<PlannedField> fields;
  std::vector<PlannedMethod> methods;
  std::vector<PlannedLock> locks;
  const model::CFunction* get = nullptr;  // refcounted
  const model::CFunction* put = nullptr;
};

struct PlannedEnum {
  const spec::Enum* spec;
  const model::CEnum* c = nullptr;  // null when built from macros
  std::vector<long long> values;    // per variant
};

struct PlannedConst {
  std::string c, rust;
  model::MacroValue value;
  bool hex = false;
};

struct PlannedConstGroup {
  const spec::ConstGroup* spec;
  std::vector<PlannedConst> consts;
};

struct PlannedCallback {
  const model::CField* field;        // the function-pointer member
  const spec::Callback* spec = nullptr;  // null: excluded
  const spec::Excluded* excluded = nullptr;
  spec::Returns returns;  // effective convention
};

struct PlannedOps {
  const spec::Ops* spec;
  const model::CRecord* record;
  std::vector<PlannedCallback> callbacks;  // in C member order
  std::vector<const model::CField*> data_fields;  // non-callback members, in C order
  size_t wired() const;
};

// An item the generator saw and chose not to wrap, with the reason (as
// autocxx does): reported, never dropped silently.
struct Ignored {
  std::string what;
  std::string reason;
  Location loc;
};

struct Plan {
  const spec::Spec* spec = nullptr;
  // C functions kgen made up: the prototypes of helpers for function-like
  // macros, typed from the spec (a deque keeps pointers to them stable).
  std::deque<model::CFunction> synthesized;
  const model::CModel* c = nullptr;
  std::vector<PlannedType> types;
  std::vector<PlannedEnum> enums;
  std::vector<PlannedConstGroup> consts;
  std::vector<PlannedOps> ops;
  std::vector<const model::CFunction*> helpers;  // static inlines that need rust_helper_*
  std::map<std::string, model::KernelDoc> docs;  // kernel-doc by function name (headers + doc_sources)
  std::vector<Ignored> ignored;
  std::vector<Diagnostic> warnings;
  // Text summary, for --dump-after and tests.
  std::string dump() const;
};

struct PassInfo {
  const char* name;
  const char* what;
};
const std::vector<PassInfo>& pass_list();

// Extra kernel-doc sources (already read), keyed by path for messages.
using DocSources = std::map<std::string, std::string>;

// Runs every pass in order. Throws kgen::Error with all errors of the first
// failing pass. `after` is called after each pass with its name.
Plan run_passes(const spec::Spec& s, const model::CModel& m, const DocSources& docs,
                const std::function<void(const char*, const Plan&)>& after = {});

// Names of macros whose values the plan needs (so the frontend can evaluate
// them before the passes run).
std::vector<std::string> macros_to_evaluate(const spec::Spec& s, const model::CModel& m);

}  // namespace kgen::passes
