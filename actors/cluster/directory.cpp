// See directory.hpp.
#include "actors/cluster/directory.hpp"

#include <algorithm>
#include <stdexcept>

namespace actorhub::cluster {

bool directory::set(kind k, const std::string& name, peer_index peer, bool present) {
  auto& t = table(k);
  auto it = t.find(name);
  if (present) {
    if (it == t.end()) it = t.emplace(name, std::vector<peer_index>{}).first;
    auto& peers = it->second;
    auto pos = std::lower_bound(peers.begin(), peers.end(), peer);
    if (pos != peers.end() && *pos == peer) return false;
    peers.insert(pos, peer);
    return true;
  }
  if (it == t.end()) return false;
  auto& peers = it->second;
  auto pos = std::lower_bound(peers.begin(), peers.end(), peer);
  if (pos == peers.end() || *pos != peer) return false;
  peers.erase(pos);
  if (peers.empty()) t.erase(it);
  return true;
}

void directory::replace(peer_index peer, const std::vector<std::string>& groups, const std::vector<std::string>& users) {
  remove(peer);
  for (auto& g : groups) set(kind::group, g, peer, true);
  for (auto& u : users) set(kind::user, u, peer, true);
}

void directory::remove(peer_index peer) {
  for (auto* t : {&groups_, &users_})
    for (auto it = t->begin(); it != t->end();) {
      auto& peers = it->second;
      auto pos = std::lower_bound(peers.begin(), peers.end(), peer);
      if (pos != peers.end() && *pos == peer) peers.erase(pos);
      it = peers.empty() ? t->erase(it) : std::next(it);
    }
}

std::vector<peer_index> directory::peers_for(kind k, const std::vector<std::string>& names) const {
  std::vector<peer_index> out;
  auto& t = table(k);
  for (auto& n : names)
    if (auto it = t.find(n); it != t.end()) out.insert(out.end(), it->second.begin(), it->second.end());
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

bool directory::has(kind k, std::string_view name, peer_index peer) const {
  auto& t = table(k);
  auto it = t.find(std::string(name));
  return it != t.end() && std::binary_search(it->second.begin(), it->second.end(), peer);
}

void directory::check() const {
  for (auto* t : {&groups_, &users_})
    for (auto& [name, peers] : *t) {
      if (peers.empty()) throw std::logic_error("directory invariant: an empty entry is kept");
      if (!std::is_sorted(peers.begin(), peers.end()) ||
          std::adjacent_find(peers.begin(), peers.end()) != peers.end())
        throw std::logic_error("directory invariant: an entry's peers are unsorted or repeat");
    }
}

}  // namespace actorhub::cluster
