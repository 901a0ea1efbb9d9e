// The regeneration cache: a no-op `kgen generate` (spec, hand-written files,
// every file the parse read, the tree's flags and kgen's own build all
// unchanged) skips parsing and everything after it.
//
// After a successful run, out/<spec>/.kgen-cache records a key (options,
// flags, kgen version and build id) and the content hash of every input and
// every output, and each input's size and modification time. A later run
// with the same key is a no-op when every input and every output still has
// its recorded content; it then replays the report and warnings. Anything
// else (a header edited, an output touched by hand, a different kgen)
// regenerates. A file (input or output) whose size and modification time
// (nanoseconds) are the recorded ones is taken as unchanged without reading
// it, as git's index and make do: the ~1,300 headers of a parse are then
// only stat'ed, once per run however many specs read them. A file written
// in the second before its stamp would be taken has none (git's "racily
// clean" entries) and is hashed; a no-op that had to hash files records
// their stamps once they are old enough.
#pragma once
#include <climits>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "driver/generate.hpp"

namespace kgen::driver {

struct RegenCache {
  std::string key;
  std::map<std::string, std::string> inputs;   // absolute path -> content hash
  std::map<std::string, std::string> stamps;   // input or output path -> "size:mtime_ns" (file_stamp)
  std::map<std::string, std::string> outputs;  // absolute path -> content hash
  GenerateReport report;                       // figures to print again
  std::vector<std::string> warnings;           // plan warnings to print again
};

std::string render_cache(const RegenCache& c);
// nullopt for a missing, older or damaged cache (which just means: regenerate).
std::optional<RegenCache> parse_cache(const std::string& text);

// The stamps and hashes of files, each taken once: one per generate run,
// shared by the cache checks of its specs (which read the same headers).
class FileMemo {
 public:
  const std::string& stamp(const std::string& path);
  const std::string& hash(const std::string& path);

 private:
  std::map<std::string, std::string> stamps_, hashes_;
};

// True when `c` has `key` and every recorded file still has its stamp or
// hashes the same; `*hashed` is set when some file had to be hashed.
bool cache_fresh(const RegenCache& c, const std::string& key, FileMemo& memo, bool* hashed = nullptr);
bool cache_fresh(const RegenCache& c, const std::string& key);

// Content hashes of files (absolute paths); a missing file hashes as "-".
std::string hash_file(const std::string& path);

// "size:mtime_ns" of a file; "-" when it cannot be stat'ed or was modified
// at or after `not_after_ns` (then it is hashed, not trusted by its stamp).
std::string file_stamp(const std::string& path, long long not_after_ns = LLONG_MAX);

// The GNU build id of the running program (changes with every change to
// kgen's code or embedded templates), or "" when the binary has none.
std::string program_build_id();

}  // namespace kgen::driver
