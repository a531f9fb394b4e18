// See io_turn.hpp.
#include "net/io_turn.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include "net/transport/io_turn_scope.hpp"

namespace actorhub {

namespace {
thread_local boost::asio::io_context* current = nullptr;
}

namespace transport {
io_turn_scope::io_turn_scope(boost::asio::io_context& ioc) : outer_(current) { current = &ioc; }
io_turn_scope::~io_turn_scope() { current = outer_; }
}  // namespace transport

bool in_io_turn() noexcept { return current != nullptr; }

bool after_io_turn(std::function<void()> fn) {
  if (!current) return false;
  boost::asio::post(*current, std::move(fn));
  return true;
}

}  // namespace actorhub
