// A hub: a behaviour mapping method names to typed handlers ("hubs as actors"). Each connection is an actor:
// the invocations of one connection run one after another (a later invocation waits until the previous
// non-streaming one completed, deferred ones included; streaming methods start and then run in the background),
// different connections run in parallel. The same hub code runs on a single server, a cluster node and an app
// server behind a gateway.
//
//   actorhub::hub chat("chat");
//   chat.on("Send", [](actorhub::hub_call& c, std::string name, std::string msg) {
//     c.clients().all().send("ReceiveMessage", name, msg);
//   });
//   chat.on("Echo", [](std::string s) { return s; });   // hub_call& is optional
//
// Parameters convert with from_value<T> (std::string, bool, integers, double, value, array, object, bytes,
// timestamp, std::vector<T>, std::optional<T>, your own specialisations); `incoming_stream<T>` parameters bind
// the invocation's client-to-server streams in order. Results convert with to_value<T>; return `deferred`
// (from c.defer()) to complete later, or nothing for a void completion.
//
// Threads. A handler may block: it then delays only its own connection. Handlers that have shown to be quick
// run inside their connection actor, usually on the I/O thread that read the invocation (no thread hop); a new
// handler, or one that ever ran longer than dispatch_options::slow_call, runs on the blocking pool instead, and
// a slow one is named once in the log and in actorhub_slow_handlers_total (node_options.hpp). hub_call,
// deferred, stream_writer and incoming_stream may be used from any thread; what they do runs in the
// connection's actor, in the order one thread called.
//
// Sends and order:
// - A send completes when it is handed to delivery: queued at every local recipient and, in a cluster or behind
//   a gateway, handed in order to the link toward every other process with recipients. It never waits for
//   another process. A group change completes when it is in effect everywhere: every send issued after it,
//   from any process, sees it.
// - Every recipient gets one sender's messages in the order they were sent, whatever their target kinds (all,
//   group, user, connection), on one server and across a cluster.
// - The caller sees what its method caused in order: its own copy of a broadcast before the method's
//   Completion, and sends to the caller alone in their place among them.
// - A deferred that is never resolved keeps its connection's later invocations waiting (like a Task that
//   never completes in ASP.NET Core) until the connection closes.
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
