// The outcome of a client result: the server invoked a method on one client and waited for its Completion.
#pragma once

#include <cstdint>
#include <string>

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

}  // namespace actorhub
