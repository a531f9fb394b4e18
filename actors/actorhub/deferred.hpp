// A hub method result that arrives later (from hub_call::defer()). Resolve or fail it from any thread (a
// callback of after(), a client result, a request to another actor, your own thread pool); it completes in the
// connection's actor. The first resolution wins; later ones are ignored.
#pragma once

#include <exception>
#include <memory>
#include <utility>

#include <actorhub/convert.hpp>

namespace actorhub {

namespace detail {
struct invocation_state;
}

class deferred {
 public:
  deferred() = default;
  explicit deferred(std::shared_ptr<detail::invocation_state> inv) : inv_(std::move(inv)) {}

  // Completes with a result (any type with to_value), or without one.
  template <class T>
  void resolve(T&& x) const {
    resolve_value(to_value<std::decay_t<T>>::convert(std::forward<T>(x)));
  }
  void resolve() const;
  void resolve_value(value v) const;

  // Fails with the error text for `e` (hub_exception, invocation_error, ... as if the method had thrown it).
  template <class E, class = std::enable_if_t<std::is_base_of_v<std::exception, std::decay_t<E>>>>
  void fail(E&& e) const {
    fail(std::make_exception_ptr(std::forward<E>(e)));
  }
  void fail(std::exception_ptr e) const;

  bool pending() const noexcept;  // not resolved yet and the connection is still open

 private:
  std::shared_ptr<detail::invocation_state> inv_;
};

}  // namespace actorhub
