// Stateful reconnect buffer (see reconnect_buffer.hpp).
#include "net/transport/reconnect_buffer.hpp"

namespace actorhub::transport {

void reconnect_buffer::push(std::int64_t seq, shared_bytes bytes) {
  bytes_ += bytes ? bytes->size() : 0;
  items_.emplace_back(seq, std::move(bytes));
}

void reconnect_buffer::ack(std::int64_t seq) {
  while (!items_.empty() && items_.front().first <= seq) {
    bytes_ -= items_.front().second ? items_.front().second->size() : 0;
    items_.pop_front();
  }
}

}  // namespace actorhub::transport
