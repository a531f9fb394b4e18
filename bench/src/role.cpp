#include "role.hpp"

#include <arpa/inet.h>

namespace bench {

std::unique_ptr<role> make_echo_role(worker_context&);
std::unique_ptr<role> make_receiver_role(worker_context&);
std::unique_ptr<role> make_groups_role(worker_context&);
std::unique_ptr<role> make_idle_role(worker_context&);
std::unique_ptr<role> make_churn_role(worker_context&);

std::unique_ptr<role> make_role(worker_context& ctx) {
  const auto& s = ctx.opts.scenario;
  if (s == "echo") return make_echo_role(ctx);
  if (s == "broadcast") return make_receiver_role(ctx);
  if (s == "groups") return make_groups_role(ctx);
  if (s == "churn") return make_churn_role(ctx);
  return make_idle_role(ctx);
}

in_addr source_address(uint32_t global_index, int src_addrs) {
  in_addr a{};
  uint32_t k = src_addrs > 1 ? global_index % uint32_t(src_addrs) : 0;
  // k -> 127.0.(k / 250).(1 + k % 250): 127.0.0.1 first, never a .0 or .255 host part
  a.s_addr = htonl((127u << 24) | ((k / 250) << 8) | (1 + k % 250));
  return a;
}

in_addr worker_context::source_of(uint32_t global_index) const { return source_address(global_index, opts.src_addrs); }

void record_delivery(worker_context& ctx, connection& c, const marker& m, uint64_t max_seq) {
  auto& r = ctx.report;
  if (m.present && m.seq >= max_seq && m.seq < max_seq + uint64_t(ctx.opts.warmup)) {
    ++r.c.warmup_deliveries;
    return;
  }
  if (!m.present || m.seq >= max_seq) {
    ++r.c.duplicates;  // not a payload this run sent: count as a bogus copy
    return;
  }
  if (c.seen.empty()) c.seen.assign((max_seq + 63) / 64, 0);
  uint64_t& word = c.seen[m.seq >> 6];
  uint64_t bit = uint64_t(1) << (m.seq & 63);
  if (word & bit) {
    ++r.c.duplicates;
    return;
  }
  word |= bit;
  ++r.c.deliveries;
  r.latency.record(now_ns() - m.sent_ns);
  if (c.any_seen && m.seq < c.last_seq_seen) {
    ++r.c.reordered;
  } else {
    c.last_seq_seen = m.seq;
    c.any_seen = true;
  }
}

}  // namespace bench
