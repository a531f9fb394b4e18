// See gateway_actor.hpp.
#include "actors/gateway/gateway_actor.hpp"

#include <algorithm>
#include <functional>
#include <optional>
#include <unordered_map>

#include <caf/actor_cast.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/send.hpp>
#include <caf/stateful_actor.hpp>
#include <prometheus/gauge.h>

#include "actors/cluster/cluster_router.hpp"
#include "actors/cluster/credit_window.hpp"
#include "actors/cluster/key_proof.hpp"
#include "actors/gateway/client_outbox.hpp"
#include "actors/gateway/link.hpp"
#include "actors/routing/hub_registry.hpp"
#include <caf/spawn_options.hpp>
#include "monitoring/gateway_metrics.hpp"
#include "net/hub_protocol.hpp"
#include "monitoring/log.hpp"
#include "schema/cluster_wire.hpp"
#include "schema/gateway_wire.hpp"

namespace actorhub::gateway {

// -- directory ---------------------------------------------------------------------------------------------------

server_ptr server_directory::pick(const std::string& hub, const std::string& pinned) const {
  std::lock_guard<std::mutex> lk(mu_);
  auto least_loaded = [&](bool only_pinned) {
    server_ptr best;
    for (auto& [id, e] : servers_) {
      if (!e.hubs.count(hub) || e.server->draining.load() || (only_pinned && e.server->name != pinned)) continue;
      if (!best || e.server->clients.load() < best->clients.load()) best = e.server;
    }
    return best;
  };
  if (!pinned.empty())
    if (auto s = least_loaded(true)) return s;
  return least_loaded(false);
}

void server_directory::put(const server_ptr& s) {
  std::lock_guard<std::mutex> lk(mu_);
  servers_[s->id].server = s;
}

void server_directory::set_hubs(const std::string& id, std::vector<std::string> hubs) {
  std::lock_guard<std::mutex> lk(mu_);
  auto i = servers_.find(id);
  if (i == servers_.end()) return;
  i->second.hubs.clear();
  for (auto& h : hubs) {
    for (auto& c : h)
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    i->second.hubs.insert(h);
  }
}

void server_directory::remove(const std::string& id) {
  std::lock_guard<std::mutex> lk(mu_);
  servers_.erase(id);
}

std::size_t server_directory::size() const {
  std::lock_guard<std::mutex> lk(mu_);
  return servers_.size();
}

bool server_directory::runs(const std::string& hub) const {
  std::lock_guard<std::mutex> lk(mu_);
  for (auto& [id, e] : servers_)
    if (e.hubs.count(hub)) return true;
  return false;
}

namespace {

using routing::endpoint;

struct client_rec {
  std::string hub;
  hub_connection_ptr conn;
  server_ptr server;  // null: serverless
};

struct server_rec {
  server_ptr slot;
  std::set<std::string> clients;
};

struct pending_hello {
  gwire::server_hello hello;
  std::string nonce;
};

// A client result asked by one app server of a connection another one hosts: relayed under our own id.
struct relay {
  caf::actor origin;  // the asking app server's outbox
  std::uint64_t origin_id = 0;
  std::string origin_server;
  std::string target_server;
  std::optional<caf::response_promise> peer;  // asked by another gateway: its answer (origin unset)
};

// Another gateway of the cluster (admitted by the node actor, which proved the cluster key).
struct peer_rec {
  std::string name;
  std::uint64_t incarnation = 0;
  caf::actor gateway;
  // Deliveries to it go through a bounded window (actors/cluster/credit_window.hpp), as between cluster routers;
  // one that cannot keep up is reported to the node actor, which drops it from the cluster.
  cluster::credit_window out;
  cluster::credit_receiver in;
  bool failed = false;
};

// What the gateway and the I/O threads send an app server, coalesced (link.hpp) and sent as from the gateway
// actor, which is the only sender the app server accepts.
struct outbox_state {
  outbox box;
  caf::actor gateway;
  caf::actor link;
  static inline const char* name = "actorhub.gateway_outbox";
};

void flush(caf::stateful_actor<outbox_state>* self) {
  auto& st = self->state;
  if (!st.box.empty()) caf::send_as(st.gateway, st.link, gw_atom::value, st.box.take());
}

caf::behavior outbox_behavior(caf::stateful_actor<outbox_state>* self, caf::actor gateway, caf::actor link) {
  self->state.gateway = std::move(gateway);
  self->state.link = std::move(link);
  return {
      [=](out_atom, std::string& bytes) {
        if (self->state.box.add(std::move(bytes))) self->send(self, flush_atom::value);
        else if (self->state.box.full()) flush(self);
      },
      [=](flush_atom) { flush(self); },
  };
}

struct gateway_state {
  gateway_settings cfg;
  std::map<std::string, peer_rec> peers;  // by member name
  caf::actor node_actor;  // the cluster's node actor (it announces the peers): told when one cannot keep up
  std::map<caf::actor_addr, pending_hello> pending;
  std::map<caf::actor_addr, server_rec> servers;
  std::unordered_map<std::string, client_rec> clients;
  std::map<std::string, std::unique_ptr<routing::hub_registry>> hubs;
  std::map<std::uint64_t, relay> relays;
  std::uint64_t next_id = 1;
  static inline const char* name = "actorhub.gateway";
};

using gateway_pointer = caf::stateful_actor<gateway_state>*;

routing::hub_registry& registry_of(gateway_pointer self, const std::string& hub) {
  auto& r = self->state.hubs[hub];
  if (!r) r = std::make_unique<routing::hub_registry>();
  return *r;
}

server_rec* sender_server(gateway_pointer self) {
  auto& s = self->current_sender();
  if (!s || s->node() == self->node()) return nullptr;
  auto i = self->state.servers.find(caf::actor_cast<caf::actor_addr>(s));
  return i == self->state.servers.end() ? nullptr : &i->second;
}

bool from_local(gateway_pointer self) {
  auto& s = self->current_sender();
  return !s || s->node() == self->node();
}

// App servers, not links: an app server with several links counts once.
std::size_t server_count(gateway_pointer self) {
  std::set<std::string> processes;
  for (auto& [addr, rec] : self->state.servers) processes.insert(rec.slot->process);
  return processes.size();
}

std::string link_label(const server_slot& s) {
  return "app server '" + s.name + "'" + (s.index == 0 ? std::string() : " (link " + std::to_string(s.index) + ")");
}

void publish_count(gateway_pointer self) {
  auto n = server_count(self);
  if (self->state.cfg.servers) self->state.cfg.servers->store(n);
  if (self->state.cfg.app_servers) self->state.cfg.app_servers->Set(static_cast<double>(n));
}

void to_server(gateway_pointer self, const caf::actor& outbox, std::string bytes) {
  self->send(outbox, out_atom::value, std::move(bytes));
  if (auto* m = self->state.cfg.metrics) m->to_server();
}

auto transmitter(gateway_pointer self, peer_rec& p) {
  return [self, &p](std::uint64_t seq, const std::string& bytes, bool) {
    self->send(p.gateway, g_peer_atom::value, seq, bytes);
  };
}

// A delivery for every other gateway of the cluster: the same bytes to each (encoded once); each fans out to its
// own clients. One ordered, bounded channel per pair of gateway actors keeps a sender's order.
void to_peers(gateway_pointer self, const std::string& bytes) {
  auto shared = std::make_shared<const std::string>(bytes);
  for (auto& [name, p] : self->state.peers) {
    if (p.failed || p.out.offer(shared, false, transmitter(self, p))) continue;
    p.failed = true;
    p.out.drop_waiting();
    std::string why = "it did not keep up with the deliveries of this gateway";
    log::warning("gateway: gateway '" + name + "' is too slow (" + why + "); asking the cluster to drop it");
    if (auto& n = self->state.node_actor)
      caf::anon_send(n, cluster::peer_fail_atom::value, name, p.incarnation, why);
  }
}

// The peer gateway that sent the current message, or null.
peer_rec* sender_peer(gateway_pointer self) {
  auto& s = self->current_sender();
  if (!s || s->node() == self->node()) return nullptr;
  for (auto& [name, p] : self->state.peers)
    if (p.gateway.address() == s->address()) return &p;
  return nullptr;
}

bool from_peer(gateway_pointer self) { return sender_peer(self) != nullptr; }

void fail_relay(gateway_pointer self, relay& r, wire::result_status status, std::string text) {
  gwire::client_result out{r.origin_id, wire::client_result{status, {}, std::move(text)}};
  if (r.peer) r.peer->deliver(gwire::encode(out));
  else to_server(self, r.origin, gwire::encode(out));
}

// An app server is gone (its link died, or it was replaced): each client it hosted gets a Close with
// allowReconnect; nobody else notices.
void drop_server(gateway_pointer self, const caf::actor_addr& addr, const std::string& why) {
  auto& st = self->state;
  auto i = st.servers.find(addr);
  if (i == st.servers.end()) return;
  auto rec = std::move(i->second);
  st.servers.erase(i);
  st.cfg.directory->remove(rec.slot->id);
  publish_count(self);
  for (auto& id : rec.clients) {
    auto c = st.clients.find(id);
    if (c == st.clients.end()) continue;
    c->second.conn->close(std::string("The app server hosting this connection went away."), true);
  }
  for (auto r = st.relays.begin(); r != st.relays.end();) {
    if (r->second.target_server == rec.slot->id) {
      fail_relay(self, r->second, wire::result_status::disconnected, "The connection's app server went away.");
      r = st.relays.erase(r);
    } else if (r->second.origin_server == rec.slot->id) {
      r = st.relays.erase(r);
    } else {
      ++r;
    }
  }
  // Linked so that it ends with the gateway actor; unlinked first so that its end does not end the gateway actor.
  self->unlink_from(rec.slot->outbox);
  caf::anon_send_exit(rec.slot->outbox, caf::exit_reason::user_shutdown);
  log::warning("gateway: " + link_label(*rec.slot) + " left (" + why + "); its " +
               std::to_string(rec.clients.size()) + " client(s) were told to reconnect; " +
               std::to_string(server_count(self)) + " app server(s) linked");
}

// -- handshake ---------------------------------------------------------------------------------------------------

std::string on_handshake(gateway_pointer self, const std::string& bytes) {
  auto& st = self->state;
  auto& sender = self->current_sender();
  if (!sender || sender->node() == self->node()) return {};
  auto m = gwire::decode(bytes);
  if (!m) return {};
  auto addr = caf::actor_cast<caf::actor_addr>(sender);
  if (auto* h = std::get_if<gwire::server_hello>(&*m)) {
    if (h->nonce.size() < 16 || h->server_id.empty()) return {};
    if (st.pending.size() > 64) st.pending.clear();  // a flood of handshakes that never finish
    auto nonce = cluster::nonce();
    auto proof = cluster::key_proof(st.cfg.key, {challenge_label, h->nonce, nonce, h->server_id});
    st.pending[addr] = pending_hello{*h, nonce};
    return gwire::encode(gwire::server_challenge{nonce, proof});
  }
  if (auto* p = std::get_if<gwire::server_proof>(&*m)) {
    auto i = st.pending.find(addr);
    if (i == st.pending.end()) return {};
    auto in = std::move(i->second);
    st.pending.erase(i);
    auto expected = cluster::key_proof(st.cfg.key, {proof_label, in.nonce, in.hello.nonce, in.hello.server_id});
    if (!cluster::same_proof(expected, p->proof)) {
      log::once("gateway-wrong-key-" + in.hello.name,
                "gateway: refused app server '" + in.hello.name + "': it did not prove the access key");
      return {};
    }
    // A server id is one process start: the same id and link again is the same process re-linking.
    auto id = in.hello.server_id + "#" + std::to_string(in.hello.link);
    for (auto& [a, rec] : st.servers)
      if (rec.slot->id == id) {
        drop_server(self, a, "replaced by a new link");
        break;
      }
    auto slot = std::make_shared<server_slot>();
    slot->id = std::move(id);
    slot->process = in.hello.server_id;
    slot->name = in.hello.name;
    slot->index = in.hello.link;
    slot->link = caf::actor_cast<caf::actor>(sender);
    slot->outbox = self->spawn<caf::linked>(outbox_behavior, caf::actor_cast<caf::actor>(self), slot->link);
    slot->from_clients = std::make_shared<client_outbox>(caf::actor_cast<caf::actor>(self), slot->link);
    if (st.cfg.metrics) slot->gauge = &st.cfg.metrics->clients(slot->name);
    st.servers[addr].slot = slot;
    st.cfg.directory->put(slot);
    self->monitor(slot->link);
    publish_count(self);
    log::info("gateway: " + link_label(*slot) + " linked; " + std::to_string(server_count(self)) +
              " app server(s)");
    return gwire::encode(gwire::admitted{*st.cfg.client_base});
  }
  return {};
}

// -- traffic from app servers ------------------------------------------------------------------------------------

void deliver_record(gateway_pointer self, server_rec& srv, gwire::connection_data& d) {
  auto i = self->state.clients.find(d.connection_id);
  if (i == self->state.clients.end() || i->second.server != srv.slot) return;
  if (d.message_type < 1 || d.message_type > 9) return;
  auto& conn = i->second.conn;
  std::array<std::string, protocol_count> records;
  records[static_cast<std::size_t>(conn->protocol().kind())] = std::move(d.bytes);
  conn->send(std::make_shared<const encoded_message>(static_cast<message_type>(d.message_type), std::move(records)));
}

void close_client(gateway_pointer self, server_rec& srv, const gwire::close_connection& c) {
  auto i = self->state.clients.find(c.connection_id);
  if (i == self->state.clients.end() || i->second.server != srv.slot) return;
  i->second.conn->close(c.has_error ? std::optional<std::string>(c.error) : std::nullopt, c.allow_reconnect);
}

encoded_ptr from_payloads(std::vector<wire::payload>& payloads) {
  std::array<std::string, protocol_count> records;
  for (auto& p : payloads) {
    if (p.protocol == "json") records[static_cast<std::size_t>(protocol_kind::json)] = std::move(p.bytes);
    else if (p.protocol == "messagepack") records[static_cast<std::size_t>(protocol_kind::messagepack)] = std::move(p.bytes);
  }
  return std::make_shared<const encoded_message>(message_type::invocation, std::move(records));
}

void fan_out(gateway_pointer self, gwire::hub_delivery& d) {
  auto h = self->state.hubs.find(d.hub);
  if (h == self->state.hubs.end()) return;
  send_target t;
  t.what = d.delivery.kind == wire::target_kind::all           ? send_target::kind::all
           : d.delivery.kind == wire::target_kind::connections ? send_target::kind::connections
           : d.delivery.kind == wire::target_kind::users       ? send_target::kind::users
                                                               : send_target::kind::groups;
  t.names = std::move(d.delivery.names);
  t.excluded = std::move(d.delivery.excluded);
  routing::fan_out(*h->second, t, from_payloads(d.delivery.payloads));
}

gwire::client_result no_such_connection(std::uint64_t id, const std::string& connection_id) {
  return {id, wire::client_result{wire::result_status::no_connection, {},
                                  "Connection '" + connection_id + "' does not exist."}};
}

// Relays `inv` to the app server hosting its connection if this gateway holds it: `origin` gets the result
// (an app server's outbox, or `peer` for a question from another gateway). False when the connection is not here.
bool relay_here(gateway_pointer self, gwire::client_invocation& inv, relay origin) {
  auto& st = self->state;
  auto i = st.clients.find(inv.invocation.connection_id);
  if (i == st.clients.end() || i->second.hub != inv.hub) return false;
  if (!i->second.server) {
    gwire::client_result out{inv.id, wire::client_result{wire::result_status::error, {},
                                                         "The connection is serverless: it has no app server "
                                                         "to answer client results."}};
    if (origin.peer) origin.peer->deliver(gwire::encode(out));
    else to_server(self, origin.origin, gwire::encode(out));
    return true;
  }
  auto id = st.next_id++;
  origin.origin_id = inv.id;
  origin.target_server = i->second.server->id;
  st.relays[id] = std::move(origin);
  inv.id = id;
  to_server(self, i->second.server->outbox, gwire::encode(inv));
  return true;
}

// A client result for a connection this gateway does not hold: asked of every other gateway; the one holding it
// relays it and answers with the result, the others with no_connection. The asking app server gets the first
// answer that is not no_connection, else no_connection once all have answered (or timed out).
void relay_to_peers(gateway_pointer self, const caf::actor& origin, gwire::client_invocation inv) {
  struct fan_in {
    caf::actor origin;
    std::uint64_t id = 0;
    std::string connection_id;
    std::size_t left = 0;
    bool answered = false;
  };
  auto f = std::make_shared<fan_in>();
  f->origin = origin;
  f->id = inv.id;
  f->connection_id = inv.invocation.connection_id;
  f->left = self->state.peers.size();
  inv.id = 0;
  auto bytes = gwire::encode(inv);
  auto finish = [self, f] {
    if (--f->left == 0 && !f->answered) to_server(self, f->origin, gwire::encode(no_such_connection(f->id, f->connection_id)));
  };
  // The client's own timeout runs at the app server hosting it; this one covers a gateway that never answers.
  auto timeout = std::chrono::milliseconds(std::max<std::uint32_t>(inv.invocation.timeout_ms, 1000)) +
                 std::chrono::seconds(5);
  for (auto& [name, p] : self->state.peers)
    self->request(p.gateway, timeout, g_peer_invoke_atom::value, bytes)
        .then(
            [self, f, finish](const std::string& reply) {
              auto m = gwire::decode(reply);
              auto* r = m ? std::get_if<gwire::client_result>(&*m) : nullptr;
              if (r && r->result.status != wire::result_status::no_connection && !f->answered) {
                f->answered = true;
                r->id = f->id;
                to_server(self, f->origin, gwire::encode(*r));
              }
              finish();
            },
            [finish](caf::error&) { finish(); });
}

void relay_invocation(gateway_pointer self, server_rec& srv, gwire::client_invocation& inv) {
  relay origin;
  origin.origin = srv.slot->outbox;
  origin.origin_server = srv.slot->id;
  if (relay_here(self, inv, std::move(origin))) return;
  if (!self->state.peers.empty()) return relay_to_peers(self, srv.slot->outbox, std::move(inv));
  to_server(self, srv.slot->outbox, gwire::encode(no_such_connection(inv.id, inv.invocation.connection_id)));
}

void relay_result(gateway_pointer self, server_rec& srv, gwire::client_result& r) {
  auto i = self->state.relays.find(r.id);
  if (i == self->state.relays.end() || i->second.target_server != srv.slot->id) return;
  r.id = i->second.origin_id;
  auto done = std::move(i->second);
  self->state.relays.erase(i);
  if (done.peer) done.peer->deliver(gwire::encode(r));
  else to_server(self, done.origin, gwire::encode(r));
}

wire::presence_answer answer(gateway_pointer self, const gwire::presence_query& q) {
  wire::presence_answer a;
  auto h = self->state.hubs.find(q.hub);
  if (h == self->state.hubs.end()) return a;
  auto& reg = *h->second;
  switch (q.query.kind) {
    case wire::presence_kind::group_connections:
      a.names = reg.group_members(q.query.name);
      std::sort(a.names.begin(), a.names.end());
      break;
    case wire::presence_kind::group_users:
      a.names = reg.group_users(q.query.name);
      break;
    case wire::presence_kind::connection_count:
      a.count = reg.size();
      break;
    case wire::presence_kind::user_online:
      a.found = reg.has_user(q.query.name);
      break;
  }
  return a;
}

// Answers `q` for the whole cluster of gateways: this gateway's registry, merged with each peer's answer (a peer
// that does not answer within 2 s counts as having nobody). `done` runs in this actor.
void presence_everywhere(gateway_pointer self, const gwire::presence_query& q,
                         std::function<void(wire::presence_answer)> done) {
  auto mine = answer(self, q);
  auto& peers = self->state.peers;
  if (peers.empty()) return done(std::move(mine));
  struct fan_in {
    wire::presence_answer acc;
    std::set<std::string> names;
    std::size_t left = 0;
    wire::presence_kind kind;
    std::function<void(wire::presence_answer)> done;
  };
  auto f = std::make_shared<fan_in>();
  f->kind = q.query.kind;
  f->acc = std::move(mine);
  f->names.insert(f->acc.names.begin(), f->acc.names.end());
  f->left = peers.size();
  f->done = std::move(done);
  auto finish = [f] {
    if (--f->left != 0) return;
    f->acc.names.assign(f->names.begin(), f->names.end());  // sorted, each once
    f->done(std::move(f->acc));
  };
  auto bytes = gwire::encode(gwire::presence_query{0, q.hub, q.query});
  for (auto& [name, p] : peers)
    self->request(p.gateway, std::chrono::seconds(2), g_peer_presence_atom::value, bytes)
        .then(
            [f, finish](const std::string& reply) {
              auto m = gwire::decode(reply);
              if (auto* a = m ? std::get_if<gwire::presence_answer>(&*m) : nullptr) {
                f->names.insert(a->answer.names.begin(), a->answer.names.end());
                f->acc.count += a->answer.count;
                f->acc.found = f->acc.found || a->answer.found;
              }
              finish();
            },
            [finish](caf::error&) { finish(); });
}
void apply(gateway_pointer self, server_rec* srv, std::string& bytes, bool nested);

void on_traffic(gateway_pointer self, std::string& bytes) {
  auto* srv = sender_server(self);
  if (!srv) return;
  apply(self, srv, bytes, false);
}

void apply(gateway_pointer self, server_rec* srv, std::string& bytes, bool nested) {
  auto m = gwire::decode(bytes);
  if (!m || (nested && std::holds_alternative<gwire::batch>(*m))) {
    log::once("gateway-malformed-" + srv->slot->id, "gateway: dropped a malformed message from app server '" +
                                                        srv->slot->name + "'");
    return;
  }
  if (auto* b = std::get_if<gwire::batch>(&*m)) {
    for (auto& inner : b->messages) apply(self, srv, inner, true);
    return;
  }
  if (auto* mt = self->state.cfg.metrics) mt->from_server();
  auto& st = self->state;
  if (auto* d = std::get_if<gwire::connection_data>(&*m)) return deliver_record(self, *srv, *d);
  if (auto* d = std::get_if<gwire::hub_delivery>(&*m)) {
    if (!st.peers.empty()) to_peers(self, bytes);
    return fan_out(self, *d);
  }
  if (auto* c = std::get_if<gwire::close_connection>(&*m)) return close_client(self, *srv, *c);
  if (auto* g = std::get_if<gwire::group_change>(&*m)) {
    if (auto h = st.hubs.find(g->hub); h != st.hubs.end())
      g->join ? h->second->join(g->connection_id, g->group) : h->second->leave(g->connection_id, g->group);
    return to_server(self, srv->slot->outbox, gwire::encode(gwire::ack{g->ack_id}));
  }
  if (auto* r = std::get_if<gwire::register_hubs>(&*m)) {
    st.cfg.directory->set_hubs(srv->slot->id, r->hubs);
    return;
  }
  if (auto* inv = std::get_if<gwire::client_invocation>(&*m)) return relay_invocation(self, *srv, *inv);
  if (auto* r = std::get_if<gwire::client_result>(&*m)) return relay_result(self, *srv, *r);
  if (auto* q = std::get_if<gwire::presence_query>(&*m)) {
    auto link = srv->slot->outbox;
    auto id = q->id;
    return presence_everywhere(self, *q, [self, link, id](wire::presence_answer a) {
      to_server(self, link, gwire::encode(gwire::presence_answer{id, std::move(a)}));
    });
  }
  if (std::get_if<gwire::draining>(&*m)) {
    srv->slot->draining = true;
    log::info("gateway: " + link_label(*srv->slot) + " is draining; no new clients go to it");
    return;
  }
  // flow_control and anything else: nothing to do (CAF's link is reliable and ordered; see docs/hosted.md).
}

// -- REST --------------------------------------------------------------------------------------------------------

http_response status_only(int status) {
  http_response r;
  r.status = status;
  r.body = "";
  return r;
}

// A REST send as the delivery other gateways fan out (encoded once for all of them).
std::string delivery_bytes(const rest_call& c) {
  gwire::hub_delivery d;
  d.hub = c.hub;
  d.delivery.kind = c.target.what == send_target::kind::all           ? wire::target_kind::all
                    : c.target.what == send_target::kind::connections ? wire::target_kind::connections
                    : c.target.what == send_target::kind::users       ? wire::target_kind::users
                                                                      : wire::target_kind::groups;
  d.delivery.names = c.target.names;
  d.delivery.excluded = c.target.excluded;
  d.delivery.payloads.push_back({"json", *c.message->bytes(json_protocol())});
  d.delivery.payloads.push_back({"messagepack", *c.message->bytes(messagepack_protocol())});
  return gwire::encode(d);
}

// Applies an operation on one connection if this gateway holds it: true when it does.
bool apply_connection_op(gateway_pointer self, const gwire::connection_op& op) {
  auto& st = self->state;
  auto h = st.hubs.find(op.hub);
  routing::hub_registry* reg = h == st.hubs.end() ? nullptr : h->second.get();
  if (!reg || !reg->contains(op.connection_id)) return false;
  switch (op.kind) {
    case gwire::connection_op_kind::exists:
      break;
    case gwire::connection_op_kind::add_to_group:
      reg->join(op.connection_id, op.group);
      break;
    case gwire::connection_op_kind::remove_from_group:
      reg->leave(op.connection_id, op.group);
      break;
    case gwire::connection_op_kind::close: {
      auto i = st.clients.find(op.connection_id);
      if (i == st.clients.end()) return false;
      i->second.conn->close(op.reason.empty() ? std::nullopt : std::optional<std::string>(op.reason), false);
      break;
    }
  }
  return true;
}

// An operation on a connection this gateway does not hold, put to every other gateway of the cluster: `done(true)`
// when one of them held it (and applied it). A peer that does not answer within 2 s counts as not holding it.
void connection_op_everywhere(gateway_pointer self, const gwire::connection_op& op, std::function<void(bool)> done) {
  auto& peers = self->state.peers;
  if (peers.empty()) return done(false);
  struct fan_in {
    bool found = false;
    std::size_t left = 0;
    std::function<void(bool)> done;
  };
  auto f = std::make_shared<fan_in>();
  f->left = peers.size();
  f->done = std::move(done);
  auto finish = [f](bool found) {
    f->found = f->found || found;
    if (--f->left == 0) f->done(f->found);
  };
  auto bytes = gwire::encode(op);
  for (auto& [name, p] : peers)
    self->request(p.gateway, std::chrono::seconds(2), g_peer_conn_atom::value, bytes)
        .then(
            [finish](const std::string& reply) {
              auto m = gwire::decode(reply);
              auto* a = m ? std::get_if<gwire::presence_answer>(&*m) : nullptr;
              finish(a && a->answer.found);
            },
            [finish](caf::error&) { finish(false); });
}

std::optional<gwire::connection_op_kind> connection_op_of(rest_call::op what) {
  switch (what) {
    case rest_call::op::connection_exists: return gwire::connection_op_kind::exists;
    case rest_call::op::add_to_group: return gwire::connection_op_kind::add_to_group;
    case rest_call::op::remove_from_group: return gwire::connection_op_kind::remove_from_group;
    case rest_call::op::close_connection: return gwire::connection_op_kind::close;
    default: return std::nullopt;
  }
}

void on_rest(gateway_pointer self, rest_call& c) {
  auto& st = self->state;
  auto h = st.hubs.find(c.hub);
  routing::hub_registry* reg = h == st.hubs.end() ? nullptr : h->second.get();
  int status = 200;
  if (auto kind = connection_op_of(c.what)) {
    // Applied here when this gateway holds the connection, else by the gateway of the cluster that does.
    gwire::connection_op op{*kind, c.hub, c.connection_id, c.group, c.reason};
    if (!apply_connection_op(self, op)) {
      auto respond = std::move(c.respond);
      auto* metrics = st.cfg.metrics;
      return connection_op_everywhere(self, op, [respond, metrics](bool found) {
        int s = found ? 200 : 404;
        if (metrics) metrics->rest(s);
        if (respond) respond(status_only(s));
      });
    }
    if (st.cfg.metrics) st.cfg.metrics->rest(status);
    if (c.respond) c.respond(status_only(status));
    return;
  }
  switch (c.what) {
    case rest_call::op::send:
      if (!st.peers.empty()) to_peers(self, delivery_bytes(c));
      if (reg) routing::fan_out(*reg, c.target, c.message);
      status = 202;
      break;
    case rest_call::op::user_exists:
    case rest_call::op::group_exists: {
      // Asked of every gateway of the cluster.
      gwire::presence_query q;
      q.hub = c.hub;
      q.query.kind = c.what == rest_call::op::user_exists ? wire::presence_kind::user_online
                                                          : wire::presence_kind::group_connections;
      q.query.name = c.what == rest_call::op::user_exists ? c.user : c.group;
      auto respond = std::move(c.respond);
      auto* metrics = st.cfg.metrics;
      return presence_everywhere(self, q, [respond, metrics](wire::presence_answer a) {
        int s = a.found || !a.names.empty() ? 200 : 404;
        if (metrics) metrics->rest(s);
        if (respond) respond(status_only(s));
      });
    }
    default:  // the operations on one connection, above
      break;
  }
  if (st.cfg.metrics) st.cfg.metrics->rest(status);
  if (c.respond) c.respond(status_only(status));
}

caf::behavior gateway_behavior(gateway_pointer self, gateway_settings cfg) {
  self->state.cfg = std::move(cfg);
  publish_count(self);
  self->set_down_handler([self](caf::down_msg& dm) { drop_server(self, dm.source, "link lost"); });
  self->set_error_handler([](caf::error&) {});
  return {
      [=](g_hello_atom, const std::string& bytes) -> std::string { return on_handshake(self, bytes); },
      [=](gw_atom, std::string& bytes) { on_traffic(self, bytes); },
      [=](g_attach_atom, client_attach& a) {
        auto& st = self->state;
        if (!from_local(self)) return;
        if (a.server) {
          bool live = false;
          for (auto& [addr, rec] : st.servers)
            if (rec.slot == a.server) {
              rec.clients.insert(a.connection_id);
              live = true;
            }
          // Its app server left between placing the client and now: the client reconnects elsewhere.
          if (!live) a.conn->close(std::string("The app server hosting this connection went away."), true);
        }
        registry_of(self, a.hub).add(a.connection_id, a.user_id, endpoint{a.conn, caf::actor()});
        st.clients[a.connection_id] = client_rec{a.hub, a.conn, a.server};
      },
      [=](g_detach_atom, const std::string& hub, const std::string& id) {
        auto& st = self->state;
        if (!from_local(self)) return;
        auto i = st.clients.find(id);
        if (i == st.clients.end()) return;
        if (auto& s = i->second.server) {
          s->clients.fetch_sub(1);
          if (s->gauge) s->gauge->Decrement();
          for (auto& [addr, rec] : st.servers)
            if (rec.slot == s) rec.clients.erase(id);
        }
        st.clients.erase(i);
        if (auto h = st.hubs.find(hub); h != st.hubs.end()) h->second->remove(id);
      },
      [=](g_rest_atom, rest_call& c) {
        if (!from_local(self)) return;
        on_rest(self, c);
      },
      [=](g_peer_invoke_atom, std::string& bytes) -> caf::result<std::string> {
        if (!from_peer(self)) return std::string();
        auto m = gwire::decode(bytes);
        auto* inv = m ? std::get_if<gwire::client_invocation>(&*m) : nullptr;
        if (!inv) return std::string();
        // Making the promise takes the sender out of the message: every answer goes through it.
        auto rp = self->make_response_promise();
        relay origin;
        origin.peer = rp;
        if (!relay_here(self, *inv, std::move(origin)))
          rp.deliver(gwire::encode(no_such_connection(0, inv->invocation.connection_id)));
        return caf::delegated<std::string>();
      },
      [=](g_peer_credit_atom, const std::string& bytes) {
        auto* p = sender_peer(self);
        if (!p || p->failed) return;
        if (auto c = wire::decode_credit(bytes)) p->out.credit(c->sequence, transmitter(self, *p));
      },
      [=](g_peer_conn_atom, const std::string& bytes) -> std::string {
        if (!from_peer(self)) return {};
        auto m = gwire::decode(bytes);
        auto* op = m ? std::get_if<gwire::connection_op>(&*m) : nullptr;
        if (!op) return {};
        wire::presence_answer a;
        a.found = apply_connection_op(self, *op);
        return gwire::encode(gwire::presence_answer{0, std::move(a)});
      },
      [=](shutdown_atom) {
        if (!from_local(self)) return;
        self->quit(caf::exit_reason::user_shutdown);
      },
      // -- other gateways of the cluster (docs/hosted.md "Several gateways") --------------------------------------
      [=](cluster::peer_up_atom, cluster::peer_info& p) {
        if (!from_local(self) || !p.router) return;
        if (auto& s = self->current_sender()) self->state.node_actor = caf::actor_cast<caf::actor>(s);
        auto& rec = self->state.peers[p.name];
        rec = peer_rec{};  // a new incarnation starts a new channel
        rec.name = p.name;
        rec.incarnation = p.incarnation;
        rec.gateway = p.router;
        log::info("gateway: gateway '" + p.name + "' joined; " + std::to_string(self->state.peers.size() + 1) +
                  " gateway(s)");
      },
      [=](cluster::peer_down_atom, const std::string& name, std::uint64_t incarnation) {
        if (!from_local(self)) return;
        auto i = self->state.peers.find(name);
        if (i == self->state.peers.end() || i->second.incarnation != incarnation) return;
        self->state.peers.erase(i);
      },
      [=](g_peer_presence_atom, const std::string& bytes) -> std::string {
        if (!from_peer(self)) return {};
        auto m = gwire::decode(bytes);
        auto* q = m ? std::get_if<gwire::presence_query>(&*m) : nullptr;
        if (!q) return {};
        return gwire::encode(gwire::presence_answer{q->id, answer(self, *q)});
      },
      [=](g_peer_atom, std::uint64_t seq, const std::string& bytes) {
        auto* p = sender_peer(self);
        if (!p) return;
        auto taken = p->in.take(seq, bytes.size());
        if (!taken.fresh) return;  // a repeat
        if (taken.credit) self->send(p->gateway, g_peer_credit_atom::value, wire::encode(wire::credit{*taken.credit}));
        auto m = gwire::decode(bytes);
        auto* d = m ? std::get_if<gwire::hub_delivery>(&*m) : nullptr;
        if (!d) return;
        fan_out(self, *d);
      },
  };
}

}  // namespace

caf::actor spawn_gateway_actor(caf::actor_system& sys, gateway_settings settings) {
  return sys.spawn(gateway_behavior, std::move(settings));
}

}  // namespace actorhub::gateway
