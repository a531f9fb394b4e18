// Batches transport wake-ups into one I/O-thread job (one I/O thread only).
//
// A broadcast makes thousands of sessions writable at once, usually from an actor thread. Posting one handler
// per session costs an allocation, a lock of the io_context's queue and a handler dispatch each; here the
// links are collected under one lock and one job flushes them, in the order they were woken, in slices of
// 1,024 so that a broadcast to many connections does not hold up everyone else's reads.
#pragma once

#include <memory>
#include <mutex>
#include <vector>

#include <boost/asio/io_context.hpp>

namespace actorhub::transport {

class transport_link;

class wake_queue {
 public:
  explicit wake_queue(boost::asio::io_context& ioc) : ioc_(ioc) {}
  wake_queue(const wake_queue&) = delete;
  wake_queue& operator=(const wake_queue&) = delete;

  // Any thread: `link->on_wake()` runs on the I/O thread soon (once per push).
  void push(std::shared_ptr<transport_link> link);
  // After the I/O threads ended: forget pending wake-ups.
  void clear();

 private:
  void drain();

  boost::asio::io_context& ioc_;
  std::mutex mu_;
  std::vector<std::shared_ptr<transport_link>> pending_;  // under mu_
  bool scheduled_ = false;                                 // under mu_: a drain job is queued or running
  std::vector<std::shared_ptr<transport_link>> running_;  // I/O thread only: the batch being flushed
  std::size_t next_ = 0;                                   // first link of running_ not flushed yet
  static constexpr std::size_t slice = 1024;               // links flushed per job
};

}  // namespace actorhub::transport
