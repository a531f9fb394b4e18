// Marks the calling thread as an I/O thread of `ioc` while it lives (net/io_turn.hpp). Internal.
#pragma once

namespace boost::asio {
class io_context;
}

namespace actorhub::transport {

class io_turn_scope {
 public:
  explicit io_turn_scope(boost::asio::io_context& ioc);
  ~io_turn_scope();
  io_turn_scope(const io_turn_scope&) = delete;
  io_turn_scope& operator=(const io_turn_scope&) = delete;

 private:
  boost::asio::io_context* outer_;
};

}  // namespace actorhub::transport
