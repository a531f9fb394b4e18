// The bookkeeping of sessions moving between nodes when one drains (docs/cluster.md, "Drain and session
// hand-off"). Node A exports session X to node B; every node P (B and A's other peers) then switches the path
// its messages for X take from "through A" to "straight to B", and says so with a marker on both its ordered
// channels (P->A, P->B). A forwards to B, in order on its own channel, every message for X that it receives
// from a node before that node's marker (and everything its own clients send), then relays the marker to B as
// `flushed`. B delivers X's messages from P only once P switched AND A relayed P's flush; those that come
// straight from P in between wait in `held`; those P sent to B before it switched are not X's (A forwards
// them). So every message for X reaches it once, and the messages of each sender in the order they were sent.
// Internal.
#pragma once

#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <actorhub/send_target.hpp>
#include "net/encoded_message.hpp"

namespace actorhub::cluster {

// On the node a session left (A).
struct move_out {
  std::string token;
  std::string to_name;  // B
  std::string to_tag;
  std::string user;
  std::vector<std::string> groups;  // kept up to date while group changes for it pass through here
  std::set<std::string> switched;   // nodes whose messages for it no longer come here (their marker came)
  std::set<std::string> expected;   // the nodes that must switch before the move is complete (set once imported)
  bool imported = false;
  bool done = false;
};

// On the node a session came to (B).
struct move_in {
  std::string from_name;            // A
  std::string user;
  std::vector<std::string> groups;  // restored when its connection actor attaches
  bool attached = false;
  std::vector<encoded_ptr> early;   // forwarded by A before it attached
  std::set<std::string> switched;   // nodes whose messages for it come straight here (this one from the attach)
  std::set<std::string> flushed;    // nodes whose earlier messages A forwarded completely
  std::map<std::string, std::vector<encoded_ptr>> held;  // by sending node: switched, not flushed yet
};

// How a message that `origin` sent reaches a moving session on B.
enum class move_path { via_old_node, held, direct };

inline move_path path_of(const move_in& m, const std::string& origin) {
  if (origin == m.from_name || !m.switched.count(origin)) return move_path::via_old_node;
  return m.flushed.count(origin) ? move_path::direct : move_path::held;
}

// Whether `t` reaches connection `id` of `user` in `groups`.
inline bool targets(const send_target& t, std::string_view id, std::string_view user,
                    const std::vector<std::string>& groups) {
  for (auto& e : t.excluded)
    if (e == id) return false;
  switch (t.what) {
    case send_target::kind::all:
      return true;
    case send_target::kind::connections:
      for (auto& n : t.names)
        if (n == id) return true;
      return false;
    case send_target::kind::users:
      if (user.empty()) return false;
      for (auto& n : t.names)
        if (n == user) return true;
      return false;
    case send_target::kind::groups:
      for (auto& n : t.names)
        for (auto& g : groups)
          if (n == g) return true;
      return false;
  }
  return false;
}

}  // namespace actorhub::cluster
