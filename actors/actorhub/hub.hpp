// A hub: a behaviour mapping method names to typed handlers ("hubs as actors"). Every handler runs inside the
// calling connection's actor: the invocations of one connection run one after another (a later invocation
// waits until the previous non-streaming one completed, deferred ones included; streaming methods start and
// then run in the background), different connections run in parallel.
//
//   actorhub::hub chat("chat");
//   chat.on("Send", [](actorhub::hub_call& c, std::string name, std::string msg) {
//     c.clients().all().send("ReceiveMessage", name, msg);
//   });
//   chat.on("Echo", [](actorhub::hub_call&, std::string s) { return s; });
//
// Parameters convert with from_value<T> (std::string, bool, integers, double, value, array, object, bytes,
// timestamp, std::vector<T>, std::optional<T>, your own specialisations); `incoming_stream` parameters bind
// the invocation's client-to-server streams in order. Results convert with to_value<T>; return `deferred`
// (from c.defer()) to complete later, or nothing for a void completion.
//
// Rules of the road:
// - Handlers run on the actor system's few scheduler threads: never block. Wait with c.after(), with a
//   client result, or with c.self()->request(...) to your own actors, and complete through a deferred.
// - A deferred that is never resolved keeps its connection's later invocations waiting (like a Task that
//   never completes in ASP.NET Core) until the connection closes.
// - A method's Completion is written after every send and group change it made was handed over (sends to
//   other connections are acknowledged by the router, group changes are in effect). Sends to the caller
//   alone are written straight to its own queue, before the Completion.
// - Order: since an invocation completes only after its sends were handed over, everything one connection's
//   invocations send arrives in invocation order. Within one method, sends keep their order per path (the
//   caller's own queue, the router, one group); a group send and an all() send made by the same method
//   without waiting may reach a member in either order.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>

#include <actorhub/clients.hpp>
#include <actorhub/convert.hpp>
#include <actorhub/deferred.hpp>
#include <actorhub/detail/method.hpp>
#include <actorhub/detail/method_binding.hpp>
#include <actorhub/errors.hpp>
#include <actorhub/hub_call.hpp>
#include <actorhub/incoming_stream.hpp>
#include <actorhub/stream_writer.hpp>

namespace actorhub {

struct hub_options {
  // Completion errors carry exception types and messages (hub_exception texts are always shown).
  bool detailed_errors = false;
  // Connections without a valid access token are refused (401).
  bool require_authentication = false;
  // Default timeout of client results (single_client_proxy::invoke).
  std::chrono::milliseconds client_result_timeout{30'000};
};

class hub {
 public:
  using connected_handler = std::function<void(hub_call&)>;
  using disconnected_handler = std::function<void(hub_call&, const std::optional<std::string>& error)>;

  explicit hub(std::string name, hub_options options = {});

  // A method: `R handler(hub_call&, Args...)`. Replaces an earlier method of the same name.
  template <class F>
  hub& on(std::string method, F handler) {
    using traits = detail::callable_traits<F>;
    add(detail::bind_method<F, typename traits::result>(std::move(method), std::move(handler),
                                                        typename traits::args{}));
    return *this;
  }

  // A streaming method: `void handler(hub_call&, stream_writer, Args...)`.
  template <class F>
  hub& stream(std::string method, F handler) {
    using traits = detail::callable_traits<F>;
    add(detail::bind_stream<F, typename traits::result>(std::move(method), std::move(handler),
                                                        typename traits::args{}));
    return *this;
  }

  // Runs in the new connection's actor once the connection is registered, before its first invocation.
  hub& on_connected(connected_handler f);
  // Runs in the connection's actor when it ended (`error` set when it ended with one), before it leaves its
  // groups and user.
  hub& on_disconnected(disconnected_handler f);

  const std::string& name() const noexcept { return name_; }
  hub_options& options() noexcept { return options_; }
  const hub_options& options() const noexcept { return options_; }

  const detail::method_entry* find(const std::string& method) const;
  std::size_t method_count() const noexcept { return methods_.size(); }
  template <class F>
  void for_each_method(F&& f) const {
    for (auto& [name, entry] : methods_) f(entry);
  }
  const connected_handler& connected() const noexcept { return connected_; }
  const disconnected_handler& disconnected() const noexcept { return disconnected_; }
  // Lets the runtime attach a duration observer (metrics) to each method.
  void observe_durations(const std::function<std::function<void(double)>(const std::string& method)>& make);

 private:
  void add(detail::method_entry e);

  std::string name_;
  hub_options options_;
  std::unordered_map<std::string, detail::method_entry> methods_;
  connected_handler connected_;
  disconnected_handler disconnected_;
};

}  // namespace actorhub
