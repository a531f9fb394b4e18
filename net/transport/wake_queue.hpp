// Batches transport wake-ups into one I/O-thread job (one I/O thread only).
//
// A broadcast makes thousands of sessions writable at once, usually from an actor thread. Posting one handler
// per session costs an allocation, a lock of the io_context's queue and a handler dispatch each; here the
// links are collected under one lock and a single job flushes them all, in the order they were woken.
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
  std::vector<std::shared_ptr<transport_link>> running_;  // I/O thread only
};

}  // namespace actorhub::transport
