// Test doubles and a CAF test fixture for the hub layer: fake transports that record what they are sent, a
// deterministic scheduler, and helpers to drive connections.
#pragma once

#include <cstdlib>

#include <atomic>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "caf/test/dsl.hpp"

#include <actorhub/hub.hpp>
#include "actors/hub_host.hpp"
#include "net/hub_connection.hpp"

namespace actorhub::test {

// Encodes a record as "<type>" so tests can count encodings without a real codec.
class fake_protocol : public hub_protocol {
 public:
  protocol_kind kind() const noexcept override { return protocol_kind::json; }
  std::string_view name() const noexcept override { return "json"; }
  int version() const noexcept override { return 1; }
  bool binary() const noexcept override { return false; }
  void write(const hub_message& m, std::string& out) const override {
    ++writes;
    out += "record:" + std::to_string(m.index() + 1);
  }
  parse_status parse(std::string_view&, std::vector<hub_message>&, std::size_t) const override {
    return {parse_status::invalid, "not a real codec"};
  }
  mutable std::atomic<int> writes{0};
};

class fake_connection : public hub_connection {
 public:
  fake_connection(std::string id, std::string user, const fake_protocol& p) : protocol_(p) {
    info_.connection_id = std::move(id);
    info_.user_id = std::move(user);
    info_.hub = "test";
    info_.transport = "WebSockets";
    info_.protocol = "json";
  }

  const connection_info& info() const noexcept override { return info_; }
  const hub_protocol& protocol() const noexcept override { return protocol_; }
  bool send(const encoded_ptr& msg) override {
    if (closed) return false;
    sent.push_back(msg);
    bytes.push_back(msg->bytes(protocol_));  // what a transport does: encode (once) for its protocol
    return true;
  }
  void close(std::optional<std::string> error, bool) override {
    if (closed) return;
    closed = true;
    close_error = std::move(error);
  }

  // Server-to-client invocations (without id) of client method `target`.
  std::vector<array> calls(const std::string& target) const {
    std::vector<array> out;
    for (auto& m : sent)
      if (auto i = std::get_if<invocation_message>(&m->message()); i && i->target == target && !i->invocation_id)
        out.push_back(i->arguments);
    return out;
  }
  const completion_message* completion(const std::string& id) const {
    for (auto& m : sent)
      if (auto c = std::get_if<completion_message>(&m->message()); c && c->invocation_id == id) return c;
    return nullptr;
  }
  std::size_t completions() const { return count<completion_message>(); }
  std::vector<value> items(const std::string& id) const {
    std::vector<value> out;
    for (auto& m : sent)
      if (auto s = std::get_if<stream_item_message>(&m->message()); s && s->invocation_id == id)
        out.push_back(s->item);
    return out;
  }
  // Server-to-client invocations WITH id (client results).
  std::vector<invocation_message> result_requests() const {
    std::vector<invocation_message> out;
    for (auto& m : sent)
      if (auto i = std::get_if<invocation_message>(&m->message()); i && i->invocation_id) out.push_back(*i);
    return out;
  }
  template <class T>
  std::size_t count() const {
    std::size_t n = 0;
    for (auto& m : sent) n += std::holds_alternative<T>(m->message()) ? 1 : 0;
    return n;
  }
  // Index of the first sent message satisfying `pred`, or -1.
  template <class Pred>
  int index_of(Pred pred) const {
    for (std::size_t i = 0; i < sent.size(); ++i)
      if (pred(sent[i]->message())) return static_cast<int>(i);
    return -1;
  }

  connection_info info_;
  const fake_protocol& protocol_;
  std::vector<encoded_ptr> sent;
  std::vector<shared_bytes> bytes;
  bool closed = false;
  std::optional<std::string> close_error;
};

struct client {
  std::shared_ptr<fake_connection> conn;
  std::unique_ptr<hub_inbound> inbound;
  bool closed = false;
  fake_connection* operator->() const { return conn.get(); }
};

struct hub_fixture : test_coordinator_fixture<> {
  fake_protocol protocol;
  std::shared_ptr<hub_host> host;
  std::vector<std::unique_ptr<client>> clients;

  ~hub_fixture() override { teardown(); }

  // Closes every client and stops the hub. Fixtures whose handlers touch their own members call it from
  // their destructor (on_disconnected runs here).
  void teardown() {
    for (auto& c : clients) close(*c);
    if (host) host->shutdown();
    run();
  }

  void start(hub h, const router_factory& make_router = {}, connection_limits limits = {}) {
    // No dispatch policy: every handler runs in its connection actor, on the deterministic test scheduler.
    auto served = std::make_shared<const served_hub>(served_hub{std::move(h), limits, nullptr, nullptr});
    // CTest runs the suites twice: inline dispatch (the default) and the plain path.
    auto* plain = std::getenv("ACTORHUB_TEST_PLAIN_DISPATCH");
    const bool inline_dispatch = !(plain && std::string(plain) == "1");
    host = std::make_shared<hub_host>(sys, std::move(served), inline_dispatch, make_router);
  }

  // Connects a client and lets it register (and run on_connected).
  client& connect(std::string id, std::string user = "") {
    auto c = std::make_unique<client>();
    c->conn = std::make_shared<fake_connection>(std::move(id), std::move(user), protocol);
    c->inbound = host->connect(c->conn);
    sched.run();
    clients.push_back(std::move(c));
    return *clients.back();
  }

  // Hands one transport frame to the connection, without running anything.
  void deliver(client& c, std::vector<hub_message> batch) { c.inbound->on_messages(std::move(batch)); }

  // Delivers one frame and runs every actor until idle (no time passes).
  void feed(client& c, std::vector<hub_message> batch) {
    deliver(c, std::move(batch));
    sched.run();
  }

  void invoke(client& c, std::optional<std::string> id, std::string target, array args = {},
              std::vector<std::string> stream_ids = {}) {
    feed(c, {invocation_message{{}, std::move(id), std::move(target), std::move(args), std::move(stream_ids)}});
  }

  void stream(client& c, std::string id, std::string target, array args = {}, std::vector<std::string> stream_ids = {}) {
    feed(c, {stream_invocation_message{{}, std::move(id), std::move(target), std::move(args), std::move(stream_ids)}});
  }

  void close(client& c) { close(c, std::nullopt); }
  void close(client& c, const std::optional<std::string>& error) {
    if (c.closed) return;
    c.closed = true;
    c.inbound->on_closed(error);
    sched.run();
  }

  // Lets `d` of simulated time pass and runs what became due.
  void wait(std::chrono::milliseconds d) {
    advance_time(d);
    sched.run();
  }

  router_stats stats() {
    router_stats out;
    auto pending = self->request(host->router(), caf::infinite, stats_atom::value);
    sched.run();
    pending.receive([&](router_stats& s) { out = s; }, [&](caf::error& e) { CAF_FAIL(caf::to_string(e)); });
    return out;
  }
};

}  // namespace actorhub::test
