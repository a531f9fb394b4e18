// The bounded outbound queue of one connection (see outbound_queue.hpp).
#include "net/transport/outbound_queue.hpp"

namespace actorhub::transport {

bool outbound_queue::push(outbound_item item, std::size_t hard_cap) {
  std::size_t n = item.bytes ? item.bytes->size() : 0;
  if (buffered() != 0 && buffered() + n > hard_cap) return false;
  force_push(std::move(item));
  return true;
}

void outbound_queue::force_push(outbound_item item) {
  queued_ += item.bytes ? item.bytes->size() : 0;
  messages_ += item.message ? 1 : 0;
  items_.push_back(std::move(item));
}

std::size_t outbound_queue::take_all(std::vector<outbound_item>& out, std::size_t& messages) {
  out.clear();
  messages = messages_;
  messages_ = 0;
  out.swap(items_);
  std::size_t n = queued_;
  in_flight_ += queued_;
  queued_ = 0;
  // Keep the queue's own storage small on idle connections.
  if (items_.capacity() > 64) std::vector<outbound_item>().swap(items_);
  return n;
}

void outbound_queue::written(std::size_t bytes) noexcept { in_flight_ = bytes > in_flight_ ? 0 : in_flight_ - bytes; }

void outbound_queue::drop_queued() noexcept {
  items_.clear();
  queued_ = 0;
  messages_ = 0;
}

void outbound_queue::clear() noexcept {
  items_.clear();
  queued_ = 0;
  messages_ = 0;
  in_flight_ = 0;
}

}  // namespace actorhub::transport
