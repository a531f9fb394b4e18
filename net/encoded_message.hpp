// A hub message encoded at most once per protocol, shared by every recipient: the fan-out hot path hands the
// same immutable bytes to each connection's outbound queue.
#pragma once

#include <array>
#include <atomic>
#include <memory>
#include <mutex>
#include <string>

#include "net/hub_message.hpp"
#include "net/hub_protocol.hpp"

namespace actorhub {

using shared_bytes = std::shared_ptr<const std::string>;

class encoded_message {
 public:
  explicit encoded_message(hub_message m) : msg_(std::move(m)), type_(type_of(msg_)) {}

  // A message another process already encoded in every protocol (a cluster peer's delivery): its bytes are
  // shared as they are, never decoded. message() is then empty (a default hub_message).
  encoded_message(message_type type, std::array<std::string, protocol_count> records) : type_(type) {
    for (std::size_t i = 0; i < protocol_count; ++i) {
      encoded_[i] = std::make_shared<const std::string>(std::move(records[i]));
      ready_[i].store(true, std::memory_order_relaxed);
    }
  }

  const hub_message& message() const noexcept { return msg_; }
  message_type type() const noexcept { return type_; }

  // The framed record for protocol `p`; encoded on first use (thread-safe), then shared.
  // (Not std::call_once: glibc's pthread_once makes a futex system call on every first use, i.e. per message.)
  const shared_bytes& bytes(const hub_protocol& p) const {
    auto i = static_cast<std::size_t>(p.kind());
    if (!ready_[i].load(std::memory_order_acquire)) {
      std::lock_guard<std::mutex> lk(mu_);
      if (!ready_[i].load(std::memory_order_relaxed)) {
        auto s = std::make_shared<std::string>();
        p.write(msg_, *s);
        encoded_[i] = std::move(s);
        ready_[i].store(true, std::memory_order_release);
      }
    }
    return encoded_[i];
  }

 private:
  hub_message msg_;
  message_type type_;
  mutable std::mutex mu_;
  mutable std::array<std::atomic<bool>, protocol_count> ready_{};
  mutable std::array<shared_bytes, protocol_count> encoded_;
};

using encoded_ptr = std::shared_ptr<const encoded_message>;

inline encoded_ptr encode(hub_message m) { return std::make_shared<const encoded_message>(std::move(m)); }

}  // namespace actorhub
