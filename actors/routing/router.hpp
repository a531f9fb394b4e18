// The router boundary: what a connection actor (and a hub_context) asks of "the hub".
//
// A router owns the hub's registry: connections (id -> transport handle + connection actor + user), users ->
// connections, and groups -> members. Everything that addresses other connections goes through it: sends to
// target sets, group membership, and client results (invocations of a client method that wait for the
// client's Completion). It is a CAF typed actor, so any implementation of the same signatures can stand
// behind a hub: the local router (local_router.hpp), a cluster router (local registry plus one forwarded
// message per remote node that has targets) or an app server's proxy to a gateway. Callers depend only on
// this file.
//
// Contract of each message:
//  attach(entry)             -> ok   the connection is registered (sends reach it) before `ok` arrives.
//  detach(connection_id)             the connection leaves the registry, its user and every group.
//  send(target, msg)         -> ok   `msg` was handed to delivery: queued at every local connection of `target`
//                                    (each once, `excluded` never) and, in a cluster or behind a gateway,
//                                    handed in order to the link of every other process that has targets.
//                                    `ok` never waits for another process. Sends of one sender reach each
//                                    recipient in the order they were sent, whatever their target kinds.
//                                    Fire-and-forget callers use anon_send.
//  group(join, conn, group) -> ok    membership changed (join = true adds, false removes) (idempotent; names are case-sensitive) and in effect
//                                    everywhere: every send issued after `ok`, from any process, sees it.
//                                    Unknown connections are ignored.
//  invoke(conn, inv)         -> client_result   a client result from connection `conn`.
//  presence(query)           -> presence_result who is in a group, how many connections, is a user online:
//                                    answered for every process the hub spans.
//  stats()                   -> router_stats    sizes of the registry (tests, diagnostics).
//  shutdown                          closes the remaining connections and stops the router.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "caf/actor.hpp"
#include "caf/allowed_unsafe_message_type.hpp"
#include "caf/replies_to.hpp"
#include "caf/typed_actor.hpp"

#include "actors/atoms.hpp"
#include <actorhub/client_result.hpp>
#include <actorhub/send_target.hpp>
#include "net/encoded_message.hpp"
#include "net/hub_connection.hpp"

namespace actorhub {

// A connection as the router knows it. `actor` receives invoke requests (client results).
struct connection_entry {
  std::string connection_id;
  std::string user_id;  // "" when anonymous
  hub_connection_ptr connection;
  caf::actor actor;
};

// A server-to-client invocation that expects the client's Completion.
struct client_invocation {
  std::string target;
  array arguments;
  std::chrono::milliseconds timeout{30'000};
};

// Presence questions (presence.hpp), answered for the whole hub.
struct presence_query {
  enum class kind : std::uint8_t { group_connections, group_users, connection_count, user_online };
  kind what = kind::connection_count;
  std::string name;  // the group or user; unused for connection_count
};
struct presence_result {
  std::vector<std::string> names;  // group_connections / group_users: sorted, each once
  std::uint64_t count = 0;         // connection_count
  bool found = false;              // user_online
};

struct router_stats {
  std::size_t connections = 0;
  std::size_t users = 0;
  std::size_t groups = 0;
};

using router_actor = caf::typed_actor<
    caf::replies_to<attach_atom, connection_entry>::with<ok_atom>,
    caf::reacts_to<detach_atom, std::string>,
    caf::replies_to<send_atom, send_target, encoded_ptr>::with<ok_atom>,
    caf::replies_to<group_atom, bool, std::string, std::string>::with<ok_atom>,
    caf::replies_to<invoke_atom, std::string, client_invocation>::with<client_result>,
    caf::replies_to<presence_atom, presence_query>::with<presence_result>,
    caf::replies_to<stats_atom>::with<router_stats>,
    caf::reacts_to<shutdown_atom>>;

}  // namespace actorhub

// Local-only message types: shared pointers to transport handles and encoded messages never leave the process
// (a remote router serializes the message itself, e.g. as Cap'n Proto, at its own boundary).
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(actorhub::connection_entry)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(actorhub::client_invocation)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(actorhub::client_result)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(actorhub::router_stats)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(actorhub::presence_query)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(actorhub::presence_result)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(actorhub::send_target)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(actorhub::encoded_ptr)
