// See wake_queue.hpp.
#include "net/transport/wake_queue.hpp"

#include <algorithm>

#include <boost/asio/post.hpp>

#include "net/transport/session.hpp"

namespace actorhub::transport {

void wake_queue::push(std::shared_ptr<transport_link> link) {
  bool post = false;
  {
    std::lock_guard<std::mutex> lk(mu_);
    pending_.push_back(std::move(link));
    post = !scheduled_;
    scheduled_ = true;
  }
  if (post) boost::asio::post(ioc_, [this] { drain(); });
}

void wake_queue::clear() {
  std::vector<std::shared_ptr<transport_link>> gone;
  {
    std::lock_guard<std::mutex> lk(mu_);
    gone.swap(pending_);
    scheduled_ = false;
  }
  running_.clear();
  next_ = 0;
}

// Exactly one drain job is queued or running while there is anything to flush (scheduled_).
void wake_queue::drain() {
  if (next_ == running_.size()) {
    running_.clear();
    if (running_.capacity() > 4096) std::vector<std::shared_ptr<transport_link>>().swap(running_);
    next_ = 0;
    std::lock_guard<std::mutex> lk(mu_);
    running_.swap(pending_);
  }
  // A bounded slice per job: reads and timers of other connections get their turn between slices.
  std::size_t end = std::min(running_.size(), next_ + slice);
  for (; next_ < end; ++next_) {
    auto link = std::move(running_[next_]);
    link->on_wake();
  }
  {
    std::lock_guard<std::mutex> lk(mu_);
    scheduled_ = next_ < running_.size() || !pending_.empty();
    if (!scheduled_) return;
  }
  boost::asio::post(ioc_, [this] { drain(); });
}

}  // namespace actorhub::transport
