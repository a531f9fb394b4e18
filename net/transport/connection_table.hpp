// Every connection of the server by its secret token (the `id` of transport requests): negotiated ones that
// wait for their first transport request (bounded, expiring) and live ones with their session.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

namespace actorhub::transport {

struct hub_entry;
class session;

struct connection_slot {
  std::string id;     // public connectionId
  std::string token;  // secret connectionToken (== id for negotiate version 0)
  const hub_entry* hub = nullptr;
  bool stateful = false;        // useStatefulReconnect was negotiated
  std::int64_t created_ms = 0;  // negotiate time
  std::shared_ptr<session> s;   // set by the first transport request, cleared on removal; table lock only
};

class connection_table {
 public:
  explicit connection_table(std::size_t max_pending) : max_pending_(max_pending) {}

  // Adds a negotiated connection; false when too many wait for their first transport request.
  bool add_pending(std::shared_ptr<connection_slot> slot);
  std::shared_ptr<connection_slot> find(const std::string& token) const;
  // The live session of `token` on `hub`, or null (unknown, other hub, or no transport yet).
  std::shared_ptr<session> find_session(const std::string& token, const hub_entry* hub) const;

  // Binds a session to `slot` unless it has one: returns {the slot's session, whether `make` created it}.
  // Null session when the slot is no longer in the table.
  template <class Make>
  std::pair<std::shared_ptr<session>, bool> bind(const std::shared_ptr<connection_slot>& slot, Make&& make) {
    std::lock_guard<std::mutex> lk(mu_);
    auto it = slots_.find(slot->token);
    if (it == slots_.end() || it->second != slot) return {nullptr, false};
    if (slot->s) return {slot->s, false};
    slot->s = make();
    --pending_;
    return {slot->s, true};
  }
  // Adds a connection that is live from the start (WebSockets without negotiate, an imported connection);
  // false when its token is taken.
  bool add_live(std::shared_ptr<connection_slot> slot);

  // Forgets the connection if `s` is still its session.
  void remove(const std::string& token, const session* s);
  // Forgets negotiated connections unused for `max_age_ms`; returns how many.
  std::size_t expire_pending(std::int64_t now_ms, std::int64_t max_age_ms);
  // Snapshot of the live sessions (for the sweep and for stop()).
  std::vector<std::shared_ptr<session>> sessions() const;

  std::size_t size() const;
  std::size_t pending() const;

 private:
  mutable std::mutex mu_;
  std::unordered_map<std::string, std::shared_ptr<connection_slot>> slots_;
  std::deque<std::weak_ptr<connection_slot>> pending_order_;  // negotiate order, for expiry
  std::size_t pending_ = 0;
  std::size_t max_pending_;
};

}  // namespace actorhub::transport
