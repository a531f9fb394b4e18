// See cluster_router.hpp.
#include "actors/cluster/cluster_router.hpp"

#include <chrono>
#include <deque>
#include <map>
#include <memory>
#include <unordered_map>
#include <vector>

#include <caf/send.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "actors/cluster/directory.hpp"
#include "actors/routing/hub_registry.hpp"
#include "monitoring/cluster_metrics.hpp"
#include "net/hub_protocol.hpp"
#include "net/msgpack_value.hpp"
#include "schema/cluster_wire.hpp"

namespace actorhub::cluster {

namespace {

using routing::endpoint;
using clock_type = std::chrono::system_clock;
constexpr auto remote_timeout = std::chrono::seconds(10);
// The receiver acknowledges every this many deliveries (or when this many bytes arrived since its last credit).
constexpr std::uint64_t credit_every = 32;
constexpr std::size_t credit_bytes = 256 * 1024;

std::uint64_t now_ns() {
  return static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(clock_type::now().time_since_epoch()).count());
}

// One other node's router of this hub, and the bounded channel to it.
struct link {
  peer_info info;
  cluster_router_actor router;  // info.router, typed
  // Sending: deliveries not acknowledged yet, and those waiting for room in the window.
  std::uint64_t next_seq = 1;
  std::deque<std::pair<std::uint64_t, std::size_t>> unacked;
  std::size_t in_flight = 0;
  std::deque<std::pair<std::uint64_t, std::shared_ptr<const std::string>>> waiting;
  std::size_t waiting_bytes = 0;
  bool failed = false;
  // Receiving.
  std::uint64_t received = 0;
  std::uint64_t credited = 0;
  std::size_t bytes_since_credit = 0;
};

struct router_state {
  router_settings cfg;
  routing::hub_registry registry;
  directory dir;
  std::vector<std::unique_ptr<link>> links;  // by peer_index; null when free
  std::map<caf::actor_addr, peer_index> by_router;  // the peer routers that may talk to this one
  std::unordered_map<std::string, peer_index> by_tag;
  static inline const char* name = "actorhub.cluster_router";
};

using router_pointer = cluster_router_actor::stateful_pointer<router_state>;

cluster_metrics* metrics_of(router_pointer self) { return self->state.cfg.metrics; }

void count_out(router_pointer self, backplane_kind kind, std::size_t bytes) {
  if (auto* m = metrics_of(self)) m->sent(kind, bytes);
}
void count_in(router_pointer self, backplane_kind kind, std::size_t bytes) {
  if (auto* m = metrics_of(self)) m->received(kind, bytes);
}

// The admitted peer a remote message came from (by the router that sent it), or null: then it is dropped.
link* sender_link(router_pointer self) {
  auto& sender = self->current_sender();
  if (!sender) return nullptr;
  auto i = self->state.by_router.find(caf::actor_cast<caf::actor_addr>(sender));
  if (i == self->state.by_router.end()) return nullptr;
  auto& l = self->state.links[i->second];
  return l && !l->failed ? l.get() : nullptr;
}

template <class F>
void for_each_link(router_pointer self, F&& f) {
  for (peer_index i = 0; i < self->state.links.size(); ++i)
    if (auto& l = self->state.links[i]; l && !l->failed) f(i, *l);
}

// -- the bounded channel --------------------------------------------------------------------------------------

void transmit(router_pointer self, link& l, std::uint64_t seq, const std::string& bytes) {
  l.unacked.emplace_back(seq, bytes.size());
  l.in_flight += bytes.size();
  self->send(l.router, r_deliver_atom::value, seq, bytes);
  count_out(self, backplane_kind::delivery, bytes.size());
}

void fail_link(router_pointer self, link& l, const char* why) {
  if (l.failed) return;
  l.failed = true;
  l.waiting.clear();
  l.waiting_bytes = 0;
  if (self->state.cfg.node_actor)
    caf::anon_send(self->state.cfg.node_actor, peer_fail_atom::value, l.info.name, l.info.incarnation, std::string(why));
}

void deliver_to(router_pointer self, link& l, const std::shared_ptr<const std::string>& bytes) {
  auto seq = l.next_seq++;
  auto window = self->state.cfg.window_bytes;
  if (l.waiting.empty() && l.in_flight + bytes->size() <= window) return transmit(self, l, seq, *bytes);
  if (l.waiting_bytes + bytes->size() > window)
    return fail_link(self, l, "it did not keep up with the deliveries of this node");
  l.waiting.emplace_back(seq, bytes);
  l.waiting_bytes += bytes->size();
}

void on_credit(router_pointer self, link& l, std::uint64_t seq) {
  while (!l.unacked.empty() && l.unacked.front().first <= seq) {
    l.in_flight -= l.unacked.front().second;
    l.unacked.pop_front();
  }
  auto window = self->state.cfg.window_bytes;
  while (!l.waiting.empty() && l.in_flight + l.waiting.front().second->size() <= window) {
    auto [s, bytes] = std::move(l.waiting.front());
    l.waiting.pop_front();
    l.waiting_bytes -= bytes->size();
    transmit(self, l, s, *bytes);
  }
}

// -- sends ------------------------------------------------------------------------------------------------------

std::shared_ptr<const std::string> encode_delivery(wire::target_kind k, std::vector<std::string> names,
                                                   const send_target& t, const encoded_ptr& msg) {
  wire::delivery d;
  d.kind = k;
  d.names = std::move(names);
  d.excluded = t.excluded;
  d.payloads.push_back({"json", *msg->bytes(json_protocol())});
  d.payloads.push_back({"messagepack", *msg->bytes(messagepack_protocol())});
  d.sent_at_ns = now_ns();
  return std::make_shared<const std::string>(wire::encode(d));
}

wire::target_kind wire_kind(send_target::kind k) {
  switch (k) {
    case send_target::kind::all:
      return wire::target_kind::all;
    case send_target::kind::connections:
      return wire::target_kind::connections;
    case send_target::kind::users:
      return wire::target_kind::users;
    case send_target::kind::groups:
      return wire::target_kind::groups;
  }
  return wire::target_kind::all;
}

// The link of the node that owns connection `id`, or null for this node (or an unknown tag).
link* owner_of(router_pointer self, std::string_view id) {
  auto tag = tag_of(id);
  if (tag.empty() || tag == self->state.cfg.tag) return nullptr;
  auto i = self->state.by_tag.find(std::string(tag));
  if (i == self->state.by_tag.end()) return nullptr;
  auto& l = self->state.links[i->second];
  return l && !l->failed ? l.get() : nullptr;
}

void route(router_pointer self, send_target& t, const encoded_ptr& msg) {
  auto& st = self->state;
  if (t.what == send_target::kind::connections) {
    // Each id goes to the node its tag names: local ones here, the others grouped per node.
    std::map<link*, std::vector<std::string>> remote;
    send_target local{send_target::kind::connections, {}, t.excluded};
    for (auto& id : routing::unique(std::move(t.names))) {
      if (auto* l = owner_of(self, id))
        remote[l].push_back(std::move(id));
      else
        local.names.push_back(std::move(id));
    }
    if (!local.names.empty()) routing::fan_out(st.registry, local, msg);
    for (auto& [l, ids] : remote) deliver_to(self, *l, encode_delivery(wire::target_kind::connections, ids, t, msg));
    return;
  }
  routing::fan_out(st.registry, t, msg);
  std::vector<peer_index> peers;
  switch (t.what) {
    case send_target::kind::all:
      for_each_link(self, [&](peer_index i, link&) { peers.push_back(i); });
      break;
    case send_target::kind::groups:
      peers = st.dir.peers_for(directory::kind::group, t.names);
      break;
    case send_target::kind::users:
      peers = st.dir.peers_for(directory::kind::user, t.names);
      break;
    case send_target::kind::connections:
      break;
  }
  if (peers.empty()) return;
  auto bytes = encode_delivery(wire_kind(t.what), t.names, t, msg);  // once, for every node
  for (auto i : peers)
    if (auto& l = st.links[i]; l && !l->failed) deliver_to(self, *l, bytes);
}

void on_delivery(router_pointer self, link& l, std::uint64_t seq, const std::string& bytes) {
  count_in(self, backplane_kind::delivery, bytes.size());
  if (seq <= l.received) return;  // a repeat
  l.received = seq;
  l.bytes_since_credit += bytes.size();
  if (l.received - l.credited >= credit_every || l.bytes_since_credit >= credit_bytes) {
    l.credited = l.received;
    l.bytes_since_credit = 0;
    auto c = wire::encode(wire::credit{l.received});
    self->send(l.router, r_credit_atom::value, c);
    count_out(self, backplane_kind::credit, c.size());
  }
  auto d = wire::decode_delivery(bytes);
  if (!d || d->payloads.size() < protocol_count) {
    if (auto* m = metrics_of(self)) m->malformed();
    return;
  }
  std::array<std::string, protocol_count> records;
  for (auto& p : d->payloads)
    if (auto* proto = find_protocol(p.protocol)) records[static_cast<std::size_t>(proto->kind())] = std::move(p.bytes);
  auto msg = std::make_shared<const encoded_message>(message_type::invocation, std::move(records));
  send_target t;
  switch (d->kind) {
    case wire::target_kind::all:
      t.what = send_target::kind::all;
      break;
    case wire::target_kind::connections:
      t.what = send_target::kind::connections;
      break;
    case wire::target_kind::users:
      t.what = send_target::kind::users;
      break;
    case wire::target_kind::groups:
      t.what = send_target::kind::groups;
      break;
  }
  t.names = std::move(d->names);
  t.excluded = std::move(d->excluded);
  routing::fan_out(self->state.registry, t, msg);
  if (auto* m = metrics_of(self); m && d->sent_at_ns) {
    auto now = now_ns();
    if (now > d->sent_at_ns) m->delivery_latency(static_cast<double>(now - d->sent_at_ns) / 1e9);
  }
}

// -- the directory ----------------------------------------------------------------------------------------------

// Tells every other node that this one now has (or no longer has) `name`; `done` runs once all acknowledged.
void announce(router_pointer self, directory::kind k, const std::string& name, bool present,
              std::function<void()> done) {
  wire::directory_change c{k == directory::kind::group ? wire::directory_kind::group : wire::directory_kind::user,
                           name, present};
  auto bytes = wire::encode(c);
  auto pending = std::make_shared<std::size_t>(0);
  auto shared_done = std::make_shared<std::function<void()>>(std::move(done));
  for_each_link(self, [&](peer_index, link& l) {
    ++*pending;
    count_out(self, backplane_kind::directory, bytes.size());
    self->request(l.router, remote_timeout, r_dir_atom::value, bytes)
        .then(
            [pending, shared_done](ok_atom) {
              if (--*pending == 0 && *shared_done) (*shared_done)();
            },
            [pending, shared_done](caf::error&) {
              if (--*pending == 0 && *shared_done) (*shared_done)();
            });
  });
  if (*pending == 0 && *shared_done) (*shared_done)();
}

// Applies a membership change of a local connection; `done` runs once it is in effect everywhere.
void change_local(router_pointer self, bool join, const std::string& conn, const std::string& group,
                  std::function<void()> done) {
  auto& reg = self->state.registry;
  const bool had = reg.has_group(group);
  if (join ? !reg.join(conn, group) : !reg.leave(conn, group)) return done();
  const bool has = reg.has_group(group);
  if (had == has) return done();
  if (has) return announce(self, directory::kind::group, group, true, std::move(done));
  // Gone here: the others may stop sending; a delivery still on its way finds no member and does nothing.
  announce(self, directory::kind::group, group, false, nullptr);
  done();
}

std::string snapshot_of(const routing::hub_registry& reg) {
  return wire::encode(wire::directory_snapshot{reg.group_names(), reg.user_names()});
}

// -- client results and presence --------------------------------------------------------------------------------

wire::client_result to_wire(const client_result& r) {
  wire::client_result w;
  w.status = static_cast<wire::result_status>(r.code);
  if (r.ok()) write_msgpack(r.result, w.result);
  w.error = r.error;
  return w;
}

client_result from_wire(const wire::client_result& w) {
  client_result r;
  r.code = static_cast<client_result::status>(w.status);
  r.error = w.error;
  std::string err;
  if (r.ok() && !w.result.empty() && !parse_msgpack(w.result, r.result, err))
    return client_result::failure(client_result::status::error, "The client's result could not be read.");
  return r;
}

wire::presence_query to_wire(const presence_query& q) {
  return {static_cast<wire::presence_kind>(q.what), q.name};
}

// -- peers ------------------------------------------------------------------------------------------------------

void add_peer(router_pointer self, peer_info& p) {
  auto& st = self->state;
  // A new incarnation of a known name replaces the old one.
  for (peer_index i = 0; i < st.links.size(); ++i)
    if (auto& l = st.links[i]; l && l->info.name == p.name) {
      st.dir.remove(i);
      st.by_router.erase(l->info.router.address());
      st.by_tag.erase(l->info.tag);
      l.reset();
    }
  peer_index index = 0;
  while (index < st.links.size() && st.links[index]) ++index;
  if (index == st.links.size()) st.links.emplace_back();
  auto l = std::make_unique<link>();
  l->info = std::move(p);
  l->router = caf::actor_cast<cluster_router_actor>(l->info.router);
  st.by_router[l->info.router.address()] = index;
  st.by_tag[l->info.tag] = index;
  auto snap = snapshot_of(st.registry);
  self->send(l->router, r_snap_atom::value, snap);
  count_out(self, backplane_kind::snapshot, snap.size());
  st.links[index] = std::move(l);
}

void remove_peer(router_pointer self, const std::string& name, std::uint64_t incarnation) {
  auto& st = self->state;
  for (peer_index i = 0; i < st.links.size(); ++i)
    if (auto& l = st.links[i]; l && l->info.name == name && (incarnation == 0 || l->info.incarnation == incarnation)) {
      st.dir.remove(i);
      st.by_router.erase(l->info.router.address());
      st.by_tag.erase(l->info.tag);
      l.reset();
    }
}

cluster_router_actor::behavior_type router_behavior(router_pointer self, router_settings cfg) {
  self->state.cfg = std::move(cfg);
  // A remote failure must not stop the router: requests to dead peers fail through their error handlers.
  self->set_error_handler([](caf::scheduled_actor*, caf::error&) {});
  self->set_down_handler([](caf::scheduled_actor*, caf::down_msg&) {});
  return {
      // -- the local router interface ---------------------------------------------------------------------------
      [=](attach_atom, connection_entry& e) -> caf::result<ok_atom> {
        auto& reg = self->state.registry;
        const bool new_user = !e.user_id.empty() && !reg.has_user(e.user_id);
        auto user = e.user_id;
        reg.add(e.connection_id, e.user_id, endpoint{std::move(e.connection), std::move(e.actor)});
        if (!new_user) return ok_atom::value;
        auto rp = self->make_response_promise<ok_atom>();
        announce(self, directory::kind::user, user, true, [rp]() mutable { rp.deliver(ok_atom::value); });
        return rp;
      },
      [=](detach_atom, const std::string& id) {
        auto& reg = self->state.registry;
        auto user = std::string(reg.user_of(id));
        auto groups = reg.groups_of(id);
        if (!reg.remove(id)) return;
        for (auto& g : groups)
          if (!reg.has_group(g)) announce(self, directory::kind::group, g, false, nullptr);
        if (!user.empty() && !reg.has_user(user)) announce(self, directory::kind::user, user, false, nullptr);
      },
      [=](send_atom, send_target& t, const encoded_ptr& msg) {
        route(self, t, msg);
        return ok_atom::value;
      },
      [=](group_atom, bool join, std::string& conn, std::string& group) -> caf::result<ok_atom> {
        auto rp = self->make_response_promise<ok_atom>();
        if (auto* l = owner_of(self, conn)) {
          auto bytes = wire::encode(wire::group_change{conn, group, join});
          count_out(self, backplane_kind::group, bytes.size());
          self->request(l->router, remote_timeout, r_group_atom::value, bytes)
              .then([rp](ok_atom) mutable { rp.deliver(ok_atom::value); },
                    [rp](caf::error&) mutable { rp.deliver(ok_atom::value); });
          return rp;
        }
        change_local(self, join, conn, group, [rp]() mutable { rp.deliver(ok_atom::value); });
        return rp;
      },
      [=](invoke_atom, std::string& conn, client_invocation& inv) -> caf::result<client_result> {
        if (auto* l = owner_of(self, conn)) {
          wire::client_invocation w{conn, inv.target, {}, static_cast<std::uint32_t>(inv.timeout.count())};
          write_msgpack(value(inv.arguments), w.arguments);
          auto bytes = wire::encode(w);
          count_out(self, backplane_kind::invoke, bytes.size());
          auto rp = self->make_response_promise<client_result>();
          self->request(l->router, inv.timeout + std::chrono::seconds(2), r_invoke_atom::value, bytes)
              .then(
                  [rp](std::string& answer) mutable {
                    auto r = wire::decode_client_result(answer);
                    rp.deliver(r ? from_wire(*r)
                                 : client_result::failure(client_result::status::error, "Malformed client result."));
                  },
                  [rp](caf::error& e) mutable {
                    rp.deliver(e == caf::sec::request_timeout
                                   ? client_result::failure(client_result::status::timeout, "Client result timed out.")
                                   : client_result::failure(client_result::status::disconnected,
                                                            "The node holding the connection is gone."));
                  });
          return rp;
        }
        auto* e = self->state.registry.find(conn);
        if (!e)
          return client_result::failure(client_result::status::no_connection,
                                        "Connection '" + conn + "' does not exist.");
        auto rp = self->make_response_promise<client_result>();
        return rp.delegate(e->actor, invoke_atom::value, std::move(inv));
      },
      [=](presence_atom, presence_query& q) -> caf::result<presence_result> {
        auto local = routing::answer_locally(self->state.registry, q);
        std::vector<link*> peers;
        for_each_link(self, [&](peer_index, link& l) { peers.push_back(&l); });
        if (peers.empty()) return local;
        auto rp = self->make_response_promise<presence_result>();
        auto acc = std::make_shared<presence_result>(std::move(local));
        auto pending = std::make_shared<std::size_t>(peers.size());
        auto bytes = wire::encode(to_wire(q));
        for (auto* l : peers) {
          count_out(self, backplane_kind::presence, bytes.size());
          self->request(l->router, remote_timeout, r_presence_atom::value, bytes)
              .then(
                  [rp, acc, pending](std::string& answer) mutable {
                    if (auto a = wire::decode_presence_answer(answer))
                      routing::merge(*acc, presence_result{std::move(a->names), a->count, a->found});
                    if (--*pending == 0) rp.deliver(std::move(*acc));
                  },
                  [rp, acc, pending](caf::error&) mutable {
                    if (--*pending == 0) rp.deliver(std::move(*acc));
                  });
        }
        return rp;
      },
      [=](stats_atom) {
        auto& reg = self->state.registry;
        return router_stats{reg.size(), reg.user_count(), reg.group_count()};
      },
      [=](shutdown_atom) {
        self->state.registry.for_each([](std::string_view, const endpoint& e) {
          e.conn->close(std::nullopt, true);
          caf::anon_send(e.actor, closed_atom::value, false, std::string());
        });
        self->quit(caf::exit_reason::user_shutdown);
      },
      // -- from the node actor ------------------------------------------------------------------------------------
      [=](peer_up_atom, peer_info& p) {
        if (self->current_sender() && self->current_sender()->node() != self->node()) return;
        add_peer(self, p);
      },
      [=](peer_down_atom, const std::string& name, std::uint64_t incarnation) {
        if (self->current_sender() && self->current_sender()->node() != self->node()) return;
        remove_peer(self, name, incarnation);
      },
      // -- from other nodes' routers ------------------------------------------------------------------------------
      [=](r_deliver_atom, std::uint64_t seq, const std::string& bytes) {
        if (auto* l = sender_link(self)) on_delivery(self, *l, seq, bytes);
      },
      [=](r_credit_atom, const std::string& bytes) {
        auto* l = sender_link(self);
        if (!l) return;
        count_in(self, backplane_kind::credit, bytes.size());
        if (auto c = wire::decode_credit(bytes)) on_credit(self, *l, c->sequence);
      },
      [=](r_group_atom, const std::string& bytes) -> caf::result<ok_atom> {
        if (!sender_link(self)) return ok_atom::value;
        count_in(self, backplane_kind::group, bytes.size());
        auto c = wire::decode_group_change(bytes);
        if (!c) return ok_atom::value;
        auto rp = self->make_response_promise<ok_atom>();
        change_local(self, c->join, c->connection_id, c->group, [rp]() mutable { rp.deliver(ok_atom::value); });
        return rp;
      },
      [=](r_dir_atom, const std::string& bytes) {
        auto& st = self->state;
        if (auto* l = sender_link(self)) {
          count_in(self, backplane_kind::directory, bytes.size());
          if (auto c = wire::decode_directory_change(bytes)) {
            auto i = st.by_router.at(l->info.router.address());
            st.dir.set(c->kind == wire::directory_kind::group ? directory::kind::group : directory::kind::user,
                       c->name, i, c->present);
          }
        }
        return ok_atom::value;
      },
      [=](r_snap_atom, const std::string& bytes) {
        auto& st = self->state;
        auto* l = sender_link(self);
        if (!l) return;
        count_in(self, backplane_kind::snapshot, bytes.size());
        if (auto s = wire::decode_directory_snapshot(bytes)) st.dir.replace(st.by_router.at(l->info.router.address()), s->groups, s->users);
      },
      [=](r_invoke_atom, const std::string& bytes) -> caf::result<std::string> {
        auto fail = [](client_result::status s, std::string text) {
          return wire::encode(to_wire(client_result::failure(s, std::move(text))));
        };
        if (!sender_link(self)) return fail(client_result::status::disconnected, "Not a member.");
        count_in(self, backplane_kind::invoke, bytes.size());
        auto w = wire::decode_client_invocation(bytes);
        if (!w) return fail(client_result::status::error, "Malformed client invocation.");
        value args;
        std::string err;
        if (!parse_msgpack(w->arguments, args, err) || !args.if_array())
          return fail(client_result::status::error, "Malformed client invocation.");
        auto* e = self->state.registry.find(w->connection_id);
        if (!e) return fail(client_result::status::no_connection, "Connection '" + w->connection_id + "' does not exist.");
        client_invocation inv{w->target, *args.if_array(), std::chrono::milliseconds(w->timeout_ms)};
        auto rp = self->make_response_promise<std::string>();
        self->request(e->actor, inv.timeout + std::chrono::seconds(1), invoke_atom::value, std::move(inv))
            .then([rp](client_result& r) mutable { rp.deliver(wire::encode(to_wire(r))); },
                  [rp](caf::error&) mutable {
                    rp.deliver(wire::encode(to_wire(client_result::failure(client_result::status::disconnected,
                                                                           "Connection disconnected."))));
                  });
        return rp;
      },
      [=](r_presence_atom, const std::string& bytes) {
        if (!sender_link(self)) return wire::encode(wire::presence_answer{});
        count_in(self, backplane_kind::presence, bytes.size());
        auto q = wire::decode_presence_query(bytes);
        if (!q) return wire::encode(wire::presence_answer{});
        auto r = routing::answer_locally(self->state.registry,
                                         presence_query{static_cast<presence_query::kind>(q->kind), q->name});
        return wire::encode(wire::presence_answer{std::move(r.names), r.count, r.found});
      },
  };
}

}  // namespace

std::string_view tag_of(std::string_view connection_id) noexcept {
  auto dot = connection_id.find('.');
  return dot == std::string_view::npos ? std::string_view{} : connection_id.substr(0, dot);
}

cluster_router_actor spawn_cluster_router(caf::actor_system& sys, router_settings settings) {
  return sys.spawn(router_behavior, std::move(settings));
}

}  // namespace actorhub::cluster
