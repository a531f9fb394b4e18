// The client_result for a failed request to the router (a lost answer times out; anything else means the
// target, or the hub, is gone). Shared by hub methods and hub_context. Internal.
#pragma once

#include <caf/error.hpp>
#include <caf/sec.hpp>

#include <actorhub/client_result.hpp>

namespace actorhub::detail {

inline client_result client_result_from(const caf::error& e) {
  if (e == caf::sec::request_timeout)
    return client_result::failure(client_result::status::timeout, "Client result timed out.");
  return client_result::failure(client_result::status::disconnected, caf::to_string(e));
}

}  // namespace actorhub::detail
