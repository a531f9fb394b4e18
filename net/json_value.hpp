// JSON text <-> `value`, used by the JSON hub protocol (and by anyone needing a JSON payload as a value).
// Reading uses Boost.JSON's SAX parser straight into `value` (no intermediate boost::json tree); writing
// appends to a caller's string.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include <actorhub/value.hpp>

namespace actorhub {

// Nesting limit for arrays/objects in hostile input (keeps parsing and destruction shallow).
inline constexpr std::size_t json_max_depth = 64;

// Parses exactly one JSON text (surrounding whitespace allowed). Integers become int64 (uint64 when too big
// for int64), other numbers double; objects keep member order, names and duplicates. Invalid JSON, invalid
// UTF-8 or nesting deeper than json_max_depth: returns false and sets `error`.
bool parse_json(std::string_view text, value& out, std::string& error);

// Appends `v` as JSON: bytes as a base64 string, timestamps as ISO 8601 UTC strings, non-finite doubles as null.
void write_json(const value& v, std::string& out);
void write_json(const array& a, std::string& out);
void write_json(const object& o, std::string& out);
void write_json_string(std::string_view s, std::string& out);  // quoted and escaped

// Standard base64 with padding.
void append_base64(const bytes& b, std::string& out);
// "2000-01-01T00:00:00Z"; fractional seconds (trailing zeros trimmed) only when nanoseconds != 0.
void append_iso8601(const timestamp& t, std::string& out);

}  // namespace actorhub
