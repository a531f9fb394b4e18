// See blocking_pool.hpp.
#include "actors/dispatch/blocking_pool.hpp"

#include <thread>

namespace actorhub::dispatch {

blocking_pool::blocking_pool(std::size_t max_threads, std::chrono::milliseconds idle_stop)
    : st_(std::make_shared<state>()), max_(max_threads == 0 ? 1 : max_threads), idle_stop_(idle_stop) {}

blocking_pool::~blocking_pool() { shutdown(std::chrono::milliseconds(0)); }

void blocking_pool::shutdown(std::chrono::milliseconds wait) {
  std::deque<std::function<void()>> dropped;
  std::unique_lock<std::mutex> g(st_->mu);
  st_->stopping = true;
  dropped.swap(st_->jobs);
  st_->wake.notify_all();
  if (wait.count() > 0) st_->gone.wait_for(g, wait, [this] { return st_->threads == 0; });
  g.unlock();
  // `dropped` goes here, outside the lock: its jobs' captures may own anything.
}

void blocking_pool::submit(std::function<void()> job) {
  std::lock_guard<std::mutex> g(st_->mu);
  if (st_->stopping) return;
  st_->jobs.push_back(std::move(job));
  if (st_->idle >= st_->jobs.size()) {
    st_->wake.notify_one();
    return;
  }
  if (st_->threads < max_) {
    ++st_->threads;
    std::thread(work, st_, idle_stop_).detach();
  }
  // Else every thread is busy: the job waits for the first one that finishes.
}

std::size_t blocking_pool::threads() const {
  std::lock_guard<std::mutex> g(st_->mu);
  return st_->threads;
}

void blocking_pool::work(std::shared_ptr<state> st, std::chrono::milliseconds idle_stop) {
  std::unique_lock<std::mutex> g(st->mu);
  for (;;) {
    if (st->jobs.empty() && !st->stopping) {
      ++st->idle;
      const bool woke = st->wake.wait_for(g, idle_stop, [&] { return !st->jobs.empty() || st->stopping; });
      --st->idle;
      if (!woke) break;  // idle too long
    }
    if (st->stopping) break;
    auto job = std::move(st->jobs.front());
    st->jobs.pop_front();
    g.unlock();
    try {
      job();
    } catch (...) {
      // Jobs report their own failures; nothing may escape into the thread.
    }
    job = nullptr;  // release what it holds before waiting again
    g.lock();
  }
  if (--st->threads == 0) st->gone.notify_all();
}

}  // namespace actorhub::dispatch
