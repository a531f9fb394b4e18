// Local-only messages of the connection actor. Internal.
#pragma once

#include <functional>
#include <memory>
#include <vector>

#include "caf/allowed_unsafe_message_type.hpp"

#include "net/hub_message.hpp"

namespace actorhub::detail {

struct invocation_state;

// One transport frame's decoded messages (hub_inbound::on_messages): one actor message per frame.
struct inbound_batch {
  std::vector<hub_message> messages;
};

// A function to run in the connection actor (after(), executor().post()). An exception escaping it fails
// `owner` if that invocation is still running.
struct scheduled_call {
  std::function<void()> fn;
  std::weak_ptr<invocation_state> owner;
};

}  // namespace actorhub::detail

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(actorhub::detail::inbound_batch)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(actorhub::detail::scheduled_call)
