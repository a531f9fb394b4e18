// The outcome of a client result: the server invoked a method on one client and waited for its Completion.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>

#include <actorhub/convert.hpp>
#include <actorhub/errors.hpp>
#include <actorhub/value.hpp>

namespace actorhub {

struct client_result {
  enum class status : std::uint8_t {
    ok,             // the client returned `result` (null for a void handler)
    error,          // the client answered with an error: `error` is its text
    timeout,        // no answer within the timeout
    no_connection,  // no such connection on this hub
    disconnected,   // the connection closed before it answered
  };

  status code = status::ok;
  value result;
  std::string error;  // for every status but ok

  bool ok() const noexcept { return code == status::ok; }

  static client_result failure(status s, std::string text) { return {s, value{}, std::move(text)}; }
};

// A client result read as T (single_client_proxy::invoke<T>): the value when the client answered with
// something that converts to T, else the status and error text (a result that does not convert is an
// `error`). result<void> ignores the value.
template <class T>
class result {
 public:
  explicit result(client_result r) : code_(r.code), error_(std::move(r.error)) {
    if (code_ != client_result::status::ok) return;
    if constexpr (!std::is_void_v<T>) {
      try {
        value_.emplace(from_value<T>::convert(r.result));
      } catch (const std::exception& e) {
        code_ = client_result::status::error;
        error_ = std::string("The client's result could not be read: ") + e.what();
      }
    }
  }

  bool ok() const noexcept { return code_ == client_result::status::ok; }
  explicit operator bool() const noexcept { return ok(); }
  client_result::status status() const noexcept { return code_; }
  const std::string& error() const noexcept { return error_; }
  template <class U = T, class = std::enable_if_t<!std::is_void_v<U>>>
  const U& operator*() const {
    return *value_;
  }
  template <class U = T, class = std::enable_if_t<!std::is_void_v<U>>>
  const U* operator->() const {
    return &*value_;
  }

 private:
  struct none {};
  client_result::status code_;
  std::string error_;
  std::optional<std::conditional_t<std::is_void_v<T>, none, T>> value_;
};

}  // namespace actorhub
