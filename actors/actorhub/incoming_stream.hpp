// A client-to-server stream parameter of a hub method (bound to the invocation's `streamIds` in order).
// Items that arrive before on_item() is set are buffered (bounded) and replayed. When the client completes
// the stream with an error E and the method is still running after on_complete ran, the method fails with
// "An unexpected error occurred invoking 'M' on the server. HubException: E".
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include <actorhub/value.hpp>

namespace actorhub {

namespace detail {
struct upload_state;
}

class incoming_stream {
 public:
  using item_handler = std::function<void(value)>;
  using completion_handler = std::function<void(const std::optional<std::string>& error)>;

  incoming_stream() = default;
  explicit incoming_stream(std::shared_ptr<detail::upload_state> s) : state_(std::move(s)) {}

  void on_item(item_handler f) const;
  void on_complete(completion_handler f) const;
  bool completed() const noexcept;
  const std::string& stream_id() const noexcept;

 private:
  std::shared_ptr<detail::upload_state> state_;
};

}  // namespace actorhub
