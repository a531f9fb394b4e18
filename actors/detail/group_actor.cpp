// Group fan-out: the same encoded message goes to every member's outbound queue.
#include "actors/detail/group_actor.hpp"

#include "actors/detail/exclusion.hpp"

namespace actorhub::detail {

group_actor::behavior_type group_behavior(group_actor::stateful_pointer<group_state> self, std::string name) {
  self->state.group = std::move(name);
  return {
      [=](join_atom, std::string& id, hub_connection_ptr& conn) {
        auto& st = self->state;
        auto [i, added] = st.index.try_emplace(std::move(id), st.members.size());
        if (added) st.members.emplace_back(&i->first, std::move(conn));
      },
      [=](leave_atom, const std::string& id) {
        auto& st = self->state;
        auto i = st.index.find(id);
        if (i == st.index.end()) return;
        auto pos = i->second;
        if (pos + 1 != st.members.size()) {
          st.members[pos] = std::move(st.members.back());
          st.index.find(*st.members[pos].first)->second = pos;
        }
        st.members.pop_back();
        st.index.erase(i);  // last: members[pos] pointed at its key until it was overwritten
        // The router forgot this group when its member count reached zero, as we do now.
        if (st.members.empty()) self->quit();
      },
      [=](send_atom, const std::vector<std::string>& excluded, const encoded_ptr& msg) {
        exclusion skip(excluded);
        for (auto& [id, conn] : self->state.members)
          if (!skip(*id)) conn->send(msg);
        return ok_atom::value;
      },
  };
}

}  // namespace actorhub::detail
