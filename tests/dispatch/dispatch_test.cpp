// dispatch_policy (where handlers run), the watchdog and the blocking pool, as plain classes.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "actors/dispatch/blocking_pool.hpp"
#include "actors/dispatch/dispatch_policy.hpp"
#include "actors/dispatch/watchdog.hpp"

namespace {

using namespace std::chrono_literals;
using actorhub::dispatch::blocking_pool;
using actorhub::dispatch::dispatch_policy;

struct reports {
  std::mutex mu;
  std::condition_variable cv;
  std::vector<std::string> names;
  void add(const std::string& n) {
    std::lock_guard<std::mutex> g(mu);
    names.push_back(n);
    cv.notify_all();
  }
  bool wait_for(std::size_t n, std::chrono::milliseconds t) {
    std::unique_lock<std::mutex> g(mu);
    return cv.wait_for(g, t, [&] { return names.size() >= n; });
  }
};

std::shared_ptr<dispatch_policy> make_policy(reports& r, unsigned probation = 3) {
  actorhub::dispatch_options o;
  o.probation_calls = probation;
  o.quick_call = 1ms;
  o.slow_call = 20ms;
  return std::make_shared<dispatch_policy>("hub", std::vector<std::string>{"A", "B"}, o,
                                           [&r](const std::string&, const std::string& h, std::chrono::milliseconds) {
                                             r.add(h);
                                           });
}

TEST(dispatch_policy, new_handlers_start_on_the_pool_and_move_in_after_quick_calls) {
  reports r;
  auto p = make_policy(r);
  EXPECT_FALSE(p->runs_here(0));
  p->ran(0, 100us);
  p->ran(0, 5ms);  // neither quick nor slow: does not count
  p->ran(0, 100us);
  EXPECT_FALSE(p->runs_here(0));
  p->ran(0, 100us);
  EXPECT_TRUE(p->runs_here(0));
  EXPECT_FALSE(p->runs_here(1));
  EXPECT_TRUE(r.names.empty());
}

TEST(dispatch_policy, a_slow_call_moves_a_handler_to_the_pool_for_good_and_is_reported_once) {
  reports r;
  auto p = make_policy(r, 0);
  EXPECT_TRUE(p->runs_here(1));
  p->ran(1, 30ms);
  EXPECT_FALSE(p->runs_here(1));
  p->ran(1, 30ms);
  p->stuck(1, 40ms);
  for (int i = 0; i < 10; ++i) p->ran(1, 10us);
  EXPECT_FALSE(p->runs_here(1));
  EXPECT_EQ(r.names, std::vector<std::string>{"B"});
}

TEST(dispatch_policy, no_probation_means_everything_runs_here) {
  reports r;
  auto p = make_policy(r, 0);
  EXPECT_TRUE(p->runs_here(0));
  EXPECT_TRUE(p->runs_here(1));
}

TEST(watchdog, names_a_call_while_it_still_runs) {
  reports r;
  auto p = make_policy(r, 0);
  actorhub::dispatch::watchdog::watch(p);
  std::thread t([&] {
    actorhub::dispatch::watchdog::running_call mark(p->id(), 0);
    // Runs until the watchdog reported it: the report must come while the call is still running.
    EXPECT_TRUE(r.wait_for(1, 5s));
  });
  t.join();
  EXPECT_EQ(r.names, std::vector<std::string>{"A"});
  EXPECT_FALSE(p->runs_here(0));
}

TEST(blocking_pool, runs_jobs_in_parallel_up_to_its_maximum) {
  blocking_pool pool(2, 200ms);
  std::mutex mu;
  std::condition_variable cv;
  int running = 0, peak = 0, done = 0;
  bool release = false;
  for (int i = 0; i < 4; ++i)
    pool.submit([&] {
      std::unique_lock<std::mutex> g(mu);
      peak = std::max(peak, ++running);
      cv.notify_all();
      cv.wait(g, [&] { return release; });
      --running;
      ++done;
      cv.notify_all();
    });
  {
    std::unique_lock<std::mutex> g(mu);
    ASSERT_TRUE(cv.wait_for(g, 5s, [&] { return running == 2; }));
    release = true;
    cv.notify_all();
    ASSERT_TRUE(cv.wait_for(g, 5s, [&] { return done == 4; }));
  }
  EXPECT_EQ(peak, 2);
  EXPECT_LE(pool.threads(), 2u);
}

TEST(blocking_pool, idle_threads_stop) {
  blocking_pool pool(4, 50ms);
  std::atomic<bool> ran{false};
  pool.submit([&] { ran = true; });
  auto until = std::chrono::steady_clock::now() + 5s;
  while ((!ran || pool.threads() > 0) && std::chrono::steady_clock::now() < until) std::this_thread::sleep_for(10ms);
  EXPECT_TRUE(ran);
  EXPECT_EQ(pool.threads(), 0u);
}

}  // namespace
