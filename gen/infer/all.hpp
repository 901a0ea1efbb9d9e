// `kgen infer --all`: a draft spec for every ops table of a parsed tree (every
// complete struct whose members are mostly function pointers, declared in a
// header under include/), and a summary of what was found, what conventions
// were inferred and what could not be.
#pragma once
#include <map>
#include <string>
#include <vector>

#include "model/cmodel.hpp"

namespace kgen::infer {

struct AllDraft {
  std::string tag;     // phy_driver
  std::string header;  // as included: linux/phy.h
  std::string file;    // the draft's file name: phy_driver.yaml
  std::string yaml;
  size_t callbacks = 0;
  size_t unguessed = 0;  // callbacks without a convention
  size_t excluded = 0;   // callbacks drafted as excluded
};

struct AllResult {
  std::vector<AllDraft> drafts;  // by tag
  // Ops tables seen but not drafted, with the reason (declared outside
  // include/, or their draft does not load as a spec).
  std::vector<std::pair<std::string, std::string>> skipped;
  std::map<std::string, size_t> conventions;  // callbacks per inferred convention ("" = none)
  std::map<std::string, size_t> unguessed_why;  // why no convention, with how often
  std::string summary;                         // the text of summary.txt
};

// `include_dirs`: the tree's include directories, absolute, longest first is
// not required; a header's include name is its path below the one that
// contains it (linux/phy.h). Structs declared elsewhere are skipped.
AllResult infer_all(const model::CModel& m, const std::vector<std::string>& include_dirs);

}  // namespace kgen::infer
