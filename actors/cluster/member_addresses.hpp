// The client endpoint of every member by its connection-id tag: what a node forwards a transport request to
// when the request names a connection another node hosts. Written by the node actor, read by the client
// endpoint's I/O threads (a locator must not block: a short shared lock). Internal.
#pragma once

#include <map>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>

namespace actorhub::cluster {

class member_addresses {
 public:
  void set(const std::string& tag, const std::string& http_address) {
    std::unique_lock<std::shared_mutex> g(mu_);
    by_tag_[tag] = http_address;
  }
  void erase(const std::string& tag) {
    std::unique_lock<std::shared_mutex> g(mu_);
    by_tag_.erase(tag);
  }
  // A session that moved to another node (drain): requests with its token go to the node of `tag`.
  void move(const std::string& token, const std::string& tag) {
    std::unique_lock<std::shared_mutex> g(mu_);
    moved_[token] = tag;
  }
  // The client endpoint of the node a moved session lives on now; nullopt when it did not move (or that node is
  // not a member).
  std::optional<std::string> find_moved(std::string_view token) const {
    std::shared_lock<std::shared_mutex> g(mu_);
    auto m = moved_.find(std::string(token));
    if (m == moved_.end()) return std::nullopt;
    auto i = by_tag_.find(m->second);
    if (i == by_tag_.end()) return std::nullopt;
    return i->second;
  }
  std::optional<std::string> find(std::string_view tag) const {
    std::shared_lock<std::shared_mutex> g(mu_);
    auto i = by_tag_.find(std::string(tag));
    if (i == by_tag_.end()) return std::nullopt;
    return i->second;
  }

 private:
  mutable std::shared_mutex mu_;
  std::map<std::string, std::string> by_tag_;
  std::map<std::string, std::string> moved_;  // token -> tag; one entry per session moved while this node ran
};

}  // namespace actorhub::cluster
