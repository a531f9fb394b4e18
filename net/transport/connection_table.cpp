// The connection table (see connection_table.hpp).
#include "net/transport/connection_table.hpp"

#include "net/transport/session.hpp"

namespace actorhub::transport {

bool connection_table::add_pending(std::shared_ptr<connection_slot> slot) {
  std::lock_guard<std::mutex> lk(mu_);
  if (pending_ >= max_pending_) return false;
  auto token = slot->token;
  std::weak_ptr<connection_slot> weak = slot;
  if (!slots_.emplace(std::move(token), std::move(slot)).second) return false;  // 128-bit collision: refuse
  pending_order_.push_back(std::move(weak));
  ++pending_;
  return true;
}

std::shared_ptr<connection_slot> connection_table::find(const std::string& token) const {
  std::lock_guard<std::mutex> lk(mu_);
  auto it = slots_.find(token);
  return it == slots_.end() ? nullptr : it->second;
}

bool connection_table::add_live(std::shared_ptr<connection_slot> slot) {
  std::lock_guard<std::mutex> lk(mu_);
  auto token = slot->token;
  return slots_.emplace(std::move(token), std::move(slot)).second;
}

void connection_table::remove(const std::string& token, const session* s) {
  std::lock_guard<std::mutex> lk(mu_);
  auto it = slots_.find(token);
  if (it == slots_.end() || it->second->s.get() != s) return;
  if (!s) --pending_;
  auto slot = std::move(it->second);
  slots_.erase(it);
  slot->s.reset();  // the session keeps its slot (for its id): no cycle between them
}

std::size_t connection_table::expire_pending(std::int64_t now_ms, std::int64_t max_age_ms) {
  std::lock_guard<std::mutex> lk(mu_);
  std::size_t n = 0;
  while (!pending_order_.empty()) {
    auto slot = pending_order_.front().lock();
    if (slot && !slot->s && now_ms - slot->created_ms < max_age_ms) break;  // the oldest still waiting
    pending_order_.pop_front();
    if (!slot || slot->s) continue;  // bound or gone meanwhile
    auto it = slots_.find(slot->token);
    if (it != slots_.end() && it->second == slot) {
      slots_.erase(it);
      --pending_;
      ++n;
    }
  }
  return n;
}

std::shared_ptr<session> connection_table::find_session(const std::string& token, const hub_entry* hub) const {
  std::lock_guard<std::mutex> lk(mu_);
  auto it = slots_.find(token);
  if (it == slots_.end() || it->second->hub != hub) return nullptr;
  return it->second->s;
}

std::vector<std::shared_ptr<session>> connection_table::sessions() const {
  std::lock_guard<std::mutex> lk(mu_);
  std::vector<std::shared_ptr<session>> out;
  out.reserve(slots_.size() - pending_);
  for (const auto& [token, slot] : slots_)
    if (slot->s) out.push_back(slot->s);
  return out;
}

std::size_t connection_table::size() const {
  std::lock_guard<std::mutex> lk(mu_);
  return slots_.size();
}

std::size_t connection_table::pending() const {
  std::lock_guard<std::mutex> lk(mu_);
  return pending_;
}

}  // namespace actorhub::transport
