#include "driver/regen_cache.hpp"

#include <elf.h>
#include <link.h>
#include <sys/stat.h>

#include <cstdio>

#include "support/fs.hpp"
#include "support/text.hpp"

namespace kgen::driver {

namespace {

// Newlines in one-line fields.
std::string escape(const std::string& s) { return text::replace_all(text::replace_all(s, "\\", "\\\\"), "\n", "\\n"); }
std::string unescape(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 1 < s.size()) {
      out += s[i + 1] == 'n' ? '\n' : s[i + 1];
      ++i;
    } else {
      out += s[i];
    }
  }
  return out;
}

std::vector<std::pair<const char*, size_t GenerateReport::*>> figures() {
  return {{"callbacks_total", &GenerateReport::callbacks_total},
          {"callbacks_wired", &GenerateReport::callbacks_wired},
          {"helpers", &GenerateReport::helpers},
          {"generated_lines", &GenerateReport::generated_lines},
          {"hand_written_lines", &GenerateReport::hand_written_lines},
          {"unsafe_blocks", &GenerateReport::unsafe_blocks},
          {"unsafe_documented", &GenerateReport::unsafe_documented},
          {"kernel_conditions", &GenerateReport::kernel_conditions},
          {"kernel_condition_lines", &GenerateReport::kernel_condition_lines}};
}

}  // namespace

std::string render_cache(const RegenCache& c) {
  std::string s = "kgen-regen-cache 3\n";
  s += "key " + c.key + "\n";
  s += "spec " + c.report.spec_name + "\n";
  if (!c.report.kernel_version.empty()) s += "kernel " + c.report.kernel_version + "\n";
  for (const auto& [name, member] : figures()) s += "figure " + std::string(name) + " " + std::to_string(c.report.*member) + "\n";
  for (const auto& w : c.warnings) s += "warning " + escape(w) + "\n";
  for (const auto& [p, h] : c.inputs) {
    auto st = c.stamps.find(p);
    s += "in " + h + " " + (st == c.stamps.end() ? "-" : st->second) + " " + p + "\n";
  }
  for (const auto& [p, h] : c.outputs) {
    auto st = c.stamps.find(p);
    s += "out " + h + " " + (st == c.stamps.end() ? "-" : st->second) + " " + p + "\n";
  }
  return s;
}

std::optional<RegenCache> parse_cache(const std::string& text_in) {
  auto lines = text::split_lines(text_in);
  if (lines.empty() || lines[0] != "kgen-regen-cache 3") return std::nullopt;
  RegenCache c;
  for (size_t i = 1; i < lines.size(); ++i) {
    const std::string& l = lines[i];
    auto sp = l.find(' ');
    if (sp == std::string::npos) return std::nullopt;
    std::string word = l.substr(0, sp), rest = l.substr(sp + 1);
    if (word == "key") {
      c.key = rest;
    } else if (word == "spec") {
      c.report.spec_name = rest;
    } else if (word == "kernel") {
      c.report.kernel_version = rest;
    } else if (word == "figure") {
      auto parts = text::split(rest, ' ');
      if (parts.size() != 2) return std::nullopt;
      const std::string& v = parts[1];
      if (v.empty() || v.size() > 18 || v.find_first_not_of("0123456789") != std::string::npos) return std::nullopt;
      for (const auto& [name, member] : figures())
        if (parts[0] == name) c.report.*member = std::stoull(v);
    } else if (word == "warning") {
      c.warnings.push_back(unescape(rest));
    } else if (word == "in" || word == "out") {  // in|out HASH STAMP PATH
      auto sp2 = rest.find(' ');
      auto sp3 = sp2 == std::string::npos ? sp2 : rest.find(' ', sp2 + 1);
      if (sp3 == std::string::npos) return std::nullopt;
      std::string path = rest.substr(sp3 + 1);
      (word == "in" ? c.inputs : c.outputs)[path] = rest.substr(0, sp2);
      std::string stamp = rest.substr(sp2 + 1, sp3 - sp2 - 1);
      if (stamp != "-") c.stamps[path] = stamp;
    } else {
      return std::nullopt;
    }
  }
  if (c.key.empty() || c.outputs.empty()) return std::nullopt;
  return c;
}

std::string hash_file(const std::string& path) {
  auto content = fs::read_file(path);
  return content ? text::content_hash(*content) : "-";
}

std::string file_stamp(const std::string& path, long long not_after_ns) {
  struct stat st {};
  if (stat(path.c_str(), &st) != 0) return "-";
  long long mtime = static_cast<long long>(st.st_mtim.tv_sec) * 1000000000LL + st.st_mtim.tv_nsec;
  if (mtime >= not_after_ns) return "-";
  return std::to_string(st.st_size) + ":" + std::to_string(mtime);
}

const std::string& FileMemo::stamp(const std::string& path) {
  auto it = stamps_.find(path);
  if (it == stamps_.end()) it = stamps_.emplace(path, file_stamp(path)).first;
  return it->second;
}

const std::string& FileMemo::hash(const std::string& path) {
  auto it = hashes_.find(path);
  if (it == hashes_.end()) it = hashes_.emplace(path, hash_file(path)).first;
  return it->second;
}

bool cache_fresh(const RegenCache& c, const std::string& key, FileMemo& memo, bool* hashed) {
  if (c.key != key) return false;
  for (const auto* files : {&c.inputs, &c.outputs})
    for (const auto& [p, h] : *files) {
      auto st = c.stamps.find(p);
      if (st != c.stamps.end() && st->second != "-" && memo.stamp(p) == st->second) continue;
      if (memo.hash(p) != h) return false;
      if (hashed) *hashed = true;
    }
  return true;
}

bool cache_fresh(const RegenCache& c, const std::string& key) {
  FileMemo memo;
  return cache_fresh(c, key, memo);
}

std::string program_build_id() {
  std::string id;
  dl_iterate_phdr(
      [](struct dl_phdr_info* info, size_t, void* data) -> int {
        // The first object is the program itself.
        auto* out = static_cast<std::string*>(data);
        for (int i = 0; i < info->dlpi_phnum; ++i) {
          const ElfW(Phdr)& ph = info->dlpi_phdr[i];
          if (ph.p_type != PT_NOTE) continue;
          const char* p = reinterpret_cast<const char*>(info->dlpi_addr + ph.p_vaddr);
          const char* end = p + ph.p_memsz;
          while (p + sizeof(ElfW(Nhdr)) <= end) {
            const auto* n = reinterpret_cast<const ElfW(Nhdr)*>(p);
            const char* name = p + sizeof(ElfW(Nhdr));
            const unsigned char* desc =
                reinterpret_cast<const unsigned char*>(name + ((n->n_namesz + 3) & ~3u));
            if (n->n_type == NT_GNU_BUILD_ID && n->n_namesz == 4 && std::string(name, 3) == "GNU") {
              char buf[3];
              for (unsigned j = 0; j < n->n_descsz; ++j) {
                std::snprintf(buf, sizeof buf, "%02x", desc[j]);
                *out += buf;
              }
              return 1;
            }
            p = reinterpret_cast<const char*>(desc) + ((n->n_descsz + 3) & ~3u);
          }
        }
        return 1;
      },
      &id);
  return id;
}

}  // namespace kgen::driver
