// See app_link.hpp.
#include "actors/gateway/app_link.hpp"

#include <unordered_map>

#include <caf/actor_cast.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/io/middleman.hpp>
#include <caf/openssl/manager.hpp>
#include <caf/send.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "actors/cluster/key_proof.hpp"
#include "actors/cluster/client_result_wire.hpp"
#include "actors/gateway/gateway_actor.hpp"
#include "actors/gateway/link.hpp"
#include "actors/hub_host.hpp"
#include "monitoring/log.hpp"
#include "net/json_value.hpp"
#include "net/msgpack_value.hpp"
#include "schema/gateway_wire.hpp"

namespace actorhub::gateway {

namespace {

std::string lower(std::string s) {
  for (auto& c : s)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return s;
}

// -- the proxy connection ----------------------------------------------------------------------------------------

class proxy_connection final : public hub_connection {
 public:
  proxy_connection(connection_info info, const hub_protocol& protocol, caf::actor link)
      : info_(std::move(info)), protocol_(protocol), link_(std::move(link)) {}

  const connection_info& info() const noexcept override { return info_; }
  const hub_protocol& protocol() const noexcept override { return protocol_; }

  bool send(const encoded_ptr& msg) override {
    if (closed_.load(std::memory_order_acquire)) return false;
    if (msg->type() == message_type::completion) inflight_.fetch_sub(1, std::memory_order_relaxed);
    gwire::connection_data d;
    d.connection_id = info_.connection_id;
    d.bytes = *msg->bytes(protocol_);
    d.message_type = static_cast<std::uint8_t>(msg->type());
    caf::anon_send(link_, out_atom::value, gwire::encode(d));
    return true;
  }

  void close(std::optional<std::string> error, bool allow_reconnect) override {
    if (closed_.exchange(true)) return;
    gwire::close_connection c;
    c.connection_id = info_.connection_id;
    c.has_error = error.has_value();
    c.error = error.value_or(std::string());
    c.allow_reconnect = allow_reconnect;
    caf::anon_send(link_, out_atom::value, gwire::encode(c));
  }

  // The client is gone (the gateway said so, or the link was lost): nothing more goes to the gateway.
  void gone() { closed_.store(true, std::memory_order_release); }
  // Closed by the link actor itself (drain), which sends the close: true when it was open.
  bool mark_closed() { return !closed_.exchange(true); }

  std::atomic<std::int64_t>& inflight() { return inflight_; }

 private:
  connection_info info_;
  const hub_protocol& protocol_;
  caf::actor link_;  // everything goes through the link actor: one ordered, coalescing outbox (link.hpp)
  std::atomic<bool> closed_{false};
  std::atomic<std::int64_t> inflight_{0};  // invocations received minus Completions sent (drain waits for 0)
};

// -- the link actor ----------------------------------------------------------------------------------------------

struct hosted {
  std::shared_ptr<proxy_connection> conn;
  std::unique_ptr<hub_inbound> inbound;
  caf::actor actor;  // the connection actor (from its attach), for client results the gateway asks
};

struct link_state {
  link_settings cfg;
  bool dialing = false;
  bool stopping = false;
  std::chrono::milliseconds backoff{0};
  std::size_t attempts = 0;  // dials so far: which of cfg.gateways the next one tries
  std::unordered_map<std::string, hosted> conns;
  outbox box;  // what goes to the gateway, coalesced
  std::uint64_t next_id = 1;
  std::map<std::uint64_t, caf::response_promise> acks;        // group changes -> ok_atom
  std::map<std::uint64_t, caf::response_promise> results;     // client results -> client_result
  std::map<std::uint64_t, caf::response_promise> presences;   // presence -> presence_result
  static inline const char* name = "actorhub.gateway_link";
};

using link_pointer = caf::stateful_actor<link_state>*;

link_status& status_of(link_pointer self) { return *self->state.cfg.shared->links[self->state.cfg.index]; }

bool linked(link_pointer self) { return status_of(self).linked.load(); }

caf::actor gateway_of(link_pointer self) { return status_of(self).current_gateway(); }

void flush(link_pointer self) {
  auto& box = self->state.box;
  if (box.empty()) return;
  auto bytes = box.take();
  if (auto gw = gateway_of(self)) self->send(gw, gw_atom::value, std::move(bytes));
}

// Queued behind what is already queued (records, deliveries, closes of every connection): one ordered link.
void to_gateway(link_pointer self, std::string bytes) {
  if (!linked(self)) return;
  if (self->state.box.add(std::move(bytes))) self->send(self, flush_atom::value);
  else if (self->state.box.full()) flush(self);
}

void schedule_dial(link_pointer self) {
  auto& st = self->state;
  if (st.stopping) return;
  st.backoff = st.backoff.count() == 0 ? st.cfg.retry : std::min(st.backoff * 2, st.cfg.max_retry);
  self->delayed_send(self, st.backoff, l_dial_atom::value);
}

// The link is gone: every client this server hosted is gone with it (the gateway closes them with
// allowReconnect), and every request waiting for the gateway ends.
void link_down(link_pointer self, const std::string& why) {
  auto& st = self->state;
  auto& sh = *st.cfg.shared;
  auto& me = status_of(self);
  bool was = me.linked.exchange(false);
  {
    std::lock_guard<std::mutex> lk(me.mu);
    me.gateway = caf::actor();
  }
  st.box.clear();
  auto conns = std::move(st.conns);
  st.conns.clear();
  for (auto& [id, h] : conns) {
    sh.drop_owner(id);
    h.conn->gone();
    h.inbound->on_closed(std::string("The gateway link was lost."));
  }
  for (auto& [id, rp] : st.acks) rp.deliver(ok_atom::value);
  st.acks.clear();
  for (auto& [id, rp] : st.results)
    rp.deliver(client_result::failure(client_result::status::disconnected, "The gateway link was lost."));
  st.results.clear();
  for (auto& [id, rp] : st.presences) rp.deliver(presence_result{});
  st.presences.clear();
  if (was) log::warning("app server: lost gateway link " + std::to_string(st.cfg.index) + " (" + why + "); re-dialling");
  schedule_dial(self);
}

void register_hubs(link_pointer self) {
  gwire::register_hubs r;
  if (self->state.cfg.hosts)
    for (auto& [name, host] : *self->state.cfg.hosts) r.hubs.push_back(lower(name));
  to_gateway(self, gwire::encode(r));
}

void dial(link_pointer self) {
  auto& st = self->state;
  if (st.dialing || linked(self) || st.stopping) return;
  st.dialing = true;
  if (!st.cfg.gateways.empty()) st.cfg.gateway = st.cfg.gateways[st.attempts++ % st.cfg.gateways.size()];
  auto fail = [self](const std::string& why) {
    self->state.dialing = false;
    log::once("gateway-dial-" + why, "app server: cannot link to the gateway at " + self->state.cfg.gateway.text() +
                                         " (" + why + "); retrying");
    schedule_dial(self);
  };
  auto mm = st.cfg.tls ? self->system().openssl_manager().actor_handle() : self->system().middleman().actor_handle();
  self->request(mm, std::chrono::seconds(5), caf::connect_atom::value, st.cfg.gateway.host, st.cfg.gateway.port)
      .then(
          [=](const caf::node_id&, caf::strong_actor_ptr& ptr, std::set<std::string>&) {
            if (!ptr) return fail("nothing published there");
            auto gw = caf::actor_cast<caf::actor>(ptr);
            auto& cfg = self->state.cfg;
            auto my_nonce = cluster::nonce();
            gwire::server_hello hello{cfg.server_id, cfg.name, my_nonce, 1, static_cast<std::uint32_t>(cfg.index)};
            self->request(gw, std::chrono::seconds(5), g_hello_atom::value, gwire::encode(hello))
                .then(
                    [=](std::string& bytes) {
                      auto& cfg = self->state.cfg;
                      auto m = gwire::decode(bytes);
                      auto* ch = m ? std::get_if<gwire::server_challenge>(&*m) : nullptr;
                      if (!ch ||
                          !cluster::same_proof(cluster::key_proof(cfg.key, {challenge_label, my_nonce, ch->nonce,
                                                                            cfg.server_id}),
                                               ch->proof))
                        return fail("the gateway did not prove the access key");
                      auto proof = cluster::key_proof(cfg.key, {proof_label, ch->nonce, my_nonce, cfg.server_id});
                      self->request(gw, std::chrono::seconds(5), g_hello_atom::value,
                                    gwire::encode(gwire::server_proof{proof}))
                          .then(
                              [=](std::string& bytes) {
                                auto m = gwire::decode(bytes);
                                auto* a = m ? std::get_if<gwire::admitted>(&*m) : nullptr;
                                if (!a) return fail("the gateway refused this server: a wrong --access-key?");
                                auto& st = self->state;
                                auto& sh = *st.cfg.shared;
                                auto& me = status_of(self);
                                {
                                  std::lock_guard<std::mutex> lk(sh.mu);
                                  sh.client_base = a->client_url;
                                }
                                {
                                  std::lock_guard<std::mutex> lk(me.mu);
                                  me.gateway = gw;
                                }
                                me.linked = true;
                                st.dialing = false;
                                st.backoff = std::chrono::milliseconds(0);
                                self->monitor(gw);
                                register_hubs(self);
                                if (sh.draining) to_gateway(self, gwire::encode(gwire::draining{st.cfg.server_id}));
                                log::info("app server: link " + std::to_string(st.cfg.index) +
                                          " to the gateway at " + st.cfg.gateway.text() + " is up");
                              },
                              [=](caf::error&) { fail("handshake timed out"); });
                    },
                    [=](caf::error&) { fail("handshake timed out"); });
          },
          [=](caf::error&) { fail("unreachable"); });
}

connection_info info_of(gwire::open_connection& o) {
  connection_info info;
  info.connection_id = std::move(o.connection_id);
  info.hub = o.hub;
  info.transport = std::move(o.transport);
  info.protocol = std::move(o.protocol);
  info.user_id = std::move(o.user_id);
  value claims;
  std::string err;
  if (!o.claims.empty() && parse_json(o.claims, claims, err))
    if (auto* obj = claims.if_object()) info.claims = std::move(*obj);
  info.headers = std::move(o.headers);
  info.query = std::move(o.query);
  info.cookies = std::move(o.cookies);
  return info;
}

void open(link_pointer self, gwire::open_connection& o) {
  auto& st = self->state;
  auto close_at_gateway = [&](const std::string& why) {
    to_gateway(self, gwire::encode(gwire::close_connection{o.connection_id, true, why, true}));
  };
  if (!st.cfg.hosts) return close_at_gateway("This app server runs no hubs.");
  auto h = st.cfg.hosts->begin();
  for (; h != st.cfg.hosts->end(); ++h)
    if (lower(h->first) == o.hub) break;
  if (h == st.cfg.hosts->end()) return close_at_gateway("This app server does not run hub '" + o.hub + "'.");
  const hub_protocol* p = find_protocol(o.protocol);
  if (!p) return close_at_gateway("Unknown protocol.");
  auto id = o.connection_id;
  auto conn = std::make_shared<proxy_connection>(info_of(o), *p, caf::actor_cast<caf::actor>(self));
  st.cfg.shared->set_owner(id, st.cfg.index);  // before connect: the connection's attach asks for it
  auto inbound = h->second->connect(conn);
  st.conns[id] = hosted{std::move(conn), std::move(inbound), caf::actor()};
}

void data(link_pointer self, gwire::connection_data& d) {
  auto i = self->state.conns.find(d.connection_id);
  if (i == self->state.conns.end()) return;
  std::vector<hub_message> batch;
  std::string_view in(d.bytes);
  auto status = messagepack_protocol().parse(in, batch, std::max<std::size_t>(self->state.cfg.max_message_size, 1u << 24));
  if (!status || !in.empty()) return;  // the gateway wrote it: never happens
  for (auto& m : batch) {
    if (auto* inv = std::get_if<invocation_message>(&m); inv && inv->invocation_id)
      i->second.conn->inflight().fetch_add(1, std::memory_order_relaxed);
    else if (std::holds_alternative<stream_invocation_message>(m))
      i->second.conn->inflight().fetch_add(1, std::memory_order_relaxed);
  }
  i->second.inbound->on_messages(std::move(batch));
}

void closed(link_pointer self, const gwire::close_connection& c) {
  auto i = self->state.conns.find(c.connection_id);
  if (i == self->state.conns.end()) return;
  auto h = std::move(i->second);
  self->state.conns.erase(i);
  self->state.cfg.shared->drop_owner(c.connection_id);
  h.conn->gone();
  h.inbound->on_closed(c.has_error ? std::optional<std::string>(c.error) : std::nullopt);
}

void asked_result(link_pointer self, gwire::client_invocation& inv) {
  auto id = inv.id;
  auto fail = [&](client_result::status s, std::string text) {
    auto failed = cluster::client_result_to_wire(client_result::failure(s, std::move(text)));
    to_gateway(self, gwire::encode(gwire::client_result{id, std::move(failed)}));
  };
  auto i = self->state.conns.find(inv.invocation.connection_id);
  if (i == self->state.conns.end() || !i->second.actor)
    return fail(client_result::status::no_connection,
                "Connection '" + inv.invocation.connection_id + "' does not exist.");
  value args;
  std::string err;
  if (!parse_msgpack(inv.invocation.arguments, args, err) || !args.if_array())
    return fail(client_result::status::error, "Malformed client invocation.");
  client_invocation ci{inv.invocation.target, std::move(*args.if_array()),
                       std::chrono::milliseconds(inv.invocation.timeout_ms)};
  self->request(i->second.actor, caf::infinite, invoke_atom::value, std::move(ci))
      .then(
          [self, id](client_result& r) {
            to_gateway(self, gwire::encode(gwire::client_result{id, cluster::client_result_to_wire(r)}));
          },
          [self, id](caf::error&) {
            auto closed = client_result::failure(client_result::status::disconnected, "The connection closed.");
            to_gateway(self, gwire::encode(gwire::client_result{id, cluster::client_result_to_wire(closed)}));
          });
}

void dispatch(link_pointer self, std::string& bytes, bool nested);

void from_gateway(link_pointer self, std::string& bytes) {
  auto& sender = self->current_sender();
  auto gw = gateway_of(self);
  if (!sender || !gw || sender != caf::actor_cast<caf::strong_actor_ptr>(gw)) return;
  dispatch(self, bytes, false);
}

void dispatch(link_pointer self, std::string& bytes, bool nested) {
  auto m = gwire::decode(bytes);
  if (!m) return;
  if (auto* b = std::get_if<gwire::batch>(&*m)) {
    if (!nested)
      for (auto& inner : b->messages) dispatch(self, inner, true);
    return;
  }
  auto& st = self->state;
  if (auto* d = std::get_if<gwire::connection_data>(&*m)) return data(self, *d);
  if (auto* o = std::get_if<gwire::open_connection>(&*m)) return open(self, *o);
  if (auto* c = std::get_if<gwire::close_connection>(&*m)) return closed(self, *c);
  if (auto* a = std::get_if<gwire::ack>(&*m)) {
    if (auto i = st.acks.find(a->ack_id); i != st.acks.end()) {
      i->second.deliver(ok_atom::value);
      st.acks.erase(i);
    }
    return;
  }
  if (auto* inv = std::get_if<gwire::client_invocation>(&*m)) return asked_result(self, *inv);
  if (auto* r = std::get_if<gwire::client_result>(&*m)) {
    if (auto i = st.results.find(r->id); i != st.results.end()) {
      i->second.deliver(cluster::client_result_from_wire(r->result));
      st.results.erase(i);
    }
    return;
  }
  if (auto* p = std::get_if<gwire::presence_answer>(&*m)) {
    if (auto i = st.presences.find(p->id); i != st.presences.end()) {
      presence_result out;
      out.names = std::move(p->answer.names);
      out.count = p->answer.count;
      out.found = p->answer.found;
      i->second.deliver(std::move(out));
      st.presences.erase(i);
    }
  }
}

caf::behavior link_behavior(link_pointer self, link_settings cfg) {
  self->state.cfg = std::move(cfg);
  self->set_down_handler([self](caf::down_msg& dm) {
    auto gw = gateway_of(self);
    if (gw && dm.source == gw.address()) link_down(self, "unreachable");
  });
  self->set_error_handler([](caf::error&) {});
  return {
      [=](l_dial_atom) { dial(self); },
      [=](gw_atom, std::string& bytes) { from_gateway(self, bytes); },
      [=](out_atom, std::string& bytes) { to_gateway(self, std::move(bytes)); },
      [=](flush_atom) { flush(self); },
      [=](attach_atom, const std::string& id, const caf::actor& actor) {
        if (auto i = self->state.conns.find(id); i != self->state.conns.end()) i->second.actor = actor;
      },
      [=](group_atom, const std::string& hub, bool join, std::string& conn, std::string& group) -> caf::result<ok_atom> {
        if (!linked(self)) return ok_atom::value;
        auto id = self->state.next_id++;
        auto rp = self->make_response_promise();
        self->state.acks[id] = rp;
        to_gateway(self, gwire::encode(gwire::group_change{id, hub, std::move(conn), std::move(group), join}));
        return caf::delegated<ok_atom>();
      },
      [=](invoke_atom, const std::string& hub, std::string& conn,
          client_invocation& inv) -> caf::result<client_result> {
        if (!linked(self))
          return client_result::failure(client_result::status::disconnected, "The gateway link is down.");
        auto id = self->state.next_id++;
        gwire::client_invocation out;
        out.id = id;
        out.hub = hub;
        out.invocation.connection_id = std::move(conn);
        out.invocation.target = inv.target;
        write_msgpack(value(inv.arguments), out.invocation.arguments);
        out.invocation.timeout_ms = static_cast<std::uint32_t>(inv.timeout.count());
        auto rp = self->make_response_promise();
        self->state.results[id] = rp;
        to_gateway(self, gwire::encode(out));
        // The client's own timeout runs at the hosting app server; this one covers a gateway that never answers.
        self->delayed_send(self, inv.timeout + std::chrono::seconds(5), expire_atom::value, id);
        return caf::delegated<client_result>();
      },
      [=](expire_atom, std::uint64_t id) {
        auto& r = self->state.results;
        if (auto i = r.find(id); i != r.end()) {
          i->second.deliver(client_result::failure(client_result::status::timeout, "Client result timed out."));
          r.erase(i);
        }
      },
      [=](presence_atom, const std::string& hub, const presence_query& q) -> caf::result<presence_result> {
        if (!linked(self)) return presence_result{};
        auto id = self->state.next_id++;
        auto rp = self->make_response_promise();
        self->state.presences[id] = rp;
        to_gateway(self, gwire::encode(gwire::presence_query{
                             id, hub, wire::presence_query{static_cast<wire::presence_kind>(q.what), q.name}}));
        return caf::delegated<presence_result>();
      },
      [=](l_drain_atom) {
        self->state.cfg.shared->draining = true;
        to_gateway(self, gwire::encode(gwire::draining{self->state.cfg.server_id}));
      },
      [=](l_inflight_atom) {
        std::int64_t n = 0;
        for (auto& [id, h] : self->state.conns) n += std::max<std::int64_t>(0, h.conn->inflight().load());
        return n;
      },
      [=](l_close_atom) -> caf::result<ok_atom> {
        auto& st = self->state;
        st.stopping = true;
        for (auto& [id, h] : st.conns)
          if (h.conn->mark_closed()) to_gateway(self, gwire::encode(gwire::close_connection{id, false, {}, true}));
        flush(self);
        auto gw = gateway_of(self);
        if (!gw) return ok_atom::value;
        // Answered once the gateway processed everything sent before it (one ordered link).
        auto rp = self->make_response_promise();
        self->request(gw, std::chrono::seconds(1), g_hello_atom::value, std::string())
            .then([rp](std::string&) mutable { rp.deliver(ok_atom::value); },
                  [rp](caf::error&) mutable { rp.deliver(ok_atom::value); });
        return caf::delegated<ok_atom>();
      },
      [=](shutdown_atom) {
        self->state.stopping = true;
        self->quit(caf::exit_reason::user_shutdown);
      },
  };
}

// -- the proxy router --------------------------------------------------------------------------------------------

struct proxy_state {
  std::string hub;
  std::shared_ptr<link_shared> shared;
  // The link of each attached connection actor (by its address, the sender of its requests), and the address
  // by connection id (for detach).
  std::unordered_map<caf::actor_addr, caf::actor> link_of;
  std::unordered_map<std::string, caf::actor_addr> by_id;
  static inline const char* name = "actorhub.gateway_proxy_router";
};

using proxy_pointer = router_actor::stateful_pointer<proxy_state>;

// The link a request goes over: the requesting connection's own link (its records travel there, so what it
// causes stays in order with what it writes), else the first link that is up.
caf::actor link_for(proxy_pointer self) {
  auto& st = self->state;
  if (auto& s = self->current_sender()) {
    if (auto i = st.link_of.find(caf::actor_cast<caf::actor_addr>(s)); i != st.link_of.end()) return i->second;
  }
  return st.shared->any_link();
}

wire::target_kind kind_of(send_target::kind k) {
  switch (k) {
    case send_target::kind::all: return wire::target_kind::all;
    case send_target::kind::connections: return wire::target_kind::connections;
    case send_target::kind::users: return wire::target_kind::users;
    case send_target::kind::groups: return wire::target_kind::groups;
  }
  return wire::target_kind::all;
}

router_actor::behavior_type proxy_behavior(proxy_pointer self, std::string hub, std::shared_ptr<link_shared> shared) {
  self->state.hub = std::move(hub);
  self->state.shared = std::move(shared);
  return {
      [=](attach_atom, connection_entry& e) {
        auto& st = self->state;
        if (auto link = st.shared->owner(e.connection_id)) {
          if (e.actor) {
            st.link_of[e.actor.address()] = link;
            st.by_id[e.connection_id] = e.actor.address();
          }
          caf::anon_send(link, attach_atom::value, e.connection_id, e.actor);
        }
        return ok_atom::value;
      },
      [=](detach_atom, const std::string& id) {
        auto& st = self->state;
        if (auto i = st.by_id.find(id); i != st.by_id.end()) {
          st.link_of.erase(i->second);
          st.by_id.erase(i);
        }
      },
      [=](send_atom, send_target& t, const encoded_ptr& msg) {
        if (auto link = link_for(self)) {
          gwire::hub_delivery d;
          d.hub = self->state.hub;
          d.delivery.kind = kind_of(t.what);
          d.delivery.names = std::move(t.names);
          d.delivery.excluded = std::move(t.excluded);
          d.delivery.payloads.push_back({"json", *msg->bytes(json_protocol())});
          d.delivery.payloads.push_back({"messagepack", *msg->bytes(messagepack_protocol())});
          // Handed to the ordered link (the link actor's outbox) before `ok`: the sender's later writes follow it.
          // A link that is down drops it (its clients are being closed).
          caf::anon_send(link, out_atom::value, gwire::encode(d));
        }
        return ok_atom::value;
      },
      [=](group_atom, bool join, std::string& conn, std::string& group) -> caf::result<ok_atom> {
        auto link = link_for(self);  // before the promise: making it takes the sender out of the message
        auto rp = self->make_response_promise<ok_atom>();
        return rp.delegate(link, group_atom::value, self->state.hub, join, std::move(conn),
                           std::move(group));
      },
      [=](invoke_atom, std::string& conn, client_invocation& inv) -> caf::result<client_result> {
        auto link = link_for(self);
        auto rp = self->make_response_promise<client_result>();
        return rp.delegate(link, invoke_atom::value, self->state.hub, std::move(conn),
                           std::move(inv));
      },
      [=](presence_atom, const presence_query& q) -> caf::result<presence_result> {
        auto link = link_for(self);
        auto rp = self->make_response_promise<presence_result>();
        return rp.delegate(link, presence_atom::value, self->state.hub, q);
      },
      [=](stats_atom) { return router_stats{}; },
      [=](shutdown_atom) { self->quit(caf::exit_reason::user_shutdown); },
  };
}

}  // namespace

caf::actor spawn_link_actor(caf::actor_system& sys, link_settings settings) {
  return sys.spawn(link_behavior, std::move(settings));
}

router_actor spawn_proxy_router(caf::actor_system& sys, std::string hub, std::shared_ptr<link_shared> shared) {
  return sys.spawn(proxy_behavior, std::move(hub), std::move(shared));
}

}  // namespace actorhub::gateway
