#pragma once
// Single-threaded epoll loop with one-shot timers. Every process of the bench runs exactly one: no threads per
// connection, no locks.
#include <cstdint>
#include <functional>
#include <queue>
#include <vector>

namespace bench {

class io_handler {
 public:
  virtual ~io_handler() = default;
  virtual void on_io(uint32_t events) = 0;
  // Called once at the end of the loop iteration in which defer(this) was called (used to coalesce writes).
  virtual void on_deferred() {}
};

class event_loop {
 public:
  event_loop();
  ~event_loop();
  event_loop(const event_loop&) = delete;
  event_loop& operator=(const event_loop&) = delete;

  void add(int fd, uint32_t events, io_handler* h);
  void modify(int fd, uint32_t events, io_handler* h);
  void remove(int fd);

  void at(int64_t when_ns, std::function<void()> fn);
  void after(int64_t delay_ns, std::function<void()> fn);
  // Calls fn every period_ns until fn returns false or the loop stops.
  void every(int64_t period_ns, std::function<bool()> fn);

  void defer(io_handler* h) { deferred_.push_back(h); }

  void run();  // until stop()
  void stop() { running_ = false; }
  bool running() const { return running_; }

 private:
  struct timer {
    int64_t when;
    uint64_t order;
    std::function<void()> fn;
  };
  struct later {
    bool operator()(const timer& a, const timer& b) const {
      return a.when != b.when ? a.when > b.when : a.order > b.order;
    }
  };
  void fire_due_timers();
  void run_deferred();

  int epfd_ = -1;
  bool running_ = false;
  uint64_t next_order_ = 0;
  std::priority_queue<timer, std::vector<timer>, later> timers_;
  std::vector<io_handler*> deferred_, deferred_spare_;
};

}  // namespace bench
