// Out-of-line members of `value` (net/value.hpp).
#include <actorhub/value.hpp>

#include <cmath>
#include <limits>

namespace actorhub {

namespace {

constexpr auto int64_max = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());

value::variant_type from_unsigned(std::uint64_t i) noexcept {
  if (i <= int64_max) return static_cast<std::int64_t>(i);
  return i;
}

}  // namespace

value::value(unsigned long i) noexcept : v_(from_unsigned(i)) {}
value::value(unsigned long long i) noexcept : v_(from_unsigned(i)) {}

std::optional<std::int64_t> value::to_int64() const noexcept {
  if (auto i = std::get_if<std::int64_t>(&v_)) return *i;
  if (auto u = std::get_if<std::uint64_t>(&v_)) {
    if (*u <= int64_max) return static_cast<std::int64_t>(*u);
    return std::nullopt;
  }
  if (auto d = std::get_if<double>(&v_)) {
    // [-2^63, 2^63): both bounds are exact doubles, so the cast below is defined.
    constexpr double lo = -9223372036854775808.0;
    constexpr double hi = 9223372036854775808.0;
    if (std::isfinite(*d) && std::trunc(*d) == *d && *d >= lo && *d < hi) return static_cast<std::int64_t>(*d);
  }
  return std::nullopt;
}

std::optional<double> value::to_double() const noexcept {
  if (auto i = std::get_if<std::int64_t>(&v_)) return static_cast<double>(*i);
  if (auto u = std::get_if<std::uint64_t>(&v_)) return static_cast<double>(*u);
  if (auto d = std::get_if<double>(&v_)) return *d;
  return std::nullopt;
}

const value* value::find(std::string_view key) const noexcept {
  auto o = std::get_if<object>(&v_);
  if (!o) return nullptr;
  for (const auto& [k, v] : *o)
    if (k == key) return &v;
  return nullptr;
}

}  // namespace actorhub
