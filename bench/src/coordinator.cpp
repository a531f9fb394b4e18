#include "coordinator.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <vector>

#include "clock.hpp"
#include "ipc.hpp"
#include "pacer.hpp"
#include "proc_stats.hpp"
#include "report.hpp"
#include "worker.hpp"

namespace bench {

in_addr source_address(uint32_t global_index, int src_addrs);

namespace {

enum class phase { setup, warmup, settle, measuring, stopping };

struct worker_slot {
  pid_t pid = -1;
  std::unique_ptr<channel> ch;
  worker_report latest;
  bool ready = false;
  bool has_result = false;
  bool gone = false;
};

class coordinator final : public connection_events {
 public:
  explicit coordinator(const options& o) : opts_(o), target_(o.make_target()), pacer_(o.rate, std::max(1.0, o.rate / 100)) {}

  int run() {
    result_.opts = &opts_;
    start_ns_ = now_ns();
    result_.loadavg_1min = load_average_1min();
    result_.srv_before = sample_processes(opts_.pids);
    if (!opts_.pids.empty() && !result_.srv_before.ok) throw std::runtime_error("--pid: cannot read /proc for the server");
    fork_workers();
    loop_ = std::make_unique<event_loop>();
    for (std::size_t i = 0; i < workers_.size(); ++i)
      workers_[i].ch->attach(*loop_, [this, i](ipc t, std::string_view p) { on_worker(i, t, p); });
    if (opts_.scenario == "broadcast") {
      sender_ = std::make_unique<connection>(*loop_, target_, *this, uint32_t(opts_.connections));
      sender_->start(source_address(uint32_t(opts_.connections), opts_.src_addrs));
    }
    loop_->every(20'000'000, [this] {
      step();
      return true;
    });
    loop_->every(1'000'000'000, [this] {
      if (opts_.progress && !opts_.quiet) print_progress(false);
      if (sender_) {
        int64_t now = now_ns();
        sender_->check_deadline(now);
        // Keep the sender alive through a long setup or --settle: a server closes a silent connection after
        // its client timeout (30 s by default), as the workers' sweep prevents for the receivers.
        if (sender_->is_open() && now - sender_->last_send_ns() >= s_to_ns(opts_.ping_interval)) sender_->ping();
      }
      return true;
    });
    loop_->at(start_ns_ + s_to_ns(opts_.timeout), [this] {
      result_.timed_out = true;
      if (phase_ != phase::stopping) end_window();
    });
    loop_->run();
    if (opts_.progress && !opts_.quiet) print_progress(true);
    reap();
    finish_result();
    if (!opts_.quiet) print_table(result_, stdout);
    std::printf("%s\n", json_line(result_).c_str());
    std::fflush(stdout);
    // 1: the numbers are there but something went wrong (loss, failed or dropped connections, timeout).
    bool clean = result_.measured && !result_.timed_out && !result_.workers_lost && result_.lost() == 0 &&
                 result_.c.conns_failed == 0 && result_.c.conns_dropped == 0 && !sender_failed_;
    return clean ? 0 : 1;
  }

  // ---- broadcast sender (the only connection in this process) ----
  void on_open(connection&) override {}

  void on_record(connection& c, const incoming& in) override {
    if (in.kind == incoming::completion && phase_ == phase::warmup) {
      if (c.outstanding) --c.outstanding;
      send_warmup();
      return;
    }
    if (in.kind != incoming::completion || phase_ != phase::measuring) return;
    if (c.outstanding) --c.outstanding;
    ++sender_counts_.completions;
    if (in.error) ++sender_counts_.completion_errors;
    if (opts_.rate == 0) send_broadcast();
  }

  void on_closed(connection&, bool, const char* why) override {
    if (result_.first_error.empty()) result_.first_error = std::string("sender: ") + why;
    sender_failed_ = true;
  }

 private:
  void fork_workers() {
    // <= 15,000 sockets per process (20,000 files at most): SSE and long polling hold two per connection.
    long sockets = long(opts_.connections) * opts_.sockets_per_connection();
    int procs = opts_.procs ? opts_.procs : std::max(1, int((sockets + 14999) / 15000));
    procs = std::min(procs, opts_.connections);
    result_.procs = procs;
    std::vector<int> parent_fds;
    uint32_t per = uint32_t(opts_.connections) / uint32_t(procs), extra = uint32_t(opts_.connections) % uint32_t(procs);
    uint32_t first = 0;
    std::fflush(stdout);
    std::fflush(stderr);
    for (int i = 0; i < procs; ++i) {
      uint32_t count = per + (uint32_t(i) < extra ? 1 : 0);
      int up[2], down[2];  // up: worker -> coordinator, down: coordinator -> worker
      if (pipe2(up, O_CLOEXEC) < 0 || pipe2(down, O_CLOEXEC) < 0) throw std::runtime_error("pipe2 failed");
      pid_t pid = fork();
      if (pid < 0) throw std::runtime_error("fork failed");
      if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGTERM);
        for (int fd : parent_fds) ::close(fd);
        ::close(up[0]);
        ::close(down[1]);
        int rc = 1;
        try {
          channel ch(down[0], up[1]);
          rc = run_worker(opts_, first, count, ch);
        } catch (const std::exception& e) {
          std::fprintf(stderr, "actorhub-bench worker: %s\n", e.what());
        }
        std::fflush(stderr);
        _exit(rc);
      }
      ::close(up[1]);
      ::close(down[0]);
      parent_fds.push_back(up[0]);
      parent_fds.push_back(down[1]);
      worker_slot w;
      w.pid = pid;
      w.ch = std::make_unique<channel>(up[0], down[1]);
      workers_.push_back(std::move(w));
      first += count;
    }
  }

  void on_worker(std::size_t i, ipc type, std::string_view payload) {
    auto& w = workers_[i];
    if (type == ipc(0)) {
      w.gone = true;
      return;
    }
    if (payload.size() == sizeof(worker_report))
      std::memcpy(&w.latest, payload.data(), sizeof(worker_report));
    else if (payload.size() == sizeof(counters))
      std::memcpy(&w.latest.c, payload.data(), sizeof(counters));
    if (type == ipc::ready) w.ready = true;
    if (type == ipc::result) w.has_result = true;
  }

  counters totals() const {
    counters t;
    for (auto& w : workers_) t.add(w.latest.c);
    t.add(sender_counts_);
    return t;
  }

  bool all_workers(bool worker_slot::*flag) const {
    for (auto& w : workers_)
      if (!(w.*flag) && !w.gone) return false;
    return true;
  }

  void step() {
    int64_t now = now_ns();
    switch (phase_) {
      case phase::setup:
        if (sender_ && sender_failed_) return end_window();
        if (all_workers(&worker_slot::ready) && (!sender_ || sender_->is_open())) {
          if (sender_ && opts_.warmup > 0) {
            phase_ = phase::warmup;
            warmup_until_ = now + s_to_ns(std::max(10.0, opts_.drain));
            send_warmup();
            return;
          }
          phase_ = phase::settle;
          settle_until_ = now + s_to_ns(opts_.settle);
        }
        return;
      case phase::warmup:
        if (sender_failed_) return end_window();
        if ((warmup_sent_ >= uint64_t(opts_.warmup) && sender_->outstanding == 0 &&
             totals().warmup_deliveries >= warmup_sent_ * totals().conns_open) ||
            now >= warmup_until_) {
          phase_ = phase::settle;
          settle_until_ = now + s_to_ns(opts_.settle);
        }
        return;
      case phase::settle:
        if (now >= settle_until_) begin_window();
        return;
      case phase::measuring:
        if (window_complete(now)) end_window();
        return;
      case phase::stopping:
        if (all_workers(&worker_slot::has_result) || now >= stop_deadline_) loop_->stop();
        return;
    }
  }

  void begin_window() {
    auto t = totals();
    result_.receivers_at_go = t.conns_open;
    if (t.conns_open == 0 && opts_.scenario != "churn") {
      if (result_.first_error.empty()) {
        for (auto& w : workers_)
          if (w.latest.first_error[0]) {
            result_.first_error = w.latest.first_error;
            break;
          }
      }
      std::fprintf(stderr, "actorhub-bench: no connection could be opened (%s)\n", result_.first_error.c_str());
      return end_window();
    }
    result_.srv_go = sample_processes(opts_.pids);
    go_ns_ = now_ns();
    phase_ = phase::measuring;
    result_.measured = true;
    for (auto& w : workers_) w.ch->send(ipc::go);
    if (sender_) {
      sender_counts_.senders = 1;
      if (opts_.rate == 0) {
        for (int i = 0; i < opts_.window; ++i) send_broadcast();
      } else {
        pacer_.start(go_ns_);
        loop_->every(1'000'000, [this] {
          if (phase_ != phase::measuring) return false;
          for (uint64_t due = pacer_.take(now_ns()); due > 0; --due)
            if (!send_broadcast()) {
              pacer_.give_back(due);
              break;
            }
          return true;
        });
      }
    }
  }

  // Warm-up messages carry sequence numbers after the measured ones, one at a time.
  void send_warmup() {
    auto& c = *sender_;
    if (warmup_sent_ >= uint64_t(opts_.warmup) || !c.is_open() || c.outstanding) return;
    uint64_t seq = uint64_t(opts_.messages) + warmup_sent_++;
    c.invoke("SendToAll", {make_payload(seq, now_ns(), std::size_t(opts_.payload))}, int64_t(seq));
    ++c.outstanding;
  }

  bool send_broadcast() {
    auto& c = *sender_;
    if (phase_ != phase::measuring || !c.is_open() || c.next_seq >= uint64_t(opts_.messages)) return false;
    if (c.outstanding >= uint32_t(opts_.send_window())) return false;
    uint64_t seq = c.next_seq++;
    c.invoke("SendToAll", {make_payload(seq, now_ns(), std::size_t(opts_.payload))}, int64_t(seq));
    ++c.outstanding;
    ++sender_counts_.invocations;
    result_.sender_max_in_flight = std::max<uint64_t>(result_.sender_max_in_flight, c.outstanding);
    return true;
  }

  bool window_complete(int64_t now) {
    const auto& s = opts_.scenario;
    if (s == "echo" || s == "idle" || s == "churn") return now - go_ns_ >= s_to_ns(opts_.duration);
    auto t = totals();
    bool senders_done;
    uint64_t expected;
    if (s == "broadcast") {
      senders_done = sender_failed_ ||
                     (sender_->next_seq >= uint64_t(opts_.messages) && sender_->outstanding == 0);
      expected = sender_->next_seq * result_.receivers_at_go;
    } else {
      std::size_t alive = 0;
      for (auto& w : workers_) alive += w.gone ? 0 : 1;
      if (t.measuring < alive) return false;  // not every worker has reported its senders yet
      senders_done = t.senders_done >= t.senders;
      expected = t.expected;
    }
    if (!senders_done) return false;
    if (!senders_done_ns_) senders_done_ns_ = now;
    return t.deliveries >= expected || now - senders_done_ns_ >= s_to_ns(opts_.drain);
  }

  void end_window() {
    if (phase_ == phase::stopping) return;
    result_.srv_end = sample_processes(opts_.pids);
    end_ns_ = now_ns();
    if (phase_ != phase::measuring) result_.measured = false;
    phase_ = phase::stopping;
    stop_deadline_ = end_ns_ + 10'000'000'000;
    for (auto& w : workers_)
      if (!w.gone) w.ch->send(ipc::stop);
    if (sender_) sender_->abort();
  }

  void reap() {
    for (auto& w : workers_) {
      if (!w.has_result) kill(w.pid, SIGTERM);
      int status = 0;
      waitpid(w.pid, &status, 0);
      if (!w.has_result) ++result_.workers_lost;
    }
  }

  void finish_result() {
    result_.c = totals();
    for (auto& w : workers_) {
      result_.latency.merge(w.latest.latency);
      result_.setup.merge(w.latest.setup);
      if (result_.first_error.empty() && w.latest.first_error[0]) result_.first_error = w.latest.first_error;
    }
    result_.window_s = result_.measured ? double(end_ns_ - go_ns_) / 1e9 : 0;
    if (opts_.scenario == "broadcast" && sender_) result_.expected = sender_->next_seq * result_.receivers_at_go;
    if (opts_.scenario == "groups") result_.expected = result_.c.expected;
    result_.client_cpu_s = own_cpu_seconds() + double(result_.c.client_cpu_us) / 1e6;
    if (!result_.measured) result_.srv_go = result_.srv_end;
  }

  void print_progress(bool final_line) {
    auto t = totals();
    int64_t now = now_ns();
    static const char* names[] = {"setup", "warmup", "settle", "run", "stop"};
    double elapsed = double(now - start_ns_) / 1e9;
    uint64_t done = opts_.scenario == "churn" ? t.cycles : t.deliveries;
    double rate = last_progress_ns_ ? double(done - last_done_) * 1e9 / double(now - last_progress_ns_) : 0;
    last_done_ = done;
    last_progress_ns_ = now;
    char srv[64] = "";
    if (!opts_.pids.empty()) {
      auto s = sample_processes(opts_.pids);
      if (s.ok && last_srv_.ok) std::snprintf(srv, sizeof srv, " srv %.0f%% cpu %.0f MiB", 100 * (s.cpu_s - last_srv_.cpu_s), double(s.rss_kib) / 1024);
      last_srv_ = s;
    }
    std::fprintf(stderr, "%s[%s %s] %5.1fs %-6s conns %llu/%d fail %llu drop %llu | sent %llu acked %llu | done %llu (%.0f/s)%s%s",
                 isatty(2) ? "\r\033[K" : "", opts_.scenario.c_str(), opts_.label.c_str(), elapsed,
                 names[int(phase_)], (unsigned long long)t.conns_open, opts_.connections,
                 (unsigned long long)t.conns_failed, (unsigned long long)t.conns_dropped,
                 (unsigned long long)t.invocations, (unsigned long long)t.completions, (unsigned long long)done, rate,
                 srv, (final_line || !isatty(2)) ? "\n" : "");
  }

  const options& opts_;
  target target_;
  std::unique_ptr<event_loop> loop_;
  std::vector<worker_slot> workers_;
  std::unique_ptr<connection> sender_;
  counters sender_counts_;
  bool sender_failed_ = false;
  pacer pacer_;
  phase phase_ = phase::setup;
  uint64_t warmup_sent_ = 0;
  int64_t warmup_until_ = 0;
  int64_t start_ns_ = 0, settle_until_ = 0, go_ns_ = 0, end_ns_ = 0, stop_deadline_ = 0, senders_done_ns_ = 0;
  run_result result_;
  uint64_t last_done_ = 0;
  int64_t last_progress_ns_ = 0;
  proc_sample last_srv_;
};

void raise_fd_limit() {
  rlimit rl{};
  if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
    rl.rlim_cur = rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
  }
}

}  // namespace

int run_coordinator(const options& o) {
  signal(SIGPIPE, SIG_IGN);
  raise_fd_limit();
  options opts = o;
  if (opts.src_addrs == 0) {
    // connect() searches the ephemeral range (~28k ports) for a free port, which gets slow as it fills: with
    // 19,000 connections from one address, setup cost 6 s of client CPU, with 4 addresses 1.7 s. Churn leaves
    // sockets behind, so it spreads wider.
    int sockets = (opts.connections + 1) * opts.sockets_per_connection();
    opts.src_addrs = opts.scenario == "churn" ? 16 : std::max(1, (sockets + 4999) / 5000);
  }
  coordinator c(opts);
  return c.run();
}

}  // namespace bench
