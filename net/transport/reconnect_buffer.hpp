// Stateful reconnect: the sent-but-unacknowledged trackable records of one connection, by sequence id
// (HubProtocol.md "Stateful Reconnect"). Replayed once, in order, after the client reconnects.
// Not thread-safe by itself; the owning session guards it with its mutex.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <utility>

#include "net/encoded_message.hpp"

namespace actorhub::transport {

class reconnect_buffer {
 public:
  void push(std::int64_t seq, shared_bytes bytes);
  // The client processed every record up to `seq`: they are dropped.
  void ack(std::int64_t seq);
  std::size_t bytes() const noexcept { return bytes_; }
  bool empty() const noexcept { return items_.empty(); }
  // The sequence id of the oldest unacknowledged record, or `next` when there is none.
  std::int64_t first_seq(std::int64_t next) const noexcept { return items_.empty() ? next : items_.front().first; }

  template <class F>
  void for_each(F&& f) const {
    for (const auto& [seq, b] : items_) f(seq, b);
  }

 private:
  std::deque<std::pair<std::int64_t, shared_bytes>> items_;
  std::size_t bytes_ = 0;
};

}  // namespace actorhub::transport
