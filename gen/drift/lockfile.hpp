// The lock file: the C side of what a spec wraps, as the headers it was
// generated from declare it. `kgen generate` writes it beside the spec
// (header-specs/<name>.lock); `kgen check` records the same things from
// another tree and reports the differences (drift/check.hpp).
//
// It is a line format, one declaration per line, sorted, so that it diffs
// well in review. One spec serves several kernels (spec/kernel_version.hpp),
// so the file has a section per kernel series the spec was generated for,
// oldest first; each starts with its `linux` line:
//
//   lock 2
//   linux 6.12.117
//   spec net-phy 8c0f...               (name and content hash of the spec)
//   function phy_read_paged = int phy_read_paged(struct phy_device *phydev, int page, u32 regnum)
//   macro phy_foo = #define phy_foo(dev, x) ...    (a function-like macro wrapped as a method)
//   callback phy_driver.soft_reset = int (*soft_reset)(struct phy_device *phydev)
//   member phy_driver.name = char *name
//   field phy_device.speed = int speed
//   enum phy_state.PHY_DOWN = 0
//   const DUPLEX_FULL = 1
//   typedef u16 = __u16
//
// '#' lines and blank lines are comments. A `lock 1` file (one section,
// `spec` before `linux`) reads as one section.
#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "model/cmodel.hpp"
#include "spec/spec.hpp"
#include "support/diag.hpp"

namespace kgen::drift {

// A function or function-pointer member, parameter names included (a spec
// maps arguments by name).
struct Signature {
  struct Param {
    std::string type;  // "struct phy_device *", "void (*)(int)"
    std::string name;  // may be empty
    bool operator==(const Param&) const = default;
  };
  std::string ret;
  std::string name;
  bool pointer = false;  // a member: "ret (*name)(params)"
  std::vector<Param> params;
  bool variadic = false;
  bool static_inline = false;
  bool must_check = false;
  std::string str() const;  // the C declaration
  bool operator==(const Signature&) const = default;
};

// Reads back what Signature::str() wrote; nullopt if `decl` is not one.
std::optional<Signature> parse_signature(std::string_view decl);

struct Entry {
  enum class Kind { Record, Function, Macro, Callback, Member, Field, EnumConstant, Constant, Typedef };
  Kind kind = Kind::Function;
  std::string key;   // "phy_read_paged", "phy_driver.soft_reset", "phy_device.mdio.addr", "phy_state.PHY_DOWN"
  std::string decl;  // the C declaration; a constant's value
  std::optional<Signature> sig;  // Function, Callback
  Location c_loc;    // where the headers declare it (not written to the file)
};

const char* kind_name(Entry::Kind k);

struct Lock {
  std::string spec_name;
  std::string spec_hash;  // text::content_hash of the spec file
  std::string linux_version;
  std::vector<Entry> entries;  // sorted by kind, then key
  const Entry* find(Entry::Kind k, const std::string& key) const;
};

// What spec `s` wraps in model `m` (its macros evaluated, as for the passes).
// A name the spec gives that `m` does not declare is left out: compared with
// a lock that has it, it is a removal.
Lock record(const spec::Spec& s, const std::string& spec_text, const model::CModel& m,
            const std::string& linux_version);

// The C functions the spec's hand-written Rust calls (`bindings::name(`), in
// name order, with the hand-written entry that calls each first. The files
// are read next to the spec (Spec::path); a file that is missing is skipped.
std::vector<std::pair<std::string, const spec::HandWritten*>> hand_written_calls(const spec::Spec& s);

// A lock file: a Lock per kernel series, oldest first.
struct LockFile {
  std::vector<Lock> versions;
  // Replaces the section of `l`'s series (6.12 for 6.12.117), or adds it.
  void put(Lock l);
  // What a tree of version `v` is compared with: the section of its series,
  // else the newest older one, else the oldest; nullptr if there is none.
  // An unreadable `v` gets the newest.
  const Lock* for_version(const std::string& v) const;
  // The section of series `series` ("6.12"), or nullptr.
  const Lock* for_series(const std::string& series) const;
};

// The file's text; `spec_display` is how the header comment names the spec.
std::string render(const LockFile& l, const std::string& spec_display);
// Parses a lock file; errors name path:line:column.
LockFile parse(const std::string& text, const std::string& path);

// header-specs/net-phy.yaml -> header-specs/net-phy.lock
std::string lock_path_for(const std::string& spec_path);

// Anonymous types are spelled by clang with their file and line ("(unnamed
// struct at ./include/x.h:3:5)"); the lock keeps "(anonymous struct)".
std::string stable_spelling(std::string s);

}  // namespace kgen::drift
