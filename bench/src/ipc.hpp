#pragma once
// Coordinator <-> worker process messages over pipes: [u32 type][u32 size][bytes].
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "event_loop.hpp"

namespace bench {

enum class ipc : uint32_t {
  ready = 1,     // worker: all connections set up (payload: worker_report)
  progress = 2,  // worker: periodic counters (payload: worker_report)
  result = 3,    // worker: final counters (payload: worker_report)
  go = 10,       // coordinator: start the measured phase
  stop = 11,     // coordinator: end it, report
};

class channel final : public io_handler {
 public:
  using handler = std::function<void(ipc, std::string_view)>;
  channel(int read_fd, int write_fd) : read_fd_(read_fd), write_fd_(write_fd) {}
  ~channel() override;
  void attach(event_loop& loop, handler h);
  void send(ipc type, const void* data = nullptr, uint32_t size = 0);  // blocking
  bool closed() const { return closed_; }

 private:
  void on_io(uint32_t events) override;
  int read_fd_, write_fd_;
  event_loop* loop_ = nullptr;
  handler handler_;
  std::string buf_;
  bool closed_ = false;
};

}  // namespace bench
