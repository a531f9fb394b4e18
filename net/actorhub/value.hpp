// A protocol-neutral hub value: what JSON and MessagePack arguments, results and stream items decode into.
// Objects keep their property order and property names unchanged (SignalR passes payloads through as-is).
// MessagePack's binary and timestamp types have their own alternatives so they survive a round trip.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace actorhub {

using bytes = std::vector<std::uint8_t>;

struct timestamp {
  std::int64_t seconds = 0;       // since the Unix epoch (UTC)
  std::uint32_t nanoseconds = 0;  // 0 .. 999'999'999
  friend bool operator==(const timestamp& a, const timestamp& b) {
    return a.seconds == b.seconds && a.nanoseconds == b.nanoseconds;
  }
};

class value;
using array = std::vector<value>;
using object = std::vector<std::pair<std::string, value>>;

class value {
 public:
  using variant_type = std::variant<std::nullptr_t, bool, std::int64_t, std::uint64_t, double, std::string,
                                    bytes, timestamp, array, object>;

  value() noexcept : v_(nullptr) {}
  value(std::nullptr_t) noexcept : v_(nullptr) {}
  value(bool b) noexcept : v_(b) {}
  value(int i) noexcept : v_(static_cast<std::int64_t>(i)) {}
  value(long i) noexcept : v_(static_cast<std::int64_t>(i)) {}
  value(long long i) noexcept : v_(static_cast<std::int64_t>(i)) {}
  value(unsigned i) noexcept : v_(static_cast<std::int64_t>(i)) {}
  value(unsigned long i) noexcept;       // int64 when it fits, else uint64
  value(unsigned long long i) noexcept;  // int64 when it fits, else uint64
  value(double d) noexcept : v_(d) {}
  value(const char* s) : v_(std::string(s)) {}
  value(std::string s) noexcept : v_(std::move(s)) {}
  value(std::string_view s) : v_(std::string(s)) {}
  value(bytes b) noexcept : v_(std::move(b)) {}
  value(timestamp t) noexcept : v_(t) {}
  value(array a) noexcept : v_(std::move(a)) {}
  value(object o) noexcept : v_(std::move(o)) {}

  bool is_null() const noexcept { return std::holds_alternative<std::nullptr_t>(v_); }
  bool is_bool() const noexcept { return std::holds_alternative<bool>(v_); }
  bool is_integer() const noexcept {
    return std::holds_alternative<std::int64_t>(v_) || std::holds_alternative<std::uint64_t>(v_);
  }
  bool is_number() const noexcept { return is_integer() || std::holds_alternative<double>(v_); }
  bool is_string() const noexcept { return std::holds_alternative<std::string>(v_); }
  bool is_bytes() const noexcept { return std::holds_alternative<bytes>(v_); }
  bool is_timestamp() const noexcept { return std::holds_alternative<timestamp>(v_); }
  bool is_array() const noexcept { return std::holds_alternative<array>(v_); }
  bool is_object() const noexcept { return std::holds_alternative<object>(v_); }

  const bool* if_bool() const noexcept { return std::get_if<bool>(&v_); }
  const std::string* if_string() const noexcept { return std::get_if<std::string>(&v_); }
  const bytes* if_bytes() const noexcept { return std::get_if<bytes>(&v_); }
  const timestamp* if_timestamp() const noexcept { return std::get_if<timestamp>(&v_); }
  const array* if_array() const noexcept { return std::get_if<array>(&v_); }
  const object* if_object() const noexcept { return std::get_if<object>(&v_); }
  std::string* if_string() noexcept { return std::get_if<std::string>(&v_); }
  array* if_array() noexcept { return std::get_if<array>(&v_); }
  object* if_object() noexcept { return std::get_if<object>(&v_); }

  // Exact integer value: int64/uint64 in range, or a double without fraction in range.
  std::optional<std::int64_t> to_int64() const noexcept;
  // Any number as double.
  std::optional<double> to_double() const noexcept;
  // Object member lookup (first match); nullptr when not an object or absent.
  const value* find(std::string_view key) const noexcept;

  const variant_type& get() const noexcept { return v_; }
  variant_type& get() noexcept { return v_; }

  friend bool operator==(const value& a, const value& b) { return a.v_ == b.v_; }
  friend bool operator!=(const value& a, const value& b) { return !(a == b); }

 private:
  variant_type v_;
};

}  // namespace actorhub
