// wake_queue: every pushed link is flushed once, in push order, from jobs of at most 1,024 links, so that
// other handlers run between the slices; pushes during a drain are picked up without a lost wake-up.
#include <algorithm>
#include <thread>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <gtest/gtest.h>

#include "net/transport/session.hpp"
#include "net/transport/wake_queue.hpp"

namespace actorhub::transport {
namespace {

struct counting_link : transport_link {
  explicit counting_link(std::vector<int>& log, int id) : log_(log), id_(id) {}
  void wake() override {}
  void abort() override {}
  void on_wake() override { log_.push_back(id_); }
  std::vector<int>& log_;
  int id_;
};

TEST(WakeQueue, FlushesInOrderInSlicesWithOtherWorkBetween) {
  boost::asio::io_context ioc(1);
  wake_queue q(ioc);
  std::vector<int> log;
  std::thread pusher([&] {
    for (int i = 0; i < 3000; ++i) q.push(std::make_shared<counting_link>(log, i));
  });
  pusher.join();
  std::size_t seen_by_marker = 0;
  boost::asio::post(ioc, [&] { seen_by_marker = log.size(); });  // queued behind the first drain job
  ioc.run();
  ASSERT_EQ(log.size(), 3000u);
  for (int i = 0; i < 3000; ++i) ASSERT_EQ(log[i], i);
  EXPECT_EQ(seen_by_marker, 1024u);  // the marker ran between the first and the second slice
}

TEST(WakeQueue, PushesDuringADrainAreNotLost) {
  boost::asio::io_context ioc(1);
  wake_queue q(ioc);
  std::vector<int> log;
  struct pushing_link : counting_link {
    pushing_link(std::vector<int>& log, int id, wake_queue& q) : counting_link(log, id), q_(q) {}
    void on_wake() override {
      counting_link::on_wake();
      if (id_ < 1100) q_.push(std::make_shared<pushing_link>(log_, id_ + 1100, q_));
    }
    wake_queue& q_;
  };
  for (int i = 0; i < 1100; ++i) q.push(std::make_shared<pushing_link>(log, i, q));
  ioc.run();
  // Links 0..1099, each pushing link id + 1100 while it is flushed: 0..2199 each flushed once.
  std::vector<int> sorted = log;
  std::sort(sorted.begin(), sorted.end());
  ASSERT_EQ(sorted.size(), 2200u);
  for (int i = 0; i < 2200; ++i) ASSERT_EQ(sorted[i], i);
}

}  // namespace
}  // namespace actorhub::transport
