#include "report.hpp"

#include <boost/json.hpp>
#include <cmath>

namespace bench {

uint64_t run_result::delivered() const {
  const auto& s = opts->scenario;
  if (s == "churn") return c.cycles;
  if (s == "idle") return 0;
  return c.deliveries;
}

uint64_t run_result::lost() const {
  const auto& s = opts->scenario;
  if (s == "broadcast" || s == "groups") return expected > c.deliveries ? expected - c.deliveries : 0;
  return c.lost;
}

const char* run_result::units() const {
  const auto& s = opts->scenario;
  if (s == "echo") return "round trips";
  if (s == "churn") return "cycles";
  if (s == "idle") return "connections";
  return "deliveries";
}

const char* run_result::unit() const {
  const auto& s = opts->scenario;
  if (s == "echo") return "round trip";
  if (s == "churn") return "cycle";
  if (s == "idle") return "connection";
  return "delivery";
}

namespace {

double us(int64_t ns) { return double(ns) / 1000.0; }

std::string fmt_us(double v) {
  char b[32];
  if (v >= 10000) std::snprintf(b, sizeof b, "%.1f ms", v / 1000);
  else if (v >= 1000) std::snprintf(b, sizeof b, "%.2f ms", v / 1000);
  else std::snprintf(b, sizeof b, "%.0f us", v);
  return b;
}

bool has_server(const run_result& r) { return r.srv_before.ok && r.srv_go.ok && r.srv_end.ok; }

double server_cpu_s(const run_result& r) { return r.srv_end.cpu_s - r.srv_go.cpu_s; }

// RSS growth per connection: idle measures after the hold, others right after setup.
double rss_per_conn_kib(const run_result& r) {
  if (!r.receivers_at_go) return 0;
  const auto& after = r.opts->scenario == "idle" ? r.srv_end : r.srv_go;
  return (double(after.rss_kib) - double(r.srv_before.rss_kib)) / double(r.receivers_at_go);
}

}  // namespace

void print_table(const run_result& r, std::FILE* out) {
  const auto& o = *r.opts;
  auto d = r.delivered();
  std::fprintf(out, "\n%-12s %s  (%s, %s%s%s)  against %s\n", "scenario", o.scenario.c_str(), o.label.c_str(),
               wire_name(o.dialect()), o.transport == "websockets" ? "" : " over ",
               o.transport == "websockets" ? "" : o.transport.c_str(), o.url.c_str());
  for (const auto& u : o.more_urls) std::fprintf(out, "%-12s %s\n", "", u.c_str());
  std::fprintf(out, "%-12s %d (%d client process%s), payload %d B", "connections", o.connections, r.procs,
               r.procs > 1 ? "es" : "", o.payload);
  if (o.scenario == "echo") std::fprintf(out, ", window %d", o.window);
  if (o.scenario == "groups")
    std::fprintf(out, ", group size %d%s", o.group_size, o.group_others ? " (SendToOthersInGroup)" : "");
  if (o.scenario == "broadcast" || o.scenario == "groups")
    std::fprintf(out, ", messages %ld, rate %s", o.messages, o.rate > 0 ? std::to_string(int(o.rate)).c_str() : "window");
  std::fprintf(out, "\n%-12s %.2f s%s\n", "measured", r.window_s, r.timed_out ? "  (TIMED OUT)" : "");
  std::fprintf(out, "%-12s opened %llu, failed %llu, dropped %llu, open at start %llu; setup p50 %s p99 %s\n", "conns",
               (unsigned long long)r.c.conns_opened, (unsigned long long)r.c.conns_failed,
               (unsigned long long)r.c.conns_dropped, (unsigned long long)r.receivers_at_go,
               fmt_us(us(r.setup.quantile(0.5))).c_str(), fmt_us(us(r.setup.quantile(0.99))).c_str());
  if (o.scenario != "idle") {
    std::fprintf(out, "%-12s sent %llu, acknowledged %llu, errors %llu", "invocations",
                 (unsigned long long)r.c.invocations, (unsigned long long)r.c.completions,
                 (unsigned long long)r.c.completion_errors);
    if (o.scenario == "broadcast")
      std::fprintf(out, "; sender at most %llu in flight", (unsigned long long)r.sender_max_in_flight);
    std::fprintf(out, "\n");
    std::fprintf(out, "%-12s %llu %s", "delivered", (unsigned long long)d, r.units());
    if (r.expected) std::fprintf(out, " of %llu expected", (unsigned long long)r.expected);
    std::fprintf(out, ", lost %llu, duplicates %llu, reordered %llu\n", (unsigned long long)r.lost(),
                 (unsigned long long)r.c.duplicates, (unsigned long long)r.c.reordered);
    std::fprintf(out, "%-12s %.0f %s/s\n", "throughput", r.window_s > 0 ? double(d) / r.window_s : 0.0, r.units());
    std::fprintf(out, "%-12s p50 %s  p90 %s  p99 %s  max %s  (n=%llu)\n", "latency",
                 fmt_us(us(r.latency.quantile(0.5))).c_str(), fmt_us(us(r.latency.quantile(0.9))).c_str(),
                 fmt_us(us(r.latency.quantile(0.99))).c_str(), fmt_us(us(r.latency.max())).c_str(),
                 (unsigned long long)r.latency.count());
  } else {
    std::fprintf(out, "%-12s client pings sent %llu, server pings received %llu, still open at end %llu\n", "keep-alive",
                 (unsigned long long)r.c.pings_sent, (unsigned long long)r.c.server_pings,
                 (unsigned long long)r.c.conns_open);
  }
  if (has_server(r)) {
    double cpu = server_cpu_s(r);
    std::fprintf(out, "%-12s %.2f s CPU in the measured phase", "server", cpu);
    if (d) std::fprintf(out, " = %.3f us per %s", cpu * 1e6 / double(d), r.unit());
    std::fprintf(out, " (%.0f%% of a core)", r.window_s > 0 ? 100 * cpu / r.window_s : 0.0);
    if (d)
      std::fprintf(out, ", %.2f context switches per %s",
                   (double(r.srv_end.ctx_switches) - double(r.srv_go.ctx_switches)) / double(d), r.unit());
    std::fprintf(out, "\n");
    std::fprintf(out, "%-12s RSS %.1f MiB before, %.1f MiB connected, %.1f MiB at end = %.2f KiB per connection\n", "",
                 double(r.srv_before.rss_kib) / 1024, double(r.srv_go.rss_kib) / 1024,
                 double(r.srv_end.rss_kib) / 1024, rss_per_conn_kib(r));
  } else if (!o.pids.empty()) {
    std::fprintf(out, "%-12s could not read /proc for --pid (process gone?)\n", "server");
  }
  std::fprintf(out, "%-12s %.2f s CPU in all bench processes; load average %.2f at start\n", "client",
               r.client_cpu_s, r.loadavg_1min);
  if (!r.first_error.empty()) std::fprintf(out, "%-12s %s\n", "first error", r.first_error.c_str());
  if (r.workers_lost) std::fprintf(out, "%-12s %d worker process(es) died\n", "WARNING", r.workers_lost);
}

std::string json_line(const run_result& r) {
  namespace json = boost::json;
  const auto& o = *r.opts;
  auto d = r.delivered();
  json::object j;
  j["scenario"] = o.scenario;
  j["server"] = o.label;
  j["wire"] = wire_name(o.dialect());
  j["transport"] = o.transport;
  j["url"] = o.url;
  if (!o.more_urls.empty()) {
    json::array urls{json::value(o.url)};
    for (const auto& u : o.more_urls) urls.emplace_back(u);
    j["urls"] = std::move(urls);
  }
  if (o.scenario == "groups") j["group_method"] = o.group_others ? "SendToOthersInGroup" : "SendToGroup";
  j["connections"] = o.connections;
  j["procs"] = r.procs;
  j["payload"] = o.payload;
  j["window"] = o.window;
  j["messages"] = o.messages;
  if (o.scenario == "broadcast") j["warmup"] = o.warmup;
  j["rate"] = o.rate;
  if (o.scenario == "groups") j["group_size"] = o.group_size;
  if (o.scenario == "broadcast") j["sender_max_in_flight"] = r.sender_max_in_flight;
  j["measured"] = r.measured;
  j["timed_out"] = r.timed_out;
  j["duration_s"] = r.window_s;
  j["conns_opened"] = r.c.conns_opened;
  j["conns_failed"] = r.c.conns_failed;
  j["conns_dropped"] = r.c.conns_dropped;
  j["conns_at_start"] = r.receivers_at_go;
  j["conns_open_at_end"] = r.c.conns_open;
  j["invocations"] = r.c.invocations;
  j["completions"] = r.c.completions;
  j["errors"] = r.c.completion_errors;
  j["unit"] = r.unit();
  j["delivered"] = d;
  j["expected"] = r.expected;
  j["lost"] = r.lost();
  j["duplicates"] = r.c.duplicates;
  j["reordered"] = r.c.reordered;
  j["throughput_per_s"] = r.window_s > 0 ? double(d) / r.window_s : 0.0;
  json::object lat;
  lat["count"] = r.latency.count();
  lat["p50"] = us(r.latency.quantile(0.5));
  lat["p90"] = us(r.latency.quantile(0.9));
  lat["p99"] = us(r.latency.quantile(0.99));
  lat["max"] = us(r.latency.max());
  lat["mean"] = r.latency.mean() / 1000.0;
  j["latency_us"] = std::move(lat);
  json::object setup;
  setup["p50"] = us(r.setup.quantile(0.5));
  setup["p99"] = us(r.setup.quantile(0.99));
  setup["max"] = us(r.setup.max());
  j["setup_us"] = std::move(setup);
  j["pings_sent"] = r.c.pings_sent;      // client keep-alive pings (idle, broadcast receivers, groups)
  j["server_pings"] = r.c.server_pings;  // server pings received (idle, broadcast receivers)
  if (has_server(r)) {
    json::object s;
    json::array pids;
    for (int p : o.pids) pids.push_back(p);
    s["pids"] = std::move(pids);
    double cpu = server_cpu_s(r);
    s["cpu_s"] = cpu;
    s["cpu_us_per_msg"] = d ? cpu * 1e6 / double(d) : 0.0;
    s["cpu_share"] = r.window_s > 0 ? cpu / r.window_s : 0.0;
    s["rss_before_kib"] = r.srv_before.rss_kib;
    s["rss_connected_kib"] = r.srv_go.rss_kib;
    s["rss_end_kib"] = r.srv_end.rss_kib;
    s["rss_per_conn_kib"] = rss_per_conn_kib(r);
    s["threads"] = r.srv_end.threads;
    double cs = double(r.srv_end.ctx_switches) - double(r.srv_go.ctx_switches);
    s["ctx_switches_per_msg"] = d ? cs / double(d) : 0.0;
    j["server_stats"] = std::move(s);
  }
  j["client_cpu_s"] = r.client_cpu_s;
  j["loadavg_at_start"] = r.loadavg_1min;
  if (!r.first_error.empty()) j["first_error"] = r.first_error;
  j["workers_lost"] = r.workers_lost;
  return json::serialize(j);
}

}  // namespace bench
