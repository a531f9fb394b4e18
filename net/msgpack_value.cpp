// MessagePack <-> `value` (net/msgpack_value.hpp), with msgpack-cxx's parser (visitor API) and packer.
#include "net/msgpack_value.hpp"

#include <cstdint>
#include <vector>

#include <msgpack.hpp>
#include <simdjson.h>

#include "net/msgpack_buffer.hpp"

namespace actorhub {

namespace {

constexpr std::int8_t timestamp_ext = -1;

std::uint64_t load_be(const char* p, int n) noexcept {
  std::uint64_t r = 0;
  for (int i = 0; i < n; ++i) r = (r << 8) | static_cast<unsigned char>(p[i]);
  return r;
}

void store_be(std::uint64_t v, char* p, int n) noexcept {
  for (int i = n - 1; i >= 0; --i) {
    p[i] = static_cast<char>(v & 0xff);
    v >>= 8;
  }
}

// msgpack-cxx visitor building a `value`. Finished values sit on a flat stack; when an array or map closes,
// its last n values (2n for maps: key, value, ...) move into a container of exactly that size. Sizes come
// from the frames of the open containers; nothing is reserved from a size the input merely claims.
struct value_visitor {
  std::vector<value> values;
  std::vector<std::uint32_t> frames;  // declared sizes of the open arrays/maps
  std::string error;

  void clear() {
    values.clear();
    frames.clear();
    error.clear();
  }
  bool fail(std::string e) {
    if (error.empty()) error = std::move(e);
    return false;
  }
  template <class T>
  bool push(T&& v) {
    values.emplace_back(std::forward<T>(v));
    return true;
  }

  bool visit_nil() { return push(nullptr); }
  bool visit_boolean(bool b) { return push(b); }
  bool visit_positive_integer(std::uint64_t u) { return push(u); }  // int64 when it fits
  bool visit_negative_integer(std::int64_t i) { return push(i); }
  bool visit_float32(float f) { return push(static_cast<double>(f)); }
  bool visit_float64(double d) { return push(d); }
  bool visit_str(const char* p, std::uint32_t n) {
    if (!simdjson::validate_utf8(p, n)) return fail("a string is not valid UTF-8");
    return push(std::string(p, n));
  }
  bool visit_bin(const char* p, std::uint32_t n) {
    auto b = reinterpret_cast<const std::uint8_t*>(p);
    return push(bytes(b, b + n));
  }
  bool visit_ext(const char* p, std::uint32_t n) {  // p[0] is the type, then n - 1 data bytes
    if (n == 0) return fail("an extension value has no type");
    auto type = static_cast<std::int8_t>(p[0]);
    if (type != timestamp_ext) return fail("unsupported extension type " + std::to_string(type));
    const char* d = p + 1;
    timestamp t;
    switch (n - 1) {
      case 4:  // timestamp 32: unsigned seconds
        t.seconds = static_cast<std::int64_t>(load_be(d, 4));
        break;
      case 8: {  // timestamp 64: 30-bit nanoseconds, 34-bit unsigned seconds
        std::uint64_t x = load_be(d, 8);
        t.nanoseconds = static_cast<std::uint32_t>(x >> 34);
        t.seconds = static_cast<std::int64_t>(x & ((std::uint64_t(1) << 34) - 1));
        break;
      }
      case 12:  // timestamp 96: 32-bit nanoseconds, signed 64-bit seconds
        t.nanoseconds = static_cast<std::uint32_t>(load_be(d, 4));
        t.seconds = static_cast<std::int64_t>(load_be(d + 4, 8));
        break;
      default:
        return fail("a timestamp has an invalid size");
    }
    if (t.nanoseconds > 999'999'999) return fail("a timestamp has more than 999999999 nanoseconds");
    return push(t);
  }

  bool open(std::uint32_t n) {
    if (frames.size() >= msgpack_max_depth)
      return fail("nesting deeper than " + std::to_string(msgpack_max_depth) + " levels");
    frames.push_back(n);
    return true;
  }
  bool start_array(std::uint32_t n) { return open(n); }
  bool start_array_item() { return true; }
  bool end_array_item() { return true; }
  bool end_array() {
    auto n = static_cast<std::ptrdiff_t>(frames.back());
    frames.pop_back();
    array a;
    a.reserve(static_cast<std::size_t>(n));
    auto first = values.end() - n;
    for (auto it = first; it != values.end(); ++it) a.push_back(std::move(*it));
    values.erase(first, values.end());
    return push(std::move(a));
  }
  bool start_map(std::uint32_t n) { return open(n); }
  bool start_map_key() { return true; }
  bool end_map_key() { return values.back().is_string() ? true : fail("a map key is not a string"); }
  bool start_map_value() { return true; }
  bool end_map_value() { return true; }
  bool end_map() {
    auto n = static_cast<std::ptrdiff_t>(frames.back());
    frames.pop_back();
    object o;
    o.reserve(static_cast<std::size_t>(n));
    auto first = values.end() - 2 * n;
    for (auto it = first; it != values.end(); it += 2) o.emplace_back(std::move(*it->if_string()), std::move(it[1]));
    values.erase(first, values.end());
    return push(std::move(o));
  }
  void parse_error(std::size_t, std::size_t) { fail("malformed MessagePack"); }
  void insufficient_bytes(std::size_t, std::size_t) { fail("truncated MessagePack"); }
  bool referenced() const { return false; }
  void set_referenced(bool) {}
};

value_visitor& thread_visitor() {
  thread_local value_visitor v;  // keeps its stacks' capacity between records of this I/O thread
  return v;
}

struct value_packer {
  msgpack::packer<append_buffer>& pk;

  void operator()(std::nullptr_t) const { pk.pack_nil(); }
  void operator()(bool b) const { b ? pk.pack_true() : pk.pack_false(); }
  void operator()(std::int64_t i) const { pk.pack_int64(i); }
  void operator()(std::uint64_t u) const { pk.pack_uint64(u); }
  void operator()(double d) const { pk.pack_double(d); }
  void operator()(const std::string& s) const {
    pk.pack_str(static_cast<std::uint32_t>(s.size()));
    pk.pack_str_body(s.data(), static_cast<std::uint32_t>(s.size()));
  }
  void operator()(const bytes& b) const {
    pk.pack_bin(static_cast<std::uint32_t>(b.size()));
    pk.pack_bin_body(reinterpret_cast<const char*>(b.data()), static_cast<std::uint32_t>(b.size()));
  }
  void operator()(const timestamp& t) const {
    char d[12];
    if (t.seconds >= 0 && (t.seconds >> 34) == 0) {
      if (t.nanoseconds == 0 && (t.seconds >> 32) == 0) {
        store_be(static_cast<std::uint64_t>(t.seconds), d, 4);
        pk.pack_ext(4, timestamp_ext);
        pk.pack_ext_body(d, 4);
      } else {
        store_be((std::uint64_t(t.nanoseconds) << 34) | static_cast<std::uint64_t>(t.seconds), d, 8);
        pk.pack_ext(8, timestamp_ext);
        pk.pack_ext_body(d, 8);
      }
    } else {
      store_be(t.nanoseconds, d, 4);
      store_be(static_cast<std::uint64_t>(t.seconds), d + 4, 8);
      pk.pack_ext(12, timestamp_ext);
      pk.pack_ext_body(d, 12);
    }
  }
  void operator()(const array& a) const {
    pk.pack_array(static_cast<std::uint32_t>(a.size()));
    for (const auto& v : a) std::visit(*this, v.get());
  }
  void operator()(const object& o) const {
    pk.pack_map(static_cast<std::uint32_t>(o.size()));
    for (const auto& [k, v] : o) {
      (*this)(k);
      std::visit(*this, v.get());
    }
  }
};

}  // namespace

bool parse_msgpack(std::string_view data, value& out, std::string& error) {
  value_visitor& v = thread_visitor();
  v.clear();
  std::size_t off = 0;
  bool ok = false;
  try {
    ok = msgpack::parse(data.data(), data.size(), off, v);
  } catch (const std::exception& e) {  // msgpack-cxx size checks, allocation failure
    v.fail(std::string("malformed MessagePack: ") + e.what());
  }
  if (ok && off != data.size()) ok = v.fail("extra bytes after the MessagePack value");
  if (ok && (v.values.size() != 1 || !v.frames.empty())) ok = v.fail("malformed MessagePack");
  if (!ok) {
    error = v.error.empty() ? "malformed MessagePack" : v.error;
    v.clear();
    return false;
  }
  out = std::move(v.values.back());
  v.clear();
  return true;
}

void write_msgpack(const value& v, std::string& out) {
  append_buffer buf{&out};
  msgpack::packer<append_buffer> pk(buf);
  std::visit(value_packer{pk}, v.get());
}

}  // namespace actorhub
