// See node_actor.hpp.
#include "actors/cluster/node_actor.hpp"

#include <map>
#include <set>

#include <caf/actor_cast.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/io/middleman.hpp>
#include <caf/openssl/manager.hpp>
#include <caf/stateful_actor.hpp>

#include "actors/cluster/cluster_router.hpp"
#include "actors/cluster/key_proof.hpp"
#include "actors/cluster/member_addresses.hpp"
#include "monitoring/cluster_metrics.hpp"
#include "monitoring/log.hpp"

namespace actorhub::cluster {

namespace {

constexpr const char* challenge_label = "actorhub-cluster-v1 challenge";
constexpr const char* proof_label = "actorhub-cluster-v1 proof";

struct member {
  wire::node_info info;
  caf::actor node;  // its node actor
  caf::node_id nid;
  std::map<std::string, caf::actor> routers;  // its hub routers by hub name
};

// A handshake another node started with us: its hello, our nonce.
struct incoming {
  wire::hello hello;
  std::string nonce;
};

struct node_state {
  node_settings cfg;
  std::map<std::string, caf::actor> routers;  // this node's hub routers
  std::map<std::string, member> members;      // by name
  std::map<caf::actor_addr, incoming> pending;
  std::set<std::string> dialing;            // addresses with a dial in progress
  std::set<std::string> lost;               // node addresses of members lost without leaving: re-dialled
  std::map<std::string, caf::node_id> dialled;  // address -> the node found there
  // Routers a node we are still admitting sent ahead (it admitted us first): applied when it is admitted.
  std::map<caf::node_id, std::map<std::string, caf::actor>> early_routers;
  bool started = false;
  bool leaving = false;
  static inline const char* name = "actorhub.cluster_node";
};

using node_pointer = caf::stateful_actor<node_state>*;

void count(node_pointer self, bool out, std::size_t bytes) {
  if (auto* m = self->state.cfg.metrics) out ? m->sent(backplane_kind::membership, bytes)
                                             : m->received(backplane_kind::membership, bytes);
}

void publish_count(node_pointer self) {
  auto n = self->state.members.size() + 1;
  if (self->state.cfg.members) self->state.cfg.members->store(n);
  if (auto* m = self->state.cfg.metrics) m->members(n);
}

// The admitted member a remote message came from, or null.
member* sender_member(node_pointer self) {
  auto& s = self->current_sender();
  if (!s || s->node() == self->node()) return nullptr;
  for (auto& [name, m] : self->state.members)
    if (m.nid == s->node()) return &m;
  return nullptr;
}

bool from_local(node_pointer self) {
  auto& s = self->current_sender();
  return !s || s->node() == self->node();
}

void tell_routers_down(node_pointer self, const member& m) {
  for (auto& [hub, r] : self->state.routers) self->send(r, peer_down_atom::value, m.info.name, m.info.incarnation);
}

// `name` by value: callers pass the members map's own key, which the erase below frees.
void drop_member(node_pointer self, std::string name, const std::string& reason, bool redial) {
  auto& st = self->state;
  auto i = st.members.find(name);
  if (i == st.members.end()) return;
  auto m = std::move(i->second);
  st.members.erase(i);
  self->demonitor(m.node);
  st.cfg.addresses->erase(m.info.tag);
  tell_routers_down(self, m);
  if (redial && !st.leaving) st.lost.insert(m.info.node_address);
  publish_count(self);
  log::warning("cluster: node '" + name + "' left (" + reason + "); " + std::to_string(st.members.size() + 1) +
               " member(s)");
}

void admit(node_pointer self, const wire::node_info& info, caf::actor node, caf::node_id nid) {
  auto& st = self->state;
  if (auto i = st.members.find(info.name); i != st.members.end()) {
    if (i->second.info.incarnation == info.incarnation && i->second.nid == nid) return;  // known already
    drop_member(self, info.name, "replaced by a restarted node of the same name", false);
  }
  auto& m = st.members[info.name];
  m.info = info;
  m.node = node;
  m.nid = nid;
  self->monitor(node);
  st.cfg.addresses->set(info.tag, info.http_address);
  st.lost.erase(info.node_address);
  for (auto& [hub, r] : st.routers) self->send(node, peer_router_atom::value, hub, r);
  if (auto early = st.early_routers.find(nid); early != st.early_routers.end()) {
    for (auto& [hub, router] : early->second) {
      m.routers[hub] = router;
      if (auto r = st.routers.find(hub); r != st.routers.end())
        self->send(r->second, peer_up_atom::value, peer_info{info.name, info.incarnation, info.tag, router, nid});
    }
    st.early_routers.erase(early);
  }
  publish_count(self);
  log::info("cluster: node '" + info.name + "' joined; " + std::to_string(st.members.size() + 1) + " member(s)");
}

wire::member_list member_list_of(node_pointer self) {
  wire::member_list l;
  l.members.push_back(self->state.cfg.self);
  for (auto& [name, m] : self->state.members) l.members.push_back(m.info);
  return l;
}

void dial(node_pointer self, const std::string& address);

void learn(node_pointer self, const wire::member_list& l) {
  auto& st = self->state;
  for (auto& n : l.members)
    if (n.name != st.cfg.self.name && !st.members.count(n.name) && !n.node_address.empty()) dial(self, n.node_address);
}

// Dials a node actor at `address` and runs the handshake: hello -> challenge (it proves the key) -> proof (we
// prove it) -> its member list.
void dial(node_pointer self, const std::string& address) {
  auto& st = self->state;
  if (st.leaving || st.dialing.count(address)) return;
  auto hp = parse_host_port(address);
  if (!hp) return;
  // Already a member there: nothing to do.
  if (auto d = st.dialled.find(address); d != st.dialled.end())
    for (auto& [name, m] : st.members)
      if (m.nid == d->second) return;
  st.dialing.insert(address);
  auto done = [self, address] {
    auto& st = self->state;
    st.dialing.erase(address);
    if (auto d = st.dialled.find(address); d != st.dialled.end()) st.early_routers.erase(d->second);
  };
  auto mm = st.cfg.tls ? self->system().openssl_manager().actor_handle() : self->system().middleman().actor_handle();
  self->request(mm, std::chrono::seconds(10), caf::connect_atom::value, hp->host, hp->port)
      .then(
          [=](const caf::node_id& nid, caf::strong_actor_ptr& ptr, std::set<std::string>&) {
            auto& st = self->state;
            if (nid == self->node() || !ptr) return done();
            st.dialled[address] = nid;
            for (auto& [name, m] : st.members)
              if (m.nid == nid) return done();
            auto remote = caf::actor_cast<caf::actor>(ptr);
            auto my_nonce = nonce();
            auto hello = wire::encode(wire::hello{st.cfg.self, my_nonce});
            count(self, true, hello.size());
            self->request(remote, st.cfg.handshake_timeout, hello_atom::value, hello)
                .then(
                    [=](std::string& bytes) {
                      auto& st = self->state;
                      count(self, false, bytes.size());
                      auto ch = wire::decode_challenge(bytes);
                      auto expected = ch ? key_proof(st.cfg.key, {challenge_label, my_nonce, ch->nonce,
                                                                  ch->node.name, st.cfg.self.name})
                                         : std::string();
                      if (!ch || !same_proof(expected, ch->proof)) {
                        log::once("cluster-refused-" + address, "cluster: the node at " + address +
                                                                    " could not prove the cluster key; not joined");
                        return done();
                      }
                      auto p = wire::encode(
                          wire::proof{key_proof(st.cfg.key, {proof_label, ch->nonce, my_nonce, st.cfg.self.name})});
                      count(self, true, p.size());
                      auto theirs = ch->node;
                      self->request(remote, st.cfg.handshake_timeout, proof_atom::value, p)
                          .then(
                              [=](std::string& list) {
                                count(self, false, list.size());
                                auto l = wire::decode_member_list(list);
                                if (!l) {
                                  log::once("cluster-rejected-" + address,
                                            "cluster: the node at " + address +
                                                " refused this node (a wrong or missing --cluster-key?)");
                                  return done();
                                }
                                admit(self, theirs, remote, nid);  // takes the routers it sent ahead
                                done();
                                learn(self, *l);
                              },
                              [=](caf::error&) { done(); });
                    },
                    [=](caf::error&) { done(); });
          },
          [=](caf::error&) { done(); });
}

caf::behavior node_behavior(node_pointer self, node_settings cfg) {
  self->state.cfg = std::move(cfg);
  publish_count(self);
  self->set_down_handler([self](caf::down_msg& dm) {
    for (auto& [name, m] : self->state.members)
      if (m.node.address() == dm.source) return drop_member(self, name, "unreachable", true);
  });
  self->set_error_handler([](caf::error&) {});
  return {
      // -- this process -------------------------------------------------------------------------------------------
      [=](self_info_atom, const std::string& bytes) {
        if (!from_local(self)) return;
        if (auto l = wire::decode_member_list(bytes); l && !l->members.empty()) self->state.cfg.self = l->members.front();
      },
      [=](local_router_atom, const std::string& hub, const caf::actor& router) {
        if (!from_local(self)) return;
        self->state.routers[hub] = router;
        for (auto& [name, m] : self->state.members) {
          self->send(m.node, peer_router_atom::value, hub, router);
          if (auto r = m.routers.find(hub); r != m.routers.end())
            self->send(router, peer_up_atom::value, peer_info{m.info.name, m.info.incarnation, m.info.tag, r->second, m.nid});
        }
      },
      [=](join_atom) {
        if (!from_local(self) || self->state.started) return;
        self->state.started = true;
        self->send(self, retry_atom::value);
      },
      [=](retry_atom) {
        auto& st = self->state;
        if (!from_local(self) || st.leaving) return;
        for (auto& hp : st.cfg.join) dial(self, hp.text());
        auto lost = st.lost;  // dial() may change it
        for (auto& a : lost) dial(self, a);
        self->delayed_send(self, st.cfg.retry, retry_atom::value);
      },
      [=](leave_atom) -> bool {
        auto& st = self->state;
        if (!from_local(self) || st.leaving) return false;
        st.leaving = true;
        auto bytes = wire::encode(wire::leaving{st.cfg.self.name, st.cfg.self.incarnation});
        for (auto& [name, m] : st.members) {
          self->send(m.node, leaving_atom::value, bytes);
          count(self, true, bytes.size());
        }
        return true;
      },
      [=](peer_fail_atom, const std::string& name, std::uint64_t incarnation, const std::string& why) {
        auto& st = self->state;
        if (!from_local(self)) return;
        auto i = st.members.find(name);
        if (i == st.members.end() || i->second.info.incarnation != incarnation) return;
        // Told it was dropped (a leaving naming itself), it drops us too and dials again later.
        self->send(i->second.node, leaving_atom::value, wire::encode(wire::leaving{name, incarnation}));
        drop_member(self, name, why, true);
      },
      // -- other nodes ------------------------------------------------------------------------------------------
      [=](hello_atom, const std::string& bytes) -> std::string {
        auto& st = self->state;
        auto& sender = self->current_sender();
        if (!sender || sender->node() == self->node() || st.leaving) return {};
        count(self, false, bytes.size());
        auto h = wire::decode_hello(bytes);
        if (!h || h->nonce.size() < 16 || h->node.name.empty() || h->node.name == st.cfg.self.name) return {};
        if (st.pending.size() > 64) st.pending.clear();  // a flood of handshakes that never finish
        auto my_nonce = nonce();
        auto proof = key_proof(st.cfg.key, {challenge_label, h->nonce, my_nonce, st.cfg.self.name, h->node.name});
        st.pending[caf::actor_cast<caf::actor_addr>(sender)] = incoming{*h, my_nonce};
        auto out = wire::encode(wire::challenge{st.cfg.self, my_nonce, proof});
        count(self, true, out.size());
        return out;
      },
      [=](proof_atom, const std::string& bytes) -> std::string {
        auto& st = self->state;
        auto& sender = self->current_sender();
        if (!sender || sender->node() == self->node()) return {};
        count(self, false, bytes.size());
        auto i = st.pending.find(caf::actor_cast<caf::actor_addr>(sender));
        if (i == st.pending.end()) return {};
        auto in = std::move(i->second);
        st.pending.erase(i);
        auto p = wire::decode_proof(bytes);
        auto expected = key_proof(st.cfg.key, {proof_label, in.nonce, in.hello.nonce, in.hello.node.name});
        if (!p || !same_proof(expected, p->proof)) {
          log::once("cluster-wrong-key-" + in.hello.node.name,
                    "cluster: refused node '" + in.hello.node.name + "': it did not prove the cluster key");
          return {};
        }
        admit(self, in.hello.node, caf::actor_cast<caf::actor>(sender), sender->node());
        auto out = wire::encode(member_list_of(self));
        count(self, true, out.size());
        return out;
      },
      [=](members_atom, const std::string& bytes) {
        if (!sender_member(self)) return;
        count(self, false, bytes.size());
        if (auto l = wire::decode_member_list(bytes)) learn(self, *l);
      },
      [=](leaving_atom, const std::string& bytes) {
        auto* m = sender_member(self);
        if (!m) return;
        count(self, false, bytes.size());
        auto l = wire::decode_leaving(bytes);
        if (l && l->name == m->info.name && l->incarnation == m->info.incarnation)
          drop_member(self, l->name, "it left", false);
        else if (l && l->name == self->state.cfg.self.name)
          drop_member(self, m->info.name, "it dropped this node", true);  // we were told to go: dial again later
      },
      [=](peer_router_atom, const std::string& hub, const caf::actor& router) {
        auto& st = self->state;
        auto* m = sender_member(self);
        if (!m && router && self->current_sender()) {
          // From a node that admitted us while our admission of it is still under way (we dialled it).
          auto nid = self->current_sender()->node();
          bool dialling = false;
          for (auto& [address, found] : st.dialled) dialling = dialling || (found == nid && st.dialing.count(address));
          if (dialling && st.early_routers[nid].size() < 256) st.early_routers[nid][hub] = router;
          return;
        }
        if (!m || !router) return;
        m->routers[hub] = router;
        if (auto r = self->state.routers.find(hub); r != self->state.routers.end())
          self->send(r->second, peer_up_atom::value, peer_info{m->info.name, m->info.incarnation, m->info.tag, router, m->nid});
      },
  };
}

}  // namespace

caf::actor spawn_node_actor(caf::actor_system& sys, node_settings settings) {
  return sys.spawn(node_behavior, std::move(settings));
}

}  // namespace actorhub::cluster
