#include "event_loop.hpp"

#include <sys/epoll.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <string>

#include "clock.hpp"

namespace bench {

event_loop::event_loop() : epfd_(epoll_create1(EPOLL_CLOEXEC)) {
  if (epfd_ < 0) throw std::runtime_error(std::string("epoll_create1: ") + std::strerror(errno));
}

event_loop::~event_loop() { ::close(epfd_); }

void event_loop::add(int fd, uint32_t events, io_handler* h) {
  epoll_event ev{};
  ev.events = events;
  ev.data.ptr = h;
  if (epoll_ctl(epfd_, EPOLL_CTL_ADD, fd, &ev) < 0)
    throw std::runtime_error(std::string("epoll_ctl add: ") + std::strerror(errno));
}

void event_loop::modify(int fd, uint32_t events, io_handler* h) {
  epoll_event ev{};
  ev.events = events;
  ev.data.ptr = h;
  epoll_ctl(epfd_, EPOLL_CTL_MOD, fd, &ev);
}

void event_loop::remove(int fd) { epoll_ctl(epfd_, EPOLL_CTL_DEL, fd, nullptr); }

void event_loop::at(int64_t when_ns, std::function<void()> fn) {
  timers_.push(timer{when_ns, next_order_++, std::move(fn)});
}

void event_loop::after(int64_t delay_ns, std::function<void()> fn) { at(now_ns() + delay_ns, std::move(fn)); }

void event_loop::every(int64_t period_ns, std::function<bool()> fn) {
  struct repeater {
    event_loop* loop;
    int64_t period;
    int64_t next;
    std::function<bool()> fn;
    void arm() {
      loop->at(next, [self = *this]() mutable {
        if (!self.fn()) return;
        self.next += self.period;
        int64_t now = now_ns();
        if (self.next < now) self.next = now;  // do not burst after a stall
        self.arm();
      });
    }
  };
  repeater r{this, period_ns, now_ns() + period_ns, std::move(fn)};
  r.arm();
}

void event_loop::fire_due_timers() {
  int64_t now = now_ns();
  while (!timers_.empty() && timers_.top().when <= now && running_) {
    auto fn = std::move(const_cast<timer&>(timers_.top()).fn);
    timers_.pop();
    fn();
  }
}

void event_loop::run_deferred() {
  while (!deferred_.empty()) {
    deferred_spare_.swap(deferred_);
    for (auto* h : deferred_spare_) h->on_deferred();
    deferred_spare_.clear();
  }
}

void event_loop::run() {
  running_ = true;
  epoll_event events[512];
  while (running_) {
    int timeout_ms = 100;
    if (!timers_.empty()) {
      int64_t wait = timers_.top().when - now_ns();
      timeout_ms = wait <= 0 ? 0 : int((wait + 999999) / 1000000);
      if (timeout_ms > 100) timeout_ms = 100;
    }
    int n = epoll_wait(epfd_, events, 512, timeout_ms);
    if (n < 0 && errno != EINTR) throw std::runtime_error(std::string("epoll_wait: ") + std::strerror(errno));
    for (int i = 0; i < n && running_; ++i) static_cast<io_handler*>(events[i].data.ptr)->on_io(events[i].events);
    run_deferred();
    fire_due_timers();
    run_deferred();
  }
}

}  // namespace bench
