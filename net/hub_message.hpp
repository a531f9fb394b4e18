// The SignalR hub messages (HubProtocol.md), independent of their encoding.
// The variant's index + 1 is the message type number of the spec.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include <actorhub/value.hpp>

namespace actorhub {

enum class message_type : std::uint8_t {
  invocation = 1,
  stream_item = 2,
  completion = 3,
  stream_invocation = 4,
  cancel_invocation = 5,
  ping = 6,
  close = 7,
  ack = 8,
  sequence = 9,
};

using message_headers = std::vector<std::pair<std::string, std::string>>;

struct invocation_message {
  message_headers headers;
  std::optional<std::string> invocation_id;  // absent: non-blocking, no Completion
  std::string target;
  array arguments;
  std::vector<std::string> stream_ids;
};

struct stream_item_message {
  message_headers headers;
  std::string invocation_id;
  value item;
};

struct completion_message {
  message_headers headers;
  std::string invocation_id;
  std::optional<std::string> error;  // set: failed (result must be empty)
  std::optional<value> result;       // set: completed with a value; neither set: void completion
};

struct stream_invocation_message {
  message_headers headers;
  std::string invocation_id;
  std::string target;
  array arguments;
  std::vector<std::string> stream_ids;
};

struct cancel_invocation_message {
  message_headers headers;
  std::string invocation_id;
};

struct ping_message {};

struct close_message {
  std::optional<std::string> error;
  bool allow_reconnect = false;
};

struct ack_message {
  std::int64_t sequence_id = 0;
};

struct sequence_message {
  std::int64_t sequence_id = 0;
};

using hub_message = std::variant<invocation_message, stream_item_message, completion_message,
                                 stream_invocation_message, cancel_invocation_message, ping_message,
                                 close_message, ack_message, sequence_message>;

inline message_type type_of(const hub_message& m) noexcept {
  return static_cast<message_type>(m.index() + 1);
}

// Messages counted and buffered by stateful reconnect (HubProtocol.md "Stateful Reconnect").
inline bool is_trackable(message_type t) noexcept {
  switch (t) {
    case message_type::invocation:
    case message_type::stream_item:
    case message_type::completion:
    case message_type::stream_invocation:
    case message_type::cancel_invocation:
      return true;
    default:
      return false;
  }
}

}  // namespace actorhub
