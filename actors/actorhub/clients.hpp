// Targets of sends (like ASP.NET Core's IHubClients / IClientProxy / ISingleClientProxy) and group management
// (IGroupManager). Each send builds and encodes its Invocation once; every recipient gets the same bytes.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <actorhub/client_method.hpp>
#include <actorhub/client_result.hpp>
#include <actorhub/convert.hpp>
#include <actorhub/send_target.hpp>

namespace actorhub {

namespace detail {
class target_sink;
}

// Sends to a set of connections: Invocation messages without id (no answer expected).
class client_proxy {
 public:
  client_proxy(std::shared_ptr<detail::target_sink> sink, send_target target)
      : sink_(std::move(sink)), target_(std::move(target)) {}

  // send("ReceiveMessage", name, text): every argument goes through to_value.
  template <class... Ts>
  void send(std::string method, Ts&&... args) const {
    send_args(std::move(method), make_args(std::forward<Ts>(args)...));
  }
  void send_args(std::string method, array args) const;
  // Typed: the arguments must convert to the client method's parameter types.
  template <class... Params, class... Ts>
  void send(const client_method<void(Params...)>& m, Ts&&... args) const {
    static_assert(sizeof...(Params) == sizeof...(Ts), "wrong number of arguments for this client method");
    send_args(m.name, make_args(Params(std::forward<Ts>(args))...));
  }

  const send_target& target() const noexcept { return target_; }

 protected:
  std::shared_ptr<detail::target_sink> sink_;
  send_target target_;
};

// One connection: can also wait for the client's answer (client results).
class single_client_proxy : public client_proxy {
 public:
  using result_handler = std::function<void(client_result)>;

  single_client_proxy(std::shared_ptr<detail::target_sink> sink, std::string connection_id);

  // Invokes `method` on the client with an invocation id and calls `handler` (in the calling actor's context:
  // the connection actor inside a hub method) with its result, its error, a timeout, or the disconnect.
  void invoke(std::string method, array args, result_handler handler) const;
  void invoke(std::string method, array args, std::chrono::milliseconds timeout, result_handler handler) const;
  // The same with the result read as T: `invoke<int>("GetNumber", {}, [](actorhub::result<int> r) {...})`.
  template <class T, class F>
  void invoke(std::string method, array args, F&& handler) const {
    invoke(std::move(method), std::move(args), typed<T>(std::forward<F>(handler)));
  }
  template <class T, class F>
  void invoke(std::string method, array args, std::chrono::milliseconds timeout, F&& handler) const {
    invoke(std::move(method), std::move(args), timeout, typed<T>(std::forward<F>(handler)));
  }
  // Typed by a client_method: `invoke(client::confirm, [](actorhub::result<int> r) {...}, "sure?")`.
  template <class R, class... Params, class F, class... Ts>
  void invoke(const client_method<R(Params...)>& m, F&& handler, Ts&&... args) const {
    static_assert(sizeof...(Params) == sizeof...(Ts), "wrong number of arguments for this client method");
    invoke(m.name, make_args(Params(std::forward<Ts>(args))...), typed<R>(std::forward<F>(handler)));
  }

  const std::string& connection_id() const noexcept { return id_; }

 private:
  template <class T, class F>
  static result_handler typed(F&& handler) {
    return [h = std::forward<F>(handler)](client_result r) { h(result<T>(std::move(r))); };
  }

  std::string id_;
};

// The targets available everywhere (hub methods and hub_context).
class client_targets {
 public:
  explicit client_targets(std::shared_ptr<detail::target_sink> sink) : sink_(std::move(sink)) {}

  client_proxy all() const;
  client_proxy all_except(std::vector<std::string> connection_ids) const;
  single_client_proxy client(std::string connection_id) const;
  client_proxy clients(std::vector<std::string> connection_ids) const;
  client_proxy group(std::string group) const;
  client_proxy groups(std::vector<std::string> groups) const;
  client_proxy group_except(std::string group, std::vector<std::string> connection_ids) const;
  client_proxy user(std::string user_id) const;
  client_proxy users(std::vector<std::string> user_ids) const;

 protected:
  std::shared_ptr<detail::target_sink> sink_;
};

// Inside a hub method: also relative to the calling connection.
class hub_clients : public client_targets {
 public:
  using client_targets::client_targets;

  single_client_proxy caller() const;
  client_proxy others() const;
  client_proxy others_in_group(std::string group) const;
};

// Group membership of any connection of the hub. Inside a hub method, the method's Completion waits until
// every change it made is in effect; `done` (optional) runs once the change is in effect.
class group_manager {
 public:
  explicit group_manager(std::shared_ptr<detail::target_sink> sink) : sink_(std::move(sink)) {}

  void add(std::string connection_id, std::string group, std::function<void()> done = {}) const;
  void remove(std::string connection_id, std::string group, std::function<void()> done = {}) const;

 private:
  std::shared_ptr<detail::target_sink> sink_;
};

}  // namespace actorhub
