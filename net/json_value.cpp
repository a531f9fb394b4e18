// JSON text <-> `value` (net/json_value.hpp).
#include "net/json_value.hpp"

#include <charconv>
#include <cmath>
#include <limits>
#include <vector>

#include <boost/json/basic_parser_impl.hpp>
#include <boost/json/serializer.hpp>
#include <openssl/evp.h>

namespace actorhub {

namespace json = boost::json;

namespace {

// Boost.JSON SAX handler building a `value`. Finished values sit on a flat stack; when an array or object
// closes, its last n values (and n keys) are moved into a container of exactly that size.
struct value_builder {
  static constexpr std::size_t max_object_size = std::size_t(-1);
  static constexpr std::size_t max_array_size = std::size_t(-1);
  static constexpr std::size_t max_key_size = std::size_t(-1);
  static constexpr std::size_t max_string_size = std::size_t(-1);

  std::vector<value> values;
  std::vector<std::string> keys;
  std::string part;  // a string or key split by the parser (escapes, long text)

  void clear() {
    values.clear();
    keys.clear();
    part.clear();
  }

  template <class T>
  bool push(T&& v) {
    values.emplace_back(std::forward<T>(v));  // in place: no temporary `value` to move
    return true;
  }
  std::string take_part(json::string_view s) {
    if (part.empty()) return std::string(s.data(), s.size());
    part.append(s.data(), s.size());
    std::string r = std::move(part);
    part.clear();
    return r;
  }

  bool on_document_begin(json::error_code&) {
    clear();
    return true;
  }
  bool on_document_end(json::error_code&) { return true; }
  bool on_array_begin(json::error_code&) { return true; }
  bool on_array_end(std::size_t n, json::error_code&) {
    array a;
    a.reserve(n);
    auto first = values.end() - static_cast<std::ptrdiff_t>(n);
    for (auto it = first; it != values.end(); ++it) a.push_back(std::move(*it));
    values.erase(first, values.end());
    return push(std::move(a));
  }
  bool on_object_begin(json::error_code&) { return true; }
  bool on_object_end(std::size_t n, json::error_code&) {
    object o;
    o.reserve(n);
    auto first_value = values.end() - static_cast<std::ptrdiff_t>(n);
    auto first_key = keys.end() - static_cast<std::ptrdiff_t>(n);
    auto k = first_key;
    for (auto it = first_value; it != values.end(); ++it, ++k) o.emplace_back(std::move(*k), std::move(*it));
    values.erase(first_value, values.end());
    keys.erase(first_key, keys.end());
    return push(std::move(o));
  }
  bool on_string_part(json::string_view s, std::size_t, json::error_code&) {
    part.append(s.data(), s.size());
    return true;
  }
  bool on_string(json::string_view s, std::size_t, json::error_code&) { return push(take_part(s)); }
  bool on_key_part(json::string_view s, std::size_t, json::error_code&) {
    part.append(s.data(), s.size());
    return true;
  }
  bool on_key(json::string_view s, std::size_t, json::error_code&) {
    keys.push_back(take_part(s));
    return true;
  }
  bool on_number_part(json::string_view, json::error_code&) { return true; }
  bool on_int64(std::int64_t i, json::string_view, json::error_code&) { return push(i); }
  bool on_uint64(std::uint64_t u, json::string_view, json::error_code&) { return push(u); }
  bool on_double(double d, json::string_view, json::error_code&) { return push(d); }
  bool on_bool(bool b, json::error_code&) { return push(b); }
  bool on_null(json::error_code&) { return push(nullptr); }
  bool on_comment_part(json::string_view, json::error_code&) { return true; }
  bool on_comment(json::string_view, json::error_code&) { return true; }
};

using value_parser = json::basic_parser<value_builder>;

json::parse_options reader_options() {
  json::parse_options o;
  o.max_depth = json_max_depth;
  return o;
}

// One parser per thread: parse() is called per record on the I/O threads; keeping the parser keeps its
// buffers warm (no allocation for the stacks after the first records).
value_parser& thread_parser() {
  thread_local value_parser p(reader_options());
  return p;
}

// Bytes JSON strings must escape (control characters, quote, backslash); Boost's serializer escapes these.
bool needs_escape(std::string_view s) noexcept {
  for (char c : s) {
    auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || c == '"' || c == '\\') return true;
  }
  return false;
}

template <class T>
void append_number(T n, std::string& out) {
  char buf[32];
  auto r = std::to_chars(buf, buf + sizeof buf, n);
  out.append(buf, r.ptr);
}

void append_digits(std::int64_t n, int width, std::string& out) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, n);
  for (auto len = r.ptr - buf; len < width; ++len) out.push_back('0');
  out.append(buf, r.ptr);
}

struct value_writer {
  std::string& out;

  void operator()(std::nullptr_t) const { out += "null"; }
  void operator()(bool b) const { out += b ? "true" : "false"; }
  void operator()(std::int64_t i) const { append_number(i, out); }
  void operator()(std::uint64_t u) const { append_number(u, out); }
  void operator()(double d) const {
    if (std::isfinite(d))
      append_number(d, out);
    else
      out += "null";  // JSON has no NaN/Infinity
  }
  void operator()(const std::string& s) const { write_json_string(s, out); }
  void operator()(const bytes& b) const {
    out.push_back('"');
    append_base64(b, out);
    out.push_back('"');
  }
  void operator()(const timestamp& t) const {
    out.push_back('"');
    append_iso8601(t, out);
    out.push_back('"');
  }
  void operator()(const array& a) const { write_json(a, out); }
  void operator()(const object& o) const { write_json(o, out); }
};

}  // namespace

bool parse_json(std::string_view text, value& out, std::string& error) {
  value_parser& p = thread_parser();
  p.reset();
  json::error_code ec;
  std::size_t n = 0;
  try {
    n = p.write_some(false, text.data(), text.size(), ec);
  } catch (const std::exception& e) {  // allocation failure in the handler
    p.handler().clear();
    error = e.what();
    return false;
  }
  if (!ec && n != text.size()) ec = json::error::extra_data;
  if (ec || !p.done() || p.handler().values.size() != 1) {
    error = ec ? ec.message() : "incomplete JSON";
    p.handler().clear();
    return false;
  }
  out = std::move(p.handler().values.back());
  p.handler().clear();
  return true;
}

void write_json(const value& v, std::string& out) { std::visit(value_writer{out}, v.get()); }

void write_json(const array& a, std::string& out) {
  out.push_back('[');
  bool first = true;
  for (const auto& v : a) {
    if (!first) out.push_back(',');
    first = false;
    write_json(v, out);
  }
  out.push_back(']');
}

void write_json(const object& o, std::string& out) {
  out.push_back('{');
  bool first = true;
  for (const auto& [k, v] : o) {
    if (!first) out.push_back(',');
    first = false;
    write_json_string(k, out);
    out.push_back(':');
    write_json(v, out);
  }
  out.push_back('}');
}

void write_json_string(std::string_view s, std::string& out) {
  if (!needs_escape(s)) {  // the common case: copy as is
    out.reserve(out.size() + s.size() + 2);
    out.push_back('"');
    out.append(s);
    out.push_back('"');
    return;
  }
  json::serializer sr;
  sr.reset(json::string_view(s.data(), s.size()));
  char buf[512];
  while (!sr.done()) {
    auto chunk = sr.read(buf, sizeof buf);
    out.append(chunk.data(), chunk.size());
  }
}

void append_base64(const bytes& b, std::string& out) {
  constexpr std::size_t chunk = 3 * 1024 * 1024;  // EVP_EncodeBlock takes an int length
  std::size_t pos = 0;
  while (pos < b.size()) {
    std::size_t n = std::min(chunk, b.size() - pos);
    std::size_t at = out.size();
    out.resize(at + 4 * ((n + 2) / 3) + 1);  // +1: EVP_EncodeBlock writes a terminating NUL
    int w = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(&out[at]), b.data() + pos, static_cast<int>(n));
    out.resize(at + static_cast<std::size_t>(w));
    pos += n;
  }
}

void append_iso8601(const timestamp& t, std::string& out) {
  // Split into days and seconds of day, flooring, so times before 1970 work.
  constexpr std::int64_t day = 86400;
  std::int64_t days = t.seconds / day, sod = t.seconds % day;
  if (sod < 0) {
    sod += day;
    --days;
  }
  // Civil date from days since 1970-01-01 (proleptic Gregorian; H. Hinnant's days->civil algorithm).
  std::int64_t z = days + 719468;
  std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  std::int64_t doe = z - era * 146097;
  std::int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  std::int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  std::int64_t mp = (5 * doy + 2) / 153;
  std::int64_t d = doy - (153 * mp + 2) / 5 + 1;
  std::int64_t m = mp < 10 ? mp + 3 : mp - 9;
  std::int64_t y = yoe + era * 400 + (m <= 2 ? 1 : 0);

  if (y < 0) {
    out.push_back('-');
    y = -y;
  }
  append_digits(y, 4, out);
  out.push_back('-');
  append_digits(m, 2, out);
  out.push_back('-');
  append_digits(d, 2, out);
  out.push_back('T');
  append_digits(sod / 3600, 2, out);
  out.push_back(':');
  append_digits(sod / 60 % 60, 2, out);
  out.push_back(':');
  append_digits(sod % 60, 2, out);
  if (t.nanoseconds != 0) {
    std::uint32_t ns = t.nanoseconds % 1'000'000'000u;
    int digits = 9;
    while (ns % 10 == 0 && digits > 1) {
      ns /= 10;
      --digits;
    }
    out.push_back('.');
    append_digits(ns, digits, out);
  }
  out.push_back('Z');
}

}  // namespace actorhub
