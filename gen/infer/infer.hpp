// `kgen infer`: a draft spec from what the headers alone show, for a person
// to review. Every drafted item carries the reason it was inferred:
//   - get/put, alloc/free and lock/unlock name pairs over one struct;
//   - __must_check (warn_unused_result);
//   - kernel-doc "Return:" and "Context:" lines (negative errno, ERR_PTR,
//     NULL, may sleep);
//   - linux/cleanup.h's DEFINE_GUARD, DEFINE_CLASS and DEFINE_FREE (their
//     invocations, or the class_*_constructor/destructor and __free_*
//     functions they expand to);
//   - structs of function pointers (ops tables), and callbacks whose buffer
//     has no length;
//   - static inline functions (they will need C helpers).
// score() measures a draft against a hand-written spec.
#pragma once
#include <map>
#include <string>
#include <vector>

#include "model/cmodel.hpp"
#include "model/kerneldoc.hpp"
#include "spec/spec.hpp"

namespace kgen::infer {

// The cleanup.h macros whose invocations the parse must record.
const std::vector<std::string>& cleanup_macros();

struct Options {
  std::string header;  // as included: "linux/phy.h"
  std::string ops;     // "struct phy_driver": draft only this ops table
  // More headers of the same module: their types and functions are drafted
  // as the header's own (a subsystem spread over several, as drm is).
  std::vector<std::string> also;
};

struct Returns {
  std::string kind;  // errno | value | void | bool | plain | enum | err_ptr | null_ptr; "" = no guess
  std::string type;  // for value/plain/enum
  std::string why;
};

struct DraftMethod {
  std::string c, rust;
  Returns returns;
  bool may_sleep = false;
  std::string context;  // kernel-doc Context: line
  std::vector<std::string> why;
};

struct DraftLock {
  std::string rust, method, lock, unlock;
  std::vector<DraftMethod> methods;  // __name variants: called with the lock held
  std::vector<std::string> why;
};

struct DraftType {
  std::string tag, rust;
  std::string ownership = "borrowed";
  std::string get, put, free;
  std::vector<DraftLock> locks;
  std::vector<DraftMethod> methods;
  std::vector<std::string> why;
};

struct DraftCallback {
  std::string name;
  Returns returns;
  std::string excluded;  // reason, when it should be excluded
};

struct DraftOps {
  std::string tag, trait;
  std::vector<DraftCallback> callbacks;
  std::vector<std::string> data_members;
  std::vector<std::string> why;
};

struct Draft {
  std::string header, name;
  std::vector<std::string> also;  // Options::also
  std::vector<DraftType> types;
  std::vector<DraftOps> ops;
  std::vector<std::string> notes;  // what was seen but has no spec key
};

// `docs`: kernel-doc by function name from extra sources (.c files); the
// headers' own comments are read from the model.
Draft infer(const model::CModel& m, const Options& o, const std::map<std::string, model::KernelDoc>& docs = {});

// YAML that spec::load reads, with a '#' comment on every item saying why.
std::string render_yaml(const Draft& d);

// Precision and recall of a draft's invariants against a hand-written spec.
struct Score {
  struct Row {
    std::string kind;
    size_t hand = 0, drafted = 0, agree = 0;
    size_t drafted_on_hand_items = 0;  // drafted statements about items the hand spec has
  };
  std::vector<Row> rows;  // per kind of invariant, then "all"
  std::vector<std::string> missed, wrong;  // hand invariants not drafted; drafted ones that disagree
  size_t extra = 0;                        // drafted methods the hand spec does not wrap
};
Score score(const Draft& d, const spec::Spec& hand, const model::CModel& m);
std::string render_score(const Score& s);

}  // namespace kgen::infer
