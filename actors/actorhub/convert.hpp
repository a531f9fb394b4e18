// Conversions between hub values and C++ types for hub method arguments and results.
// Specialize from_value<T> / to_value<T> for your own types (e.g. a struct from an `object`).
#pragma once

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include <actorhub/errors.hpp>
#include <actorhub/value.hpp>

namespace actorhub {

// from_value<T>::convert(value& v) -> T; may move out of `v`; throws conversion_error on a mismatch.
template <class T, class Enable = void>
struct from_value;

// to_value<T>::convert(T&& x) -> value.
template <class T, class Enable = void>
struct to_value {
  static_assert(std::is_constructible_v<value, T>, "no to_value<T> for this type: specialize actorhub::to_value");
  static value convert(T x) { return value(std::move(x)); }
};

namespace detail {
[[noreturn]] void conversion_failed(const value& v, std::string_view expected);
std::optional<bytes> decode_base64(std::string_view s);
}  // namespace detail

template <>
struct from_value<value> {
  static value convert(value& v) { return std::move(v); }
};

template <>
struct from_value<std::string> {
  static std::string convert(value& v) {
    if (auto s = v.if_string()) return std::move(*s);
    detail::conversion_failed(v, "a string");
  }
};

template <>
struct from_value<bool> {
  static bool convert(value& v) {
    if (auto b = v.if_bool()) return *b;
    detail::conversion_failed(v, "a boolean");
  }
};

template <class T>
struct from_value<T, std::enable_if_t<std::is_integral_v<T> && !std::is_same_v<T, bool>>> {
  static T convert(value& v) {
    if constexpr (std::is_unsigned_v<T>) {
      if (auto u = std::get_if<std::uint64_t>(&v.get()); u && *u <= std::numeric_limits<T>::max())
        return static_cast<T>(*u);
    }
    auto i = v.to_int64();
    if (i && in_range(*i)) return static_cast<T>(*i);
    detail::conversion_failed(v, "an integer in range");
  }

 private:
  static bool in_range(std::int64_t i) {
    if constexpr (std::is_signed_v<T>) {
      return i >= std::numeric_limits<T>::min() && i <= std::numeric_limits<T>::max();
    } else {
      return i >= 0 && static_cast<std::uint64_t>(i) <= std::numeric_limits<T>::max();
    }
  }
};

template <class T>
struct from_value<T, std::enable_if_t<std::is_floating_point_v<T>>> {
  static T convert(value& v) {
    if (auto d = v.to_double()) return static_cast<T>(*d);
    detail::conversion_failed(v, "a number");
  }
};

template <>
struct from_value<array> {
  static array convert(value& v) {
    if (auto a = v.if_array()) return std::move(*a);
    detail::conversion_failed(v, "an array");
  }
};

template <>
struct from_value<object> {
  static object convert(value& v) {
    if (auto o = v.if_object()) return std::move(*o);
    detail::conversion_failed(v, "an object");
  }
};

// Binary: MessagePack bin, or (JSON) a base64 string, as ASP.NET Core binds byte[].
template <>
struct from_value<bytes> {
  static bytes convert(value& v) {
    if (auto b = std::get_if<bytes>(&v.get())) return std::move(*b);
    if (auto s = v.if_string())
      if (auto b = detail::decode_base64(*s)) return std::move(*b);
    detail::conversion_failed(v, "binary data");
  }
};

template <>
struct from_value<timestamp> {
  static timestamp convert(value& v) {
    if (auto t = v.if_timestamp()) return *t;
    detail::conversion_failed(v, "a timestamp");
  }
};

template <class T>
struct from_value<std::vector<T>, std::enable_if_t<!std::is_same_v<T, std::uint8_t>>> {
  static std::vector<T> convert(value& v) {
    auto a = v.if_array();
    if (!a) detail::conversion_failed(v, "an array");
    std::vector<T> out;
    out.reserve(a->size());
    for (auto& x : *a) out.push_back(from_value<T>::convert(x));
    return out;
  }
};

template <class T>
struct from_value<std::optional<T>> {
  static std::optional<T> convert(value& v) {
    if (v.is_null()) return std::nullopt;
    return from_value<T>::convert(v);
  }
};

template <class T>
struct to_value<std::vector<T>, std::enable_if_t<!std::is_same_v<T, std::uint8_t>>> {
  static value convert(std::vector<T> xs) {
    array a;
    a.reserve(xs.size());
    for (auto& x : xs) a.push_back(to_value<T>::convert(std::move(x)));
    return a;
  }
};

template <class T>
struct to_value<std::optional<T>> {
  static value convert(std::optional<T> x) {
    if (!x) return nullptr;
    return to_value<T>::convert(std::move(*x));
  }
};

// Builds an argument list: make_args("a", 1, obj) -> array{"a", 1, obj}.
template <class... Ts>
array make_args(Ts&&... xs) {
  array a;
  a.reserve(sizeof...(Ts));
  (a.push_back(to_value<std::decay_t<Ts>>::convert(std::forward<Ts>(xs))), ...);
  return a;
}

}  // namespace actorhub
