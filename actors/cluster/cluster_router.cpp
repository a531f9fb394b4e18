// See cluster_router.hpp.
#include "actors/cluster/cluster_router.hpp"
#include "actors/cluster/client_result_wire.hpp"
#include "actors/cluster/credit_window.hpp"

#include <algorithm>
#include <chrono>
#include <deque>
#include <map>
#include <memory>
#include <set>
#include <unordered_map>
#include <vector>

#include <caf/send.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "actors/cluster/directory.hpp"
#include "actors/cluster/member_addresses.hpp"
#include "actors/cluster/session_moves.hpp"
#include "actors/cluster/session_transfer.hpp"
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
std::uint64_t now_ns() {
  return static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(clock_type::now().time_since_epoch()).count());
}

// One other node's router of this hub, and the bounded channel to it.
struct link {
  peer_info info;
  cluster_router_actor router;  // info.router, typed
  // Sending (the tag of a message: r_move, a step of a session's move, rather than r_deliver) and receiving.
  credit_window out;
  credit_receiver in;
  bool failed = false;

  explicit link(std::size_t window) : out(window) {}
};

struct router_state {
  router_settings cfg;
  routing::hub_registry registry;
  directory dir;
  std::vector<std::unique_ptr<link>> links;  // by peer_index; null when free
  std::map<caf::actor_addr, peer_index> by_router;  // the peer routers that may talk to this one
  std::unordered_map<std::string, peer_index> by_tag;
  // Directory snapshots that arrived from another node's router before this node admitted that node (admission
  // is not symmetric in time: the other side may admit first and send its snapshot at once). Applied when the
  // peer comes up; at most max_early_snapshots, the oldest dropped first.
  std::deque<std::pair<caf::actor_addr, std::string>> early_snapshots;
  // Sessions moving between nodes (session_moves.hpp).
  std::map<std::string, move_out> moved_out;  // by connection id: those that left this node
  std::map<std::string, move_in> moved_in;    // those that came to this node and whose move is not over
  std::unordered_map<std::string, std::string> moved_to;  // connection id -> tag of the node it lives on now
  // The drain's handoff request: answered once every move it started completed or failed.
  caf::typed_response_promise<std::uint64_t> handoff_rp;
  std::size_t handoff_pending = 0;
  std::uint64_t handoff_completed = 0;
  std::size_t next_target = 0;
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

// What the channel's window lets go to `l` now.
auto transmitter(router_pointer self, link& l) {
  return [self, &l](std::uint64_t seq, const std::string& bytes, bool move) {
    if (move)
      self->send(l.router, r_move_atom::value, seq, bytes);
    else
      self->send(l.router, r_deliver_atom::value, seq, bytes);
    count_out(self, backplane_kind::delivery, bytes.size());
  };
}

void fail_link(router_pointer self, link& l, const char* why) {
  if (l.failed) return;
  l.failed = true;
  l.out.drop_waiting();
  if (self->state.cfg.node_actor)
    caf::anon_send(self->state.cfg.node_actor, peer_fail_atom::value, l.info.name, l.info.incarnation, std::string(why));
}

// Deliveries and the steps of moves share the channel (and its sequence numbers), so they keep their order.
void deliver_to(router_pointer self, link& l, const std::shared_ptr<const std::string>& bytes, bool move = false) {
  if (!l.out.offer(bytes, move, transmitter(self, l)))
    fail_link(self, l, "it did not keep up with the deliveries of this node");
}

void send_move(router_pointer self, link& l, std::string bytes) {
  deliver_to(self, l, std::make_shared<const std::string>(std::move(bytes)), true);
}

void on_credit(router_pointer self, link& l, std::uint64_t seq) { l.out.credit(seq, transmitter(self, l)); }

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
  if (!self->state.moved_to.empty())
    if (auto m = self->state.moved_to.find(std::string(id)); m != self->state.moved_to.end()) tag = m->second;
  if (tag.empty() || tag == self->state.cfg.tag) return nullptr;
  auto i = self->state.by_tag.find(std::string(tag));
  if (i == self->state.by_tag.end()) return nullptr;
  auto& l = self->state.links[i->second];
  return l && !l->failed ? l.get() : nullptr;
}

void route_remote(router_pointer self, send_target& t, const encoded_ptr& msg);

link* link_named(router_pointer self, const std::string& name) {
  for (auto& l : self->state.links)
    if (l && !l->failed && l->info.name == name) return l.get();
  return nullptr;
}

// -- moving sessions (session_moves.hpp) ----------------------------------------------------------------------

// On A: the messages for sessions that left, from `origin` (a node name; this node's own for its clients) while
// that node still sends them here, go on to their new node, in order on the channel to it.
void forward_moved(router_pointer self, const std::string& origin, const send_target& t, const encoded_ptr& msg) {
  auto& st = self->state;
  for (auto& [id, m] : st.moved_out) {
    if (m.switched.count(origin) || !targets(t, id, m.user, m.groups)) continue;
    if (auto* l = link_named(self, m.to_name))
      deliver_to(self, *l, encode_delivery(wire::target_kind::connections, {id}, send_target{}, msg), true);
  }
}

// On B: what of a message from `origin` the sessions that came here must not get now: those it reaches through
// their old node are excluded from `local`, those that must wait for the old node's flush are excluded and held.
void admit_moved(router_pointer self, const std::string& origin, send_target& local, const encoded_ptr& msg) {
  auto& st = self->state;
  for (auto& [id, m] : st.moved_in) {
    if (!m.attached) continue;
    auto path = path_of(m, origin);
    if (path == move_path::direct) continue;
    if (path == move_path::held && targets(local, id, st.registry.user_of(id), st.registry.groups_of(id)))
      m.held[origin].push_back(msg);
    local.excluded.push_back(id);
  }
}

void send_to_session(router_pointer self, const std::string& id, const encoded_ptr& msg) {
  if (auto* e = self->state.registry.find(id)) e->conn->send(msg);
}

void release_held(router_pointer self, const std::string& id, move_in& m, const std::string& origin) {
  auto h = m.held.find(origin);
  if (h == m.held.end()) return;
  auto msgs = std::move(h->second);
  m.held.erase(h);
  for (auto& msg : msgs) send_to_session(self, id, msg);
}

void route(router_pointer self, send_target& t, const encoded_ptr& msg) {
  auto& st = self->state;
  if (!st.moved_out.empty()) forward_moved(self, st.cfg.node_name, t, msg);
  if (!st.moved_in.empty()) {
    // Only the local fan-out changes; the other nodes get the send as it is.
    send_target local = t;
    admit_moved(self, st.cfg.node_name, local, msg);
    if (t.what == send_target::kind::connections) {
      std::map<link*, std::vector<std::string>> remote;
      std::vector<std::string> here;
      for (auto& id : routing::unique(std::move(t.names))) {
        if (auto* l = owner_of(self, id))
          remote[l].push_back(std::move(id));
        else
          here.push_back(std::move(id));
      }
      local.names = std::move(here);
      if (!local.names.empty()) routing::fan_out(st.registry, local, msg);
      for (auto& [l, ids] : remote) deliver_to(self, *l, encode_delivery(wire::target_kind::connections, ids, t, msg));
      return;
    }
    routing::fan_out(st.registry, local, msg);
    return route_remote(self, t, msg);
  }
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
  route_remote(self, t, msg);
}

// A send to all, groups or users, to the other nodes that have targets.
void route_remote(router_pointer self, send_target& t, const encoded_ptr& msg) {
  auto& st = self->state;
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

// The channel's receiving side: false for a repeat; credits the sender now and then.
bool accept(router_pointer self, link& l, std::uint64_t seq, const std::string& bytes) {
  count_in(self, backplane_kind::delivery, bytes.size());
  auto t = l.in.take(seq, bytes.size());
  if (!t.fresh) return false;  // a repeat
  if (t.credit) {
    auto c = wire::encode(wire::credit{*t.credit});
    self->send(l.router, r_credit_atom::value, c);
    count_out(self, backplane_kind::credit, c.size());
  }
  return true;
}

encoded_ptr message_of(wire::delivery& d) {
  std::array<std::string, protocol_count> records;
  for (auto& p : d.payloads)
    if (auto* proto = find_protocol(p.protocol)) records[static_cast<std::size_t>(proto->kind())] = std::move(p.bytes);
  return std::make_shared<const encoded_message>(message_type::invocation, std::move(records));
}

void on_delivery(router_pointer self, link& l, std::uint64_t seq, const std::string& bytes) {
  if (!accept(self, l, seq, bytes)) return;
  auto d = wire::decode_delivery(bytes);
  if (!d || d->payloads.size() < protocol_count) {
    if (auto* m = metrics_of(self)) m->malformed();
    return;
  }
  auto msg = message_of(*d);
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
  auto& st = self->state;
  if (!st.moved_out.empty()) forward_moved(self, l.info.name, t, msg);
  if (!st.moved_in.empty()) admit_moved(self, l.info.name, t, msg);
  routing::fan_out(st.registry, t, msg);
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
  auto& st = self->state;
  auto edit = [&](std::vector<std::string>& groups) {
    auto i = std::find(groups.begin(), groups.end(), group);
    if (join && i == groups.end()) groups.push_back(group);
    if (!join && i != groups.end()) groups.erase(i);
  };
  if (auto o = st.moved_out.find(conn); o != st.moved_out.end()) {
    // It left: the change follows it (and the record here, which forwarding goes by).
    edit(o->second.groups);
    auto* l = link_named(self, o->second.to_name);
    if (!l) return done();
    auto bytes = wire::encode(wire::group_change{conn, group, join});
    count_out(self, backplane_kind::group, bytes.size());
    self->request(l->router, remote_timeout, r_group_atom::value, bytes)
        .then([done](ok_atom) { done(); }, [done](caf::error&) { done(); });
    return;
  }
  if (auto i = st.moved_in.find(conn); i != st.moved_in.end() && !i->second.attached) {
    edit(i->second.groups);  // applied when it attaches
    return done();
  }
  auto& reg = st.registry;
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

// -- moving sessions: the steps (session_moves.hpp) -------------------------------------------------------------

wire::move_marker marker(const std::string& id, wire::move_step step, const std::string& node) {
  return wire::move_marker{id, step, node};
}

// On A: a drain's handoff request is answered once every move it started completed or failed.
void handoff_finished(router_pointer self, bool completed) {
  auto& st = self->state;
  if (completed) ++st.handoff_completed;
  if (st.handoff_pending > 0 && --st.handoff_pending == 0 && st.handoff_rp.pending())
    st.handoff_rp.deliver(st.handoff_completed);
}

// On A: complete once B has it and every node that was a member then switched; then the client's socket closes,
// and its stateful reconnect finds the session on B (directly, or forwarded there by any node).
void check_moved_out(router_pointer self, const std::string& id) {
  auto& st = self->state;
  auto o = st.moved_out.find(id);
  if (o == st.moved_out.end()) return;
  auto& m = o->second;
  if (!m.imported || m.done) return;
  for (auto& n : m.expected)
    if (!m.switched.count(n) && link_named(self, n)) return;
  m.done = true;
  if (st.cfg.close_exported) st.cfg.close_exported(m.token);
  handoff_finished(self, true);
}

// On B: a session arrives from A (first on A's channel: before any message A forwards for it).
void on_handoff(router_pointer self, link& from, const wire::session_handoff& h) {
  auto& st = self->state;
  auto refuse = [&] {
    send_move(self, from, wire::encode(marker(h.connection_id, wire::move_step::refused, st.cfg.node_name)));
  };
  if (!st.cfg.import_session || st.moved_in.count(h.connection_id) || st.registry.contains(h.connection_id))
    return refuse();
  auto snap = cluster::from_wire(h, st.cfg.hub);
  if (!snap) return refuse();
  move_in m;
  m.from_name = from.info.name;
  m.user = h.user_id;
  m.groups = h.groups;
  st.moved_in[h.connection_id] = std::move(m);
  // Its connection actor attaches once the client endpoint resumed it (attach_moved); until then this node's own
  // sends to it still go through A.
  if (!st.cfg.import_session(std::move(*snap))) {
    st.moved_in.erase(h.connection_id);
    refuse();
  }
}

// On B: the connection actor of a session that came here registers: with its groups, announced to every node
// before A hears it was imported.
void attach_moved(router_pointer self, move_in& m, connection_entry& e, std::function<void()> done) {
  auto& st = self->state;
  auto& reg = st.registry;
  const auto id = e.connection_id;
  const bool new_user = !e.user_id.empty() && !reg.has_user(e.user_id);
  auto user = e.user_id;
  reg.add(id, e.user_id, endpoint{std::move(e.connection), std::move(e.actor)});
  std::vector<std::string> new_groups;
  for (auto& g : m.groups) {
    if (!reg.has_group(g)) new_groups.push_back(g);
    reg.join(id, g);
  }
  m.attached = true;
  m.switched.insert(st.cfg.node_name);  // this node's own sends reach it here from now on (held until flushed)
  st.moved_to[id] = st.cfg.tag;
  auto early = std::move(m.early);
  m.early.clear();
  for (auto& msg : early) send_to_session(self, id, msg);
  auto from = m.from_name;
  if (auto* a = link_named(self, from))
    send_move(self, *a, wire::encode(marker(id, wire::move_step::switched, st.cfg.node_name)));
  auto pending = std::make_shared<std::size_t>(1);
  auto step = std::make_shared<std::function<void()>>([self, pending, id, from, done]() {
    if (--*pending != 0) return;
    done();
    if (auto* a = link_named(self, from))
      send_move(self, *a, wire::encode(marker(id, wire::move_step::imported, self->state.cfg.node_name)));
  });
  if (new_user) {
    ++*pending;
    announce(self, directory::kind::user, user, true, [step] { (*step)(); });
  }
  for (auto& g : new_groups) {
    ++*pending;
    announce(self, directory::kind::group, g, true, [step] { (*step)(); });
  }
  (*step)();
}

// On every other node P: session X lives on B now. P switches: its messages for X go to B from here on, and its
// marker tells A (stop forwarding P's) and B (what follows from P is X's, once A's flush of P came).
void on_session_moved(router_pointer self, link& from, const wire::session_moved& mv) {
  auto& st = self->state;
  if (mv.connection_id.empty() || mv.to_tag.empty()) return;
  st.moved_to[mv.connection_id] = mv.to_tag;
  if (st.cfg.addresses && !mv.token.empty()) st.cfg.addresses->move(mv.token, mv.to_tag);
  if (mv.to_node == st.cfg.node_name) return;  // B switched when it attached
  auto bytes = wire::encode(marker(mv.connection_id, wire::move_step::switched, st.cfg.node_name));
  send_move(self, from, bytes);
  if (auto* b = link_named(self, mv.to_node)) send_move(self, *b, std::move(bytes));
}

void on_marker(router_pointer self, link& from, const wire::move_marker& mk) {
  auto& st = self->state;
  const auto& id = mk.connection_id;
  switch (mk.step) {
    case wire::move_step::imported: {  // on A, from B
      auto o = st.moved_out.find(id);
      if (o == st.moved_out.end() || o->second.to_name != from.info.name || o->second.imported) return;
      auto& m = o->second;
      m.imported = true;
      auto bytes = wire::encode(wire::session_moved{id, m.token, m.to_tag, m.to_name});
      for_each_link(self, [&](peer_index, link& l) {
        m.expected.insert(l.info.name);
        send_move(self, l, bytes);
      });
      st.moved_to[id] = m.to_tag;
      if (st.cfg.addresses) st.cfg.addresses->move(m.token, m.to_tag);
      return check_moved_out(self, id);
    }
    case wire::move_step::refused: {  // on A, from B: the session is lost (its client's reconnect fails)
      auto o = st.moved_out.find(id);
      if (o == st.moved_out.end() || o->second.to_name != from.info.name || o->second.imported) return;
      if (st.cfg.close_exported) st.cfg.close_exported(o->second.token);
      st.moved_out.erase(o);
      return handoff_finished(self, false);
    }
    case wire::move_step::switched: {
      if (mk.node != from.info.name) return;
      if (auto o = st.moved_out.find(id); o != st.moved_out.end()) {  // on A: relay after what it forwarded
        o->second.switched.insert(mk.node);
        if (auto* b = link_named(self, o->second.to_name))
          send_move(self, *b, wire::encode(marker(id, wire::move_step::flushed, mk.node)));
        return check_moved_out(self, id);
      }
      if (auto i = st.moved_in.find(id); i != st.moved_in.end()) i->second.switched.insert(mk.node);  // on B
      return;
    }
    case wire::move_step::flushed: {  // on B, from A
      auto i = st.moved_in.find(id);
      if (i == st.moved_in.end() || i->second.from_name != from.info.name) return;
      i->second.flushed.insert(mk.node);
      return release_held(self, id, i->second, mk.node);
    }
  }
}

// On B: a message A forwards for a session that came here.
void on_forward(router_pointer self, link& from, wire::delivery& d) {
  auto& st = self->state;
  if (d.kind != wire::target_kind::connections || d.names.size() != 1 || d.payloads.size() < protocol_count) {
    if (auto* m = metrics_of(self)) m->malformed();
    return;
  }
  const auto& id = d.names.front();
  auto msg = message_of(d);
  auto i = st.moved_in.find(id);
  if (i == st.moved_in.end()) return send_to_session(self, id, msg);  // its move is over: it lives here
  if (i->second.from_name != from.info.name) return;
  if (!i->second.attached) return i->second.early.push_back(std::move(msg));
  send_to_session(self, id, msg);
}

void on_move_step(router_pointer self, link& from, const std::string& bytes) {
  if (auto h = wire::decode_session_handoff(bytes)) return on_handoff(self, from, *h);
  if (auto mv = wire::decode_session_moved(bytes)) return on_session_moved(self, from, *mv);
  if (auto mk = wire::decode_move_marker(bytes)) return on_marker(self, from, *mk);
  if (auto d = wire::decode_delivery(bytes)) return on_forward(self, from, *d);
  if (auto* m = metrics_of(self)) m->malformed();
}

// A node is gone: the moves it was part of end as they are.
void end_moves_with(router_pointer self, const std::string& name) {
  auto& st = self->state;
  for (auto i = st.moved_in.begin(); i != st.moved_in.end();) {
    if (i->second.from_name != name) {
      ++i;
      continue;
    }
    // A is gone: nothing more comes through it; what waited goes out (each sender's in order).
    for (auto& [origin, msgs] : i->second.held)
      for (auto& msg : msgs) send_to_session(self, i->first, msg);
    i = st.moved_in.erase(i);
  }
  std::vector<std::string> check;
  for (auto o = st.moved_out.begin(); o != st.moved_out.end();) {
    if (o->second.to_name == name && !o->second.done) {
      o = st.moved_out.erase(o);  // B is gone with the session
      handoff_finished(self, false);
      continue;
    }
    check.push_back(o->first);
    ++o;
  }
  for (auto& id : check) check_moved_out(self, id);
}

// -- client results and presence --------------------------------------------------------------------------------

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
  auto l = std::make_unique<link>(st.cfg.window_bytes);
  l->info = std::move(p);
  l->router = caf::actor_cast<cluster_router_actor>(l->info.router);
  st.by_router[l->info.router.address()] = index;
  st.by_tag[l->info.tag] = index;
  auto snap = snapshot_of(st.registry);
  self->send(l->router, r_snap_atom::value, snap);
  count_out(self, backplane_kind::snapshot, snap.size());
  auto addr = l->info.router.address();
  st.links[index] = std::move(l);
  // Its snapshot may have come before this node admitted it: without it, its groups and users would stay unknown
  // here until they change (a group send from here would miss its members).
  for (auto i = st.early_snapshots.begin(); i != st.early_snapshots.end();) {
    if (i->first != addr) {
      ++i;
      continue;
    }
    if (auto s = wire::decode_directory_snapshot(i->second)) st.dir.replace(index, s->groups, s->users);
    i = st.early_snapshots.erase(i);
  }
}

void remove_peer(router_pointer self, const std::string& name, std::uint64_t incarnation) {
  auto& st = self->state;
  bool removed = false;
  for (peer_index i = 0; i < st.links.size(); ++i)
    if (auto& l = st.links[i]; l && l->info.name == name && (incarnation == 0 || l->info.incarnation == incarnation)) {
      st.dir.remove(i);
      st.by_router.erase(l->info.router.address());
      st.by_tag.erase(l->info.tag);
      l.reset();
      removed = true;
    }
  if (removed) end_moves_with(self, name);
}

cluster_router_actor::behavior_type router_behavior(router_pointer self, router_settings cfg) {
  self->state.cfg = std::move(cfg);
  // A remote failure must not stop the router: requests to dead peers fail through their error handlers.
  self->set_error_handler([](caf::scheduled_actor*, caf::error&) {});
  self->set_down_handler([](caf::scheduled_actor*, caf::down_msg&) {});
  return {
      // -- the local router interface ---------------------------------------------------------------------------
      [=](attach_atom, connection_entry& e) -> caf::result<ok_atom> {
        if (auto i = self->state.moved_in.find(e.connection_id);
            i != self->state.moved_in.end() && !i->second.attached) {
          auto rp = self->make_response_promise<ok_atom>();
          attach_moved(self, i->second, e, [rp]() mutable { rp.deliver(ok_atom::value); });
          return rp;
        }
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
        self->state.moved_in.erase(id);
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
        if (auto* l = self->state.moved_out.count(conn) ? nullptr : owner_of(self, conn)) {
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
                    rp.deliver(r ? client_result_from_wire(*r)
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
      [=](r_move_atom, std::uint64_t seq, const std::string& bytes) {
        if (auto* l = sender_link(self); l && accept(self, *l, seq, bytes)) on_move_step(self, *l, bytes);
      },
      // -- moving this node's sessions away (drain) -----------------------------------------------------------
      [=](handoff_atom, std::vector<std::string>& ids, std::vector<std::string>& tokens) -> caf::result<std::uint64_t> {
        auto& st = self->state;
        std::vector<link*> targets;
        for_each_link(self, [&](peer_index, link& l) { targets.push_back(&l); });
        if (targets.empty() || !st.cfg.export_session || ids.size() != tokens.size()) return std::uint64_t{0};
        auto rp = self->make_response_promise<std::uint64_t>();
        st.handoff_rp = rp;
        st.handoff_completed = 0;
        for (std::size_t i = 0; i < ids.size(); ++i) {
          auto& id = ids[i];
          if (!st.registry.contains(id) || st.moved_out.count(id)) continue;
          auto* l = targets[st.next_target++ % targets.size()];  // round robin over the other members
          move_out m;
          m.token = tokens[i];
          m.to_name = l->info.name;
          m.to_tag = l->info.tag;
          m.user = std::string(st.registry.user_of(id));
          m.groups = st.registry.groups_of(id);
          auto snap = st.cfg.export_session(tokens[i]);
          if (!snap) continue;
          // Out of the registry, but no "gone" announcements: the other nodes keep sending its groups' and user's
          // messages here until they switched, and they are forwarded.
          st.registry.remove(id);
          auto bytes = wire::encode(cluster::to_wire(*snap, m.groups));
          st.moved_out[id] = std::move(m);
          ++st.handoff_pending;
          send_move(self, *l, std::move(bytes));
        }
        if (st.handoff_pending == 0) rp.deliver(std::uint64_t{0});
        return rp;
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
        if (!l) {
          // From a router of a node not admitted yet (or never): kept for its admission, bounded.
          auto& s = self->current_sender();
          if (!s) return;
          constexpr std::size_t max_early_snapshots = 16;
          if (st.early_snapshots.size() >= max_early_snapshots) st.early_snapshots.pop_front();
          st.early_snapshots.emplace_back(caf::actor_cast<caf::actor_addr>(s), bytes);
          return;
        }
        count_in(self, backplane_kind::snapshot, bytes.size());
        if (auto s = wire::decode_directory_snapshot(bytes)) st.dir.replace(st.by_router.at(l->info.router.address()), s->groups, s->users);
      },
      [=](r_invoke_atom, const std::string& bytes) -> caf::result<std::string> {
        auto fail = [](client_result::status s, std::string text) {
          return wire::encode(client_result_to_wire(client_result::failure(s, std::move(text))));
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
            .then([rp](client_result& r) mutable { rp.deliver(wire::encode(client_result_to_wire(r))); },
                  [rp](caf::error&) mutable {
                    auto gone = client_result::failure(client_result::status::disconnected, "Connection disconnected.");
                    rp.deliver(wire::encode(client_result_to_wire(gone)));
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
