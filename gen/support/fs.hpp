// File-system helpers. Every output goes through write_if_changed: content is
// written to a temporary file beside the target and renamed over it, so a
// reader never sees half a file, and a file whose content did not change is
// not touched (its mtime stays, so make does not rebuild).
#pragma once
#include <filesystem>
#include <optional>
#include <string>

namespace kgen::fs {

namespace stdfs = std::filesystem;

std::optional<std::string> read_file(const stdfs::path& p);
std::string read_file_or_throw(const stdfs::path& p);
// Returns true when the file was (re)written.
bool write_if_changed(const stdfs::path& p, const std::string& content);
// Removes p if it exists; returns true when something was removed.
bool remove_file(const stdfs::path& p);

}  // namespace kgen::fs
