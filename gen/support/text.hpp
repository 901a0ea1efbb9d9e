// Small string helpers shared by every stage.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace kgen::text {

std::vector<std::string> split(std::string_view s, char sep);
std::vector<std::string> split_lines(std::string_view s);
std::string join(const std::vector<std::string>& parts, std::string_view sep);
std::string trim(std::string_view s);
bool starts_with(std::string_view s, std::string_view prefix);
bool ends_with(std::string_view s, std::string_view suffix);
std::string replace_all(std::string s, std::string_view from, std::string_view to);
// "PHY_NOLINK" -> "Nolink"; "no_link" -> "NoLink".
std::string to_camel(std::string_view snake);
std::string to_lower(std::string_view s);
std::string to_upper(std::string_view s);
// Matches a glob with '*' wildcards only.
bool glob_match(std::string_view pattern, std::string_view s);
bool is_identifier(std::string_view s);
bool is_ident_char(char c);  // a letter, digit or '_'
// The position of the first whole-word `word` in `s` at or after `from`
// (not inside a longer identifier), or npos.
size_t find_word(std::string_view s, std::string_view word, size_t from = 0);
bool has_word(std::string_view s, std::string_view word);
// Levenshtein distance, for "did you mean" suggestions.
size_t edit_distance(const std::string& a, const std::string& b);
// Stable 128-bit content hash (two FNV-1a 64 lanes), as 32 hex chars.
std::string content_hash(std::string_view data);

}  // namespace kgen::text
