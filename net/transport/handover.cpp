// Handing stateful-reconnect connections between client endpoints (see handover.hpp).
#include "net/transport/handover.hpp"

#include <cstdint>
#include <vector>

#include "net/transport/http_util.hpp"
#include "net/transport/hub_session.hpp"
#include "net/transport/server_state.hpp"
#include "net/transport/session.hpp"

namespace actorhub::transport {

void held_exports::hold(std::string token, std::shared_ptr<transport_link> link, std::int64_t deadline_ms) {
  if (!link) return;
  std::shared_ptr<transport_link> replaced;
  {
    std::lock_guard<std::mutex> lk(mu_);
    auto& h = held_[std::move(token)];
    replaced = std::move(h.link);
    h = {std::move(link), deadline_ms};
  }
  if (replaced) replaced->abort();
}

bool held_exports::close(std::string_view token) {
  std::shared_ptr<transport_link> link;
  {
    std::lock_guard<std::mutex> lk(mu_);
    auto it = held_.find(std::string(token));
    if (it == held_.end()) return false;
    link = std::move(it->second.link);
    held_.erase(it);
  }
  link->abort();
  return true;
}

void held_exports::expire(std::int64_t now_ms) {
  std::vector<std::shared_ptr<transport_link>> due;
  {
    std::lock_guard<std::mutex> lk(mu_);
    for (auto it = held_.begin(); it != held_.end();) {
      if (now_ms >= it->second.deadline_ms) {
        due.push_back(std::move(it->second.link));
        it = held_.erase(it);
      } else {
        ++it;
      }
    }
  }
  for (auto& l : due) l->abort();
}

void held_exports::close_all() { expire(INT64_MAX); }

void held_exports::clear() {
  std::unordered_map<std::string, held> gone;
  {
    std::lock_guard<std::mutex> lk(mu_);
    gone.swap(held_);
  }
}

std::size_t held_exports::size() const {
  std::lock_guard<std::mutex> lk(mu_);
  return held_.size();
}

std::optional<session_snapshot> export_session(server_state& st, std::string_view token, receiver_taker take,
                                               bool close_transport) {
  auto slot = st.connections.find(std::string(token));
  if (!slot || !slot->hub || !slot->hub->hub) return std::nullopt;
  auto s = std::dynamic_pointer_cast<hub_session>(st.connections.find_session(slot->token, slot->hub));
  if (!s) return std::nullopt;
  std::shared_ptr<transport_link> link;
  auto snap = s->export_snapshot(link, std::move(take));
  if (!snap) return std::nullopt;
  if (link) {
    if (close_transport) {
      link->abort();  // abruptly, without a Close message: the client's stateful reconnect starts
    } else {
      st.exported.hold(snap->token, std::move(link), now_ms() + st.opts.disconnect_timeout.count());
    }
  }
  return snap;
}

bool import_session(const std::shared_ptr<server_state>& st, session_snapshot snapshot) {
  if (st->stopping.load() || snapshot.token.empty() || snapshot.connection_id.empty() || !snapshot.stateful)
    return false;
  const hub_entry* hub = st->find_hub(to_lower(snapshot.hub_path));
  if (!hub || !hub->hub) return false;
  if (snapshot.next_outbound_seq < 1 || snapshot.last_inbound_seq < 0) return false;
  std::int64_t expect = snapshot.unacked.empty() ? snapshot.next_outbound_seq : snapshot.unacked.front().seq;
  for (const auto& r : snapshot.unacked)
    if (r.seq != expect++ || r.seq < 1) return false;
  if (expect != snapshot.next_outbound_seq) return false;
  if (st->connections.find(snapshot.token)) return false;

  auto slot = std::make_shared<connection_slot>();
  slot->id = snapshot.connection_id;
  slot->token = snapshot.token;
  slot->hub = hub;
  slot->stateful = true;
  slot->created_ms = now_ms();
  connection_info info = snapshot.info;
  info.connection_id = snapshot.connection_id;
  info.hub = hub->name;
  info.transport = transport_name(transport_kind::websockets);
  auto s = std::make_shared<hub_session>(st, slot, transport_kind::websockets, st->connection_executor(),
                                         std::move(info));
  if (!s->import_snapshot(snapshot)) return false;
  slot->s = s;
  if (!st->connections.add_live(slot)) {
    s->abort(std::nullopt, close_cause::normal);  // the token appeared meanwhile: this copy ends (on_closed)
    return false;
  }
  return true;
}

}  // namespace actorhub::transport
