// See wake_queue.hpp.
#include "net/transport/wake_queue.hpp"

#include <boost/asio/post.hpp>

#include "net/transport/session.hpp"

namespace actorhub::transport {

void wake_queue::push(std::shared_ptr<transport_link> link) {
  bool first = false;
  {
    std::lock_guard<std::mutex> lk(mu_);
    first = pending_.empty();
    pending_.push_back(std::move(link));
  }
  if (first) boost::asio::post(ioc_, [this] { drain(); });
}

void wake_queue::clear() {
  std::vector<std::shared_ptr<transport_link>> gone;
  {
    std::lock_guard<std::mutex> lk(mu_);
    gone.swap(pending_);
  }
  running_.clear();
}

void wake_queue::drain() {
  {
    std::lock_guard<std::mutex> lk(mu_);
    running_.swap(pending_);
  }
  for (auto& link : running_) link->on_wake();
  running_.clear();
  if (running_.capacity() > 4096) std::vector<std::shared_ptr<transport_link>>().swap(running_);
}

}  // namespace actorhub::transport
