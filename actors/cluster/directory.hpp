// Which other nodes of the cluster have members of which groups and connections of which users, for one hub:
// a group send goes only to the nodes listed for its groups, a user send to the nodes listed for its users.
// Each node announces a group (user) when its first local member (connection) arrives and when its last one
// goes, and sends its whole list when a link to a node starts; this class keeps what the others announced.
// A plain class (no actors); peers are small numbers the cluster router assigns. Internal.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace actorhub::cluster {

using peer_index = std::uint32_t;

class directory {
 public:
  enum class kind { group, user };

  // Records that `peer` has (present) or no longer has entries under `name`. Returns false when that was
  // already so.
  bool set(kind k, const std::string& name, peer_index peer, bool present);
  // Replaces everything `peer` announced with exactly these lists.
  void replace(peer_index peer, const std::vector<std::string>& groups, const std::vector<std::string>& users);
  // Forgets a peer that left or died.
  void remove(peer_index peer);

  // The peers with entries under any of `names` (each once, ascending).
  std::vector<peer_index> peers_for(kind k, const std::vector<std::string>& names) const;
  bool has(kind k, std::string_view name, peer_index peer) const;
  std::size_t size(kind k) const { return table(k).size(); }

  // Throws std::logic_error when an entry is empty, unsorted or has duplicates. Tests, debug builds.
  void check() const;

 private:
  using entries = std::unordered_map<std::string, std::vector<peer_index>>;  // name -> sorted peers
  entries& table(kind k) { return k == kind::group ? groups_ : users_; }
  const entries& table(kind k) const { return k == kind::group ? groups_ : users_; }

  entries groups_;
  entries users_;
};

}  // namespace actorhub::cluster
