#include "support/fs.hpp"

#include <unistd.h>

#include <fstream>
#include <sstream>

#include "support/diag.hpp"

namespace kgen::fs {

std::optional<std::string> read_file(const stdfs::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string read_file_or_throw(const stdfs::path& p) {
  auto s = read_file(p);
  if (!s) throw Error(p.string() + ": error: cannot read file\n  hint: check that the path exists and is readable");
  return *s;
}

bool write_if_changed(const stdfs::path& p, const std::string& content) {
  if (auto old = read_file(p); old && *old == content) return false;
  if (p.has_parent_path()) stdfs::create_directories(p.parent_path());
  stdfs::path tmp = p;
  tmp += ".kgen-tmp." + std::to_string(::getpid());
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) throw Error(tmp.string() + ": error: cannot create file");
    out << content;
    out.flush();
    if (!out) {
      std::error_code ec;
      stdfs::remove(tmp, ec);
      throw Error(tmp.string() + ": error: write failed (disk full?)");
    }
  }
  stdfs::rename(tmp, p);
  return true;
}

bool remove_file(const stdfs::path& p) {
  std::error_code ec;
  return stdfs::remove(p, ec);
}

}  // namespace kgen::fs
