// Where target proxies hand their work: a hub method (its connection actor, tracking the invocation) or a
// hub_context (anywhere, thread-safe). Internal.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>

#include <actorhub/client_result.hpp>
#include <actorhub/send_target.hpp>
#include "net/encoded_message.hpp"

namespace actorhub {
struct client_invocation;
struct presence_query;
struct presence_result;
}

namespace actorhub::detail {

class target_sink {
 public:
  virtual ~target_sink() = default;
  virtual void send(send_target t, encoded_ptr m) = 0;
  virtual void invoke(std::string connection_id, client_invocation inv, std::function<void(client_result)> cb) = 0;
  virtual void change_group(bool add, std::string connection_id, std::string group, std::function<void()> done) = 0;
  virtual void query(presence_query q, std::function<void(presence_result)> done) = 0;
  virtual std::chrono::milliseconds default_timeout() const = 0;
  // The calling connection's id; none outside a hub method.
  virtual std::optional<std::string> caller() const = 0;
};

}  // namespace actorhub::detail
