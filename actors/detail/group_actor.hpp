// One actor per non-empty group of a hub: it holds the members' transport handles and does the group's
// fan-out, so a large group send costs the router one message. Spawned by the router on the first join
// (linked to it); it stops itself when its last member leaves. Internal.
#pragma once

#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "caf/stateful_actor.hpp"
#include "caf/typed_actor.hpp"
#include "caf/typed_event_based_actor.hpp"

#include "actors/router.hpp"

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(actorhub::hub_connection_ptr)

namespace actorhub::detail {

using group_actor = caf::typed_actor<
    caf::reacts_to<join_atom, std::string, hub_connection_ptr>,
    caf::reacts_to<leave_atom, std::string>,
    // excluded connection ids, message -> ok once every other member's queue has it
    caf::replies_to<send_atom, std::vector<std::string>, encoded_ptr>::with<ok_atom>>;

struct group_state {
  std::string group;
  // Dense for the fan-out loop. Each id is stored once, as a key of `index` (nodes never move); ids are 22
  // characters, so a second copy per membership would be another heap block.
  std::vector<std::pair<const std::string*, hub_connection_ptr>> members;
  std::unordered_map<std::string, std::size_t> index;  // id -> position in `members`
  static inline const char* name = "actorhub.group";
};

group_actor::behavior_type group_behavior(group_actor::stateful_pointer<group_state> self, std::string name);

}  // namespace actorhub::detail
