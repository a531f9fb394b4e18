// A bounded, ordered channel between two actors of different processes (cluster routers of one hub, gateways of
// one cluster): the sender numbers each message, keeps at most `window` bytes unacknowledged and as much again
// waiting for room; the receiver credits what it has taken every `credit_every` messages or `credit_bytes`
// bytes. A receiver that falls further behind than that makes offer() return false: the owner reports the peer
// as failed (the node actor drops it from the cluster) rather than grow memory. Both halves are plain values the
// owning actor keeps per peer; sending is the owner's, through the callback it passes. Internal.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <utility>

namespace actorhub::cluster {

// The sending half. `Transmit` is called as transmit(seq, bytes, tag) for each message that may go now, in order.
class credit_window {
 public:
  using bytes_ptr = std::shared_ptr<const std::string>;

  explicit credit_window(std::size_t window_bytes = 8 * 1024 * 1024) : window_(window_bytes) {}

  // The next message: sent now when nothing waits and the window has room, else queued. False (and nothing
  // queued) when the queue is full too: the peer did not keep up.
  template <class Transmit>
  bool offer(bytes_ptr bytes, bool tag, Transmit&& transmit) {
    auto seq = next_seq_++;
    if (waiting_.empty() && in_flight_ + bytes->size() <= window_) {
      send(seq, bytes, tag, transmit);
      return true;
    }
    if (waiting_bytes_ + bytes->size() > window_) return false;
    waiting_bytes_ += bytes->size();
    waiting_.push_back({seq, std::move(bytes), tag});
    return true;
  }

  // The receiver has taken everything up to `seq`: what fits in the window now goes.
  template <class Transmit>
  void credit(std::uint64_t seq, Transmit&& transmit) {
    while (!unacked_.empty() && unacked_.front().first <= seq) {
      in_flight_ -= unacked_.front().second;
      unacked_.pop_front();
    }
    while (!waiting_.empty() && in_flight_ + waiting_.front().bytes->size() <= window_) {
      auto q = std::move(waiting_.front());
      waiting_.pop_front();
      waiting_bytes_ -= q.bytes->size();
      send(q.seq, q.bytes, q.tag, transmit);
    }
  }

  // Forget what waits (the peer failed).
  void drop_waiting() {
    waiting_.clear();
    waiting_bytes_ = 0;
  }

  std::size_t in_flight() const noexcept { return in_flight_; }
  std::size_t waiting_bytes() const noexcept { return waiting_bytes_; }

 private:
  struct queued {
    std::uint64_t seq;
    bytes_ptr bytes;
    bool tag;
  };

  template <class Transmit>
  void send(std::uint64_t seq, const bytes_ptr& bytes, bool tag, Transmit& transmit) {
    unacked_.emplace_back(seq, bytes->size());
    in_flight_ += bytes->size();
    transmit(seq, *bytes, tag);
  }

  std::size_t window_;
  std::uint64_t next_seq_ = 1;
  std::deque<std::pair<std::uint64_t, std::size_t>> unacked_;
  std::size_t in_flight_ = 0;
  std::deque<queued> waiting_;
  std::size_t waiting_bytes_ = 0;
};

// The receiving half.
class credit_receiver {
 public:
  static constexpr std::uint64_t credit_every = 32;
  static constexpr std::size_t credit_bytes = 256 * 1024;

  struct taken {
    bool fresh = false;                   // false: a repeat, to be ignored
    std::optional<std::uint64_t> credit;  // set: send the sender this credit now
  };

  taken take(std::uint64_t seq, std::size_t bytes) {
    taken t;
    if (seq <= received_) return t;
    t.fresh = true;
    received_ = seq;
    bytes_since_credit_ += bytes;
    if (received_ - credited_ >= credit_every || bytes_since_credit_ >= credit_bytes) {
      credited_ = received_;
      bytes_since_credit_ = 0;
      t.credit = received_;
    }
    return t;
  }

 private:
  std::uint64_t received_ = 0;
  std::uint64_t credited_ = 0;
  std::size_t bytes_since_credit_ = 0;
};

}  // namespace actorhub::cluster
