// The bounded outbound queue of one connection: encoded records waiting for the transport's next write.
// Not thread-safe by itself; the owning session guards it with its mutex.
#pragma once

#include <cstddef>
#include <vector>

#include "net/encoded_message.hpp"

namespace actorhub::transport {

struct outbound_item {
  shared_bytes bytes;   // shared with every other recipient of the same message
  bool binary = false;  // WebSocket opcode / raw message kind
  bool message = false;  // a hub invocation: counted in the sent-messages metric once written
};

class outbound_queue {
 public:
  // Queues `item` unless the buffered bytes would exceed `hard_cap`; an empty buffer always accepts one item,
  // so a single large message is never refused on its own.
  bool push(outbound_item item, std::size_t hard_cap);
  // Queues regardless of the cap (the final Close message, the replay after a reconnect).
  void force_push(outbound_item item);
  // Moves every queued item into `out` (cleared first); they count as in flight until written(). Returns bytes;
  // `messages` gets the number of items flagged `message`.
  std::size_t take_all(std::vector<outbound_item>& out, std::size_t& messages);
  void written(std::size_t bytes) noexcept;
  // Forgets the queued items; those being written stay counted until written().
  void drop_queued() noexcept;
  // Forgets everything, queued and in flight (a transport was replaced or is gone).
  void clear() noexcept;

  std::size_t buffered() const noexcept { return queued_ + in_flight_; }
  bool empty() const noexcept { return items_.empty(); }

 private:
  std::vector<outbound_item> items_;
  std::size_t queued_ = 0;
  std::size_t messages_ = 0;  // queued items flagged `message`
  std::size_t in_flight_ = 0;
};

}  // namespace actorhub::transport
