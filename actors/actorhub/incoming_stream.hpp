// A client-to-server stream parameter of a hub method (bound to the invocation's `streamIds` in order):
// `incoming_stream<T>` delivers each item converted with from_value<T>; `incoming_stream<>` (T = value) as is.
// Items that arrive before on_item() is set are buffered (bounded) and replayed. An item that does not convert
// fails the method. When the client completes the stream with an error E and the method is still running after
// on_complete ran, the method fails with "An unexpected error occurred invoking 'M' on the server.
// HubException: E". Usable from any thread; the handlers run in the connection's actor.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>

#include <actorhub/convert.hpp>
#include <actorhub/value.hpp>

namespace actorhub {

namespace detail {
struct upload_state;
void attach_items(const std::shared_ptr<upload_state>& s, std::function<void(value)> f);
void attach_completion(const std::shared_ptr<upload_state>& s,
                       std::function<void(const std::optional<std::string>&)> f);
bool upload_completed(const std::shared_ptr<upload_state>& s) noexcept;
const std::string& upload_id(const std::shared_ptr<upload_state>& s) noexcept;
}  // namespace detail

template <class T = value>
class incoming_stream {
 public:
  using item_type = T;
  using item_handler = std::function<void(T)>;
  using completion_handler = std::function<void(const std::optional<std::string>& error)>;

  incoming_stream() = default;
  explicit incoming_stream(std::shared_ptr<detail::upload_state> s) : state_(std::move(s)) {}

  void on_item(item_handler f) const {
    if constexpr (std::is_same_v<T, value>) {
      detail::attach_items(state_, std::move(f));
    } else {
      detail::attach_items(state_, [f = std::move(f)](value v) { f(from_value<T>::convert(v)); });
    }
  }
  void on_complete(completion_handler f) const { detail::attach_completion(state_, std::move(f)); }
  bool completed() const noexcept { return detail::upload_completed(state_); }
  const std::string& stream_id() const noexcept { return detail::upload_id(state_); }

  const std::shared_ptr<detail::upload_state>& state() const noexcept { return state_; }

 private:
  std::shared_ptr<detail::upload_state> state_;
};

}  // namespace actorhub
