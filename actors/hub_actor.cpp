// The hub's router: registry, users, group membership, and the fan-out of non-group sends.
#include "actors/hub_actor.hpp"

#include <algorithm>
#include <cstring>
#include <functional>
#include <string_view>
#include <tuple>
#include <memory>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "caf/send.hpp"
#include "caf/stateful_actor.hpp"
#include "caf/typed_event_based_actor.hpp"

#include "actors/detail/exclusion.hpp"
#include "actors/detail/group_actor.hpp"

namespace actorhub {

namespace {

using detail::exclusion;
using detail::group_actor;

// Memory: one registry entry per connection, so its size is paid per connection. Each id is stored once, as
// the key of `connections`; users and groups refer to entries and keys by pointer (nodes of the maps never
// move), instead of holding copies of the strings.

// A connection id as a registry key, in 24 bytes (a std::string is 32 and keeps only 15 characters inline):
// ids of up to 23 characters (the server's have 22) are stored inside it, so a registry entry is one 80-byte
// allocation. Small: the characters, and in the last byte 23 - size. Large: a heap copy, its pointer and size
// in the first 16 bytes and `large_tag` in the last.
class id_key {
 public:
  explicit id_key(std::string_view id) {
    if (id.size() <= small_capacity) {
      std::memcpy(bytes_, id.data(), id.size());
      bytes_[small_capacity] = static_cast<char>(small_capacity - id.size());
      return;
    }
    char* copy = new char[id.size()];
    std::memcpy(copy, id.data(), id.size());
    const std::size_t size = id.size();
    std::memcpy(bytes_, &copy, sizeof copy);
    std::memcpy(bytes_ + sizeof copy, &size, sizeof size);
    bytes_[small_capacity] = large_tag;
  }
  id_key(const id_key&) = delete;
  id_key& operator=(const id_key&) = delete;
  ~id_key() {
    if (large()) delete[] heap_data();
  }

  std::string_view view() const noexcept {
    if (large()) return {heap_data(), heap_size()};
    return {bytes_, small_capacity - static_cast<unsigned char>(bytes_[small_capacity])};
  }
  std::string str() const { return std::string(view()); }
  bool operator==(const id_key& other) const noexcept { return view() == other.view(); }

 private:
  static constexpr std::size_t small_capacity = 23;
  static constexpr char large_tag = static_cast<char>(0xff);  // 23 - size is never 255

  bool large() const noexcept { return bytes_[small_capacity] == large_tag; }
  char* heap_data() const noexcept {
    char* p;
    std::memcpy(&p, bytes_, sizeof p);
    return p;
  }
  std::size_t heap_size() const noexcept {
    std::size_t n;
    std::memcpy(&n, bytes_ + sizeof(char*), sizeof n);
    return n;
  }

  char bytes_[small_capacity + 1];
};
static_assert(sizeof(id_key) == 24);

struct id_key_hash {
  std::size_t operator()(const id_key& k) const noexcept { return std::hash<std::string_view>()(k.view()); }
};

struct member;
using connection_map = std::unordered_map<id_key, member, id_key_hash>;
using connection_ref = connection_map::value_type*;

struct member {
  member(hub_connection_ptr c, caf::actor a) : conn(std::move(c)), actor(std::move(a)) {}

  hub_connection_ptr conn;
  caf::actor actor;
  const std::string* user = nullptr;  // key of its `users` entry; null when anonymous
  // Keys of its `groups` entries; null while it is in none (most connections: 8 bytes instead of 24).
  std::unique_ptr<std::vector<const std::string*>> groups;
};

struct group_entry {
  group_actor actor;
  std::unordered_set<const id_key*> members;  // keys of `connections`; mirrors the group actor's list
};

using group_map = std::unordered_map<std::string, group_entry>;

struct router_state {
  std::string hub;
  connection_map connections;
  std::unordered_map<std::string, std::vector<connection_ref>> users;  // user id -> its connections
  group_map groups;
  static inline const char* name = "actorhub.router";
};

using router_pointer = router_actor::stateful_pointer<router_state>;

// `names` without duplicates, first occurrence first.
std::vector<std::string> unique(std::vector<std::string> names) {
  if (names.size() < 2) return names;
  std::unordered_set<std::string> seen;
  std::vector<std::string> out;
  out.reserve(names.size());
  for (auto& n : names)
    if (seen.insert(n).second) out.push_back(std::move(n));
  return out;
}

void leave_group(router_pointer self, connection_map::iterator c, group_map::iterator g) {
  if (g->second.members.erase(&c->first) == 0) return;
  self->send(g->second.actor, leave_atom::value, c->first.str());
  if (auto& gs = c->second.groups) {  // before the key it points to goes
    gs->erase(std::remove(gs->begin(), gs->end(), &g->first), gs->end());
    if (gs->empty()) gs.reset();
  }
  if (g->second.members.empty()) self->state.groups.erase(g);  // the group actor stops itself on the same leave
}

// Removes the entry from its groups, its user and the registry.
void detach(router_pointer self, connection_map::iterator c) {
  auto& st = self->state;
  if (c->second.groups)
    for (auto* name : std::vector<const std::string*>(*c->second.groups))  // leave_group() edits the original
      if (auto g = st.groups.find(*name); g != st.groups.end()) leave_group(self, c, g);
  if (auto* user = c->second.user) {
    if (auto u = st.users.find(*user); u != st.users.end()) {
      auto& refs = u->second;
      refs.erase(std::remove(refs.begin(), refs.end(), &*c), refs.end());
      if (refs.empty()) st.users.erase(u);
    }
  }
  st.connections.erase(c);
}

caf::result<ok_atom> send_to_groups(router_pointer self, send_target& t, const encoded_ptr& msg) {
  auto& st = self->state;
  std::vector<group_entry*> targets;
  for (auto& name : unique(std::move(t.names)))
    if (auto g = st.groups.find(name); g != st.groups.end()) targets.push_back(&g->second);
  if (targets.empty()) return ok_atom::value;
  if (targets.size() == 1) return self->delegate(targets.front()->actor, send_atom::value, std::move(t.excluded), msg);
  // Several groups: a connection in more than one of them gets the message once. Each group skips the members
  // an earlier group of this send already covers.
  auto rp = self->make_response_promise<ok_atom>();
  auto remaining = std::make_shared<std::size_t>(targets.size());
  auto one_done = [rp, remaining]() mutable {
    if (--*remaining == 0) rp.deliver(ok_atom::value);
  };
  std::unordered_set<const id_key*> covered;
  for (auto* g : targets) {
    auto excluded = t.excluded;
    for (auto* id : g->members)
      if (!covered.insert(id).second) excluded.push_back(id->str());
    self->request(g->actor, caf::infinite, send_atom::value, std::move(excluded), msg)
        .then([one_done](ok_atom) mutable { one_done(); }, [one_done](caf::error&) mutable { one_done(); });
  }
  return rp;
}

router_actor::behavior_type router_behavior(router_pointer self, std::string hub) {
  self->state.hub = std::move(hub);
  return {
      [=](attach_atom, connection_entry& e) {
        auto& st = self->state;
        // A reused id replaces the earlier registration (its user and groups go with it).
        if (auto old = st.connections.find(id_key(e.connection_id)); old != st.connections.end()) detach(self, old);
        auto c = st.connections
                     .emplace(std::piecewise_construct, std::forward_as_tuple(e.connection_id),
                              std::forward_as_tuple(std::move(e.connection), std::move(e.actor)))
                     .first;
        if (!e.user_id.empty()) {
          auto u = st.users.try_emplace(std::move(e.user_id)).first;
          u->second.push_back(&*c);
          c->second.user = &u->first;
        }
        return ok_atom::value;
      },
      [=](detach_atom, const std::string& id) {
        auto& st = self->state;
        if (auto c = st.connections.find(id_key(id)); c != st.connections.end()) detach(self, c);
      },
      [=](send_atom, send_target& t, const encoded_ptr& msg) -> caf::result<ok_atom> {
        auto& st = self->state;
        exclusion skip(t.excluded);
        switch (t.what) {
          case send_target::kind::all:
            for (auto& [id, m] : st.connections)
              if (!skip(id.view())) m.conn->send(msg);
            break;
          case send_target::kind::connections:
            for (auto& id : unique(std::move(t.names)))
              if (auto c = st.connections.find(id_key(id)); c != st.connections.end() && !skip(c->first.view()))
                c->second.conn->send(msg);
            break;
          case send_target::kind::users:
            for (auto& user : unique(std::move(t.names)))
              if (auto u = st.users.find(user); u != st.users.end())
                for (auto* c : u->second)
                  if (!skip(c->first.view())) c->second.conn->send(msg);
            break;
          case send_target::kind::groups:
            return send_to_groups(self, t, msg);
        }
        return ok_atom::value;
      },
      [=](join_atom, std::string& conn, std::string& group) {
        auto& st = self->state;
        auto c = st.connections.find(id_key(conn));
        if (c == st.connections.end()) return ok_atom::value;  // not (or no longer) here
        auto g = st.groups.try_emplace(std::move(group)).first;
        if (!g->second.members.insert(&c->first).second) return ok_atom::value;  // already a member
        if (!g->second.actor) g->second.actor = self->spawn<caf::linked>(detail::group_behavior, g->first);
        auto& gs = c->second.groups;
        if (!gs) gs = std::make_unique<std::vector<const std::string*>>();
        gs->push_back(&g->first);
        // The group actor applies it before any later send this router forwards to it.
        self->send(g->second.actor, join_atom::value, std::move(conn), c->second.conn);
        return ok_atom::value;
      },
      [=](leave_atom, const std::string& conn, const std::string& group) {
        auto& st = self->state;
        auto c = st.connections.find(id_key(conn));
        auto g = st.groups.find(group);
        if (c != st.connections.end() && g != st.groups.end()) leave_group(self, c, g);
        return ok_atom::value;
      },
      [=](invoke_atom, const std::string& conn, client_invocation& inv) -> caf::result<client_result> {
        auto c = self->state.connections.find(id_key(conn));
        if (c == self->state.connections.end())
          return client_result::failure(client_result::status::no_connection,
                                        "Connection '" + conn + "' does not exist.");
        auto rp = self->make_response_promise<client_result>();
        return rp.delegate(c->second.actor, invoke_atom::value, std::move(inv));
      },
      [=](stats_atom) {
        auto& st = self->state;
        return router_stats{st.connections.size(), st.users.size(), st.groups.size()};
      },
      [=](shutdown_atom) {
        for (auto& [id, m] : self->state.connections) {
          m.conn->close();
          caf::anon_send(m.actor, closed_atom::value, false, std::string());
        }
        self->quit(caf::exit_reason::user_shutdown);  // takes the linked group actors along
      },
  };
}

}  // namespace

router_actor spawn_hub_router(caf::actor_system& sys, std::string hub_name) {
  return sys.spawn(router_behavior, std::move(hub_name));
}

}  // namespace actorhub
