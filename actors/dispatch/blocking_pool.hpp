// Threads for handlers that may block (dispatch_policy.hpp): started on demand up to a maximum, each stopping
// after a minute without work, so an idle process keeps none. A handler that blocks here delays only the calls
// queued behind it when every thread is busy, never an I/O or actor scheduler thread. Internal.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>

namespace actorhub::dispatch {

class blocking_pool {
 public:
  explicit blocking_pool(std::size_t max_threads, std::chrono::milliseconds idle_stop = std::chrono::seconds(60));
  // Drops the jobs not started yet (their connections are closing) and lets the running ones finish on their
  // own; never blocks (it may run on a pool thread, from a job's last reference).
  ~blocking_pool();
  blocking_pool(const blocking_pool&) = delete;
  blocking_pool& operator=(const blocking_pool&) = delete;

  void submit(std::function<void()> job);
  // Drops the jobs not started yet, refuses new ones, and waits up to `wait` for the running ones. For the
  // node's shutdown, before the actor system goes (jobs post their outcome to actors).
  void shutdown(std::chrono::milliseconds wait);

  std::size_t threads() const;  // alive now (tests, diagnostics)

 private:
  // Shared with the threads, so a thread that stops on its own never touches a destroyed pool.
  struct state {
    std::mutex mu;
    std::condition_variable wake;
    std::condition_variable gone;
    std::deque<std::function<void()>> jobs;
    std::size_t threads = 0;
    std::size_t idle = 0;
    bool stopping = false;
  };
  static void work(std::shared_ptr<state> st, std::chrono::milliseconds idle_stop);

  std::shared_ptr<state> st_;
  std::size_t max_;
  std::chrono::milliseconds idle_stop_;
};

}  // namespace actorhub::dispatch
