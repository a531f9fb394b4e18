// The server-to-client stream of a streaming hub method. Usable from any thread (items are written in the order
// one thread wrote them). The stream stays open until complete() or fail(), a CancelInvocation from the
// client, or the connection's end.
#pragma once

#include <exception>
#include <functional>
#include <memory>
#include <string>
#include <type_traits>
#include <utility>

#include <actorhub/convert.hpp>

namespace actorhub {

namespace detail {
struct invocation_state;
}

class stream_writer {
 public:
  stream_writer() = default;
  explicit stream_writer(std::shared_ptr<detail::invocation_state> inv) : inv_(std::move(inv)) {}

  // Sends a StreamItem; false once the stream is cancelled, finished or the connection is gone.
  template <class T>
  bool write(T&& item) const {
    return write_value(to_value<std::decay_t<T>>::convert(std::forward<T>(item)));
  }
  bool write_value(value item) const;

  void complete() const;
  template <class E, class = std::enable_if_t<std::is_base_of_v<std::exception, std::decay_t<E>>>>
  void fail(E&& e) const {
    fail(std::make_exception_ptr(std::forward<E>(e)));
  }
  void fail(std::exception_ptr e) const;

  // Runs when the client cancels the stream or the connection ends (not after complete()/fail()).
  void on_cancel(std::function<void()> f) const;
  bool cancelled() const noexcept;
  bool done() const noexcept;  // completed, failed or cancelled
  const std::string& invocation_id() const noexcept;

 private:
  std::shared_ptr<detail::invocation_state> inv_;
};

}  // namespace actorhub
