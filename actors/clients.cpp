// Target proxies: build the Invocation once, then hand it to the sink with its target set.
#include <actorhub/clients.hpp>

#include <stdexcept>

#include "actors/connection/target_sink.hpp"
#include <actorhub/presence.hpp>
#include "actors/routing/router.hpp"

namespace actorhub {

void client_proxy::send_args(std::string method, array args) const {
  sink_->send(target_, encode(invocation_message{{}, std::nullopt, std::move(method), std::move(args), {}}));
}

single_client_proxy::single_client_proxy(std::shared_ptr<detail::target_sink> sink, std::string connection_id)
    : client_proxy(std::move(sink), send_target::connections({connection_id})), id_(std::move(connection_id)) {}

void single_client_proxy::invoke(std::string method, array args, result_handler handler) const {
  invoke(std::move(method), std::move(args), sink_->default_timeout(), std::move(handler));
}

void single_client_proxy::invoke(std::string method, array args, std::chrono::milliseconds timeout,
                                 result_handler handler) const {
  sink_->invoke(id_, client_invocation{std::move(method), std::move(args), timeout}, std::move(handler));
}

client_proxy client_targets::all() const { return {sink_, send_target::all()}; }

client_proxy client_targets::all_except(std::vector<std::string> connection_ids) const {
  return {sink_, send_target::all(std::move(connection_ids))};
}

single_client_proxy client_targets::client(std::string connection_id) const {
  return {sink_, std::move(connection_id)};
}

client_proxy client_targets::clients(std::vector<std::string> connection_ids) const {
  return {sink_, send_target::connections(std::move(connection_ids))};
}

client_proxy client_targets::group(std::string group) const {
  return {sink_, send_target::groups({std::move(group)})};
}

client_proxy client_targets::groups(std::vector<std::string> groups) const {
  return {sink_, send_target::groups(std::move(groups))};
}

client_proxy client_targets::group_except(std::string group, std::vector<std::string> connection_ids) const {
  return {sink_, send_target::groups({std::move(group)}, std::move(connection_ids))};
}

client_proxy client_targets::user(std::string user_id) const {
  return {sink_, send_target::users({std::move(user_id)})};
}

client_proxy client_targets::users(std::vector<std::string> user_ids) const {
  return {sink_, send_target::users(std::move(user_ids))};
}

namespace {

std::string caller_of(const detail::target_sink& sink) {
  if (auto id = sink.caller()) return std::move(*id);
  throw std::logic_error("caller-relative targets exist only inside a hub method");
}

}  // namespace

single_client_proxy hub_clients::caller() const { return {sink_, caller_of(*sink_)}; }

client_proxy hub_clients::others() const { return {sink_, send_target::all({caller_of(*sink_)})}; }

client_proxy hub_clients::others_in_group(std::string group) const {
  return {sink_, send_target::groups({std::move(group)}, {caller_of(*sink_)})};
}

void group_manager::add(std::string connection_id, std::string group, std::function<void()> done) const {
  sink_->change_group(true, std::move(connection_id), std::move(group), std::move(done));
}

void group_manager::remove(std::string connection_id, std::string group, std::function<void()> done) const {
  sink_->change_group(false, std::move(connection_id), std::move(group), std::move(done));
}

// -- presence -------------------------------------------------------------------------------------------------

namespace {

void ask(detail::target_sink& sink, presence_query::kind k, std::string name,
         std::function<void(presence_result)> done) {
  sink.query(presence_query{k, std::move(name)}, std::move(done));
}

}  // namespace

void presence::connections_in_group(std::string group, std::function<void(std::vector<std::string>)> done) const {
  ask(*sink_, presence_query::kind::group_connections, std::move(group),
      [done = std::move(done)](presence_result r) { done(std::move(r.names)); });
}

void presence::users_in_group(std::string group, std::function<void(std::vector<std::string>)> done) const {
  ask(*sink_, presence_query::kind::group_users, std::move(group),
      [done = std::move(done)](presence_result r) { done(std::move(r.names)); });
}

void presence::connection_count(std::function<void(std::uint64_t)> done) const {
  ask(*sink_, presence_query::kind::connection_count, {},
      [done = std::move(done)](presence_result r) { done(r.count); });
}

void presence::user_online(std::string user, std::function<void(bool)> done) const {
  ask(*sink_, presence_query::kind::user_online, std::move(user),
      [done = std::move(done)](presence_result r) { done(r.found); });
}

}  // namespace actorhub
