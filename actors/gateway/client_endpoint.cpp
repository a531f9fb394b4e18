// See client_endpoint.hpp.
#include "actors/gateway/client_endpoint.hpp"

#include <caf/send.hpp>
#include <prometheus/gauge.h>

#include "actors/gateway/client_outbox.hpp"
#include "actors/gateway/link.hpp"
#include "monitoring/gateway_metrics.hpp"
#include "monitoring/metrics.hpp"
#include "net/json_value.hpp"
#include "net/msgpack_protocol.hpp"
#include "schema/gateway_wire.hpp"

namespace actorhub::gateway {

namespace {

std::string lower(std::string s) {
  for (auto& c : s)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return s;
}

const char* const serverless_error =
    "No app server hosts this hub: the connection is serverless and only receives messages.";

// A client of an app server: each frame goes to that app server's link actor, re-encoded with the MessagePack
// hub protocol, from the I/O thread that read it, gathered with the other records of that I/O turn
// (client_outbox.hpp; in order: the open_connection went the same way first).
class hosted_inbound final : public hub_inbound {
 public:
  hosted_inbound(client_endpoint_settings& s, server_ptr server, std::string hub, std::string id,
                 hub_metrics* hm)
      : s_(s), server_(std::move(server)), hub_(std::move(hub)), id_(std::move(id)), hm_(hm) {}

  void on_messages(std::vector<hub_message>&& batch) override {
    gwire::connection_data d;
    d.connection_id = id_;
    auto& mp = messagepack_protocol();
    std::size_t invocations = 0;
    for (auto& m : batch) {
      auto t = type_of(m);
      if (t == message_type::invocation || t == message_type::stream_invocation) ++invocations;
      mp.write(m, d.bytes);
    }
    if (hm_ && invocations) hm_->received(invocations, 0);
    server_->from_clients->add(gwire::encode(d));
    if (s_.gw_metrics) s_.gw_metrics->to_server();
  }

  void on_closed(std::optional<std::string> error) override {
    gwire::close_connection c;
    c.connection_id = id_;
    c.has_error = error.has_value();
    c.error = error.value_or(std::string());
    server_->from_clients->add(gwire::encode(c));
    caf::anon_send(s_.gateway, g_detach_atom::value, hub_, id_);
    if (hm_) hm_->connection_closed();
  }

 private:
  client_endpoint_settings& s_;
  server_ptr server_;
  std::string hub_;
  std::string id_;
  hub_metrics* hm_;
};

// A client of a hub no app server runs: it receives what the REST API and app servers send; its invocations
// fail with a clear error Completion.
class serverless_inbound final : public hub_inbound {
 public:
  serverless_inbound(client_endpoint_settings& s, hub_connection_ptr conn, std::string hub, std::string id,
                     hub_metrics* hm)
      : s_(s), conn_(std::move(conn)), hub_(std::move(hub)), id_(std::move(id)), hm_(hm) {}

  void on_messages(std::vector<hub_message>&& batch) override {
    for (auto& m : batch) {
      std::optional<std::string> invocation_id;
      if (auto* inv = std::get_if<invocation_message>(&m)) invocation_id = inv->invocation_id;
      else if (auto* sinv = std::get_if<stream_invocation_message>(&m)) invocation_id = sinv->invocation_id;
      else continue;
      if (hm_) hm_->received(1, 0);
      if (!invocation_id) continue;
      completion_message c;
      c.invocation_id = *invocation_id;
      c.error = serverless_error;
      conn_->send(encode(hub_message(std::move(c))));
    }
  }

  void on_closed(std::optional<std::string>) override {
    caf::anon_send(s_.gateway, g_detach_atom::value, hub_, id_);
    if (hm_) hm_->connection_closed();
  }

 private:
  client_endpoint_settings& s_;
  hub_connection_ptr conn_;
  std::string hub_;
  std::string id_;
  hub_metrics* hm_;
};

class refused_inbound final : public hub_inbound {
 public:
  void on_messages(std::vector<hub_message>&&) override {}
  void on_closed(std::optional<std::string>) override {}
};

class client_endpoint final : public hub_endpoint {
 public:
  explicit client_endpoint(client_endpoint_settings s) : s_(std::move(s)) {}

  bool requires_authentication() const noexcept override { return true; }

  std::unique_ptr<hub_inbound> connect(hub_connection_ptr conn) override {
    const auto& info = conn->info();
    auto hub = requested_hub(info.query);
    if (hub.empty() || !audience_ok(info.claims, *s_.client_base, hub)) {
      conn->close(std::string("Unauthorized: the access token is not valid for this hub."), false);
      return std::make_unique<refused_inbound>();
    }
    std::string pinned;
    if (auto* c = info.claim(server_claim); c && c->if_string()) pinned = *c->if_string();
    auto server = s_.directory->pick(hub, pinned);
    hub_metrics* hm = s_.metrics ? &s_.metrics->hub(hub) : nullptr;
    if (hm) hm->connection_opened();
    client_attach a{hub, info.connection_id, info.user_id, conn, server};
    if (!server) {
      caf::anon_send(s_.gateway, g_attach_atom::value, std::move(a));
      return std::make_unique<serverless_inbound>(s_, conn, hub, info.connection_id, hm);
    }
    server->clients.fetch_add(1);
    if (server->gauge) server->gauge->Increment();
    // The registry entry first (the app server's first sends to it come after its open_connection), then the
    // app server hears of it, from this thread, before any frame of the client.
    caf::anon_send(s_.gateway, g_attach_atom::value, std::move(a));
    gwire::open_connection o;
    o.connection_id = info.connection_id;
    o.hub = hub;
    o.user_id = info.user_id;
    write_json(info.claims, o.claims);
    o.headers = info.headers;
    o.query = info.query;
    o.cookies = info.cookies;
    o.transport = info.transport;
    o.protocol = info.protocol;
    server->from_clients->add(gwire::encode(o));
    if (s_.gw_metrics) s_.gw_metrics->to_server();
    return std::make_unique<hosted_inbound>(s_, server, hub, info.connection_id, hm);
  }

 private:
  client_endpoint_settings s_;
};

}  // namespace

std::string requested_hub(const string_pairs& query) {
  for (auto& [k, v] : query)
    if (k == "hub") return lower(v);
  return {};
}

bool audience_ok(const object& claims, const std::string& client_base, const std::string& hub) {
  for (auto& [k, v] : claims) {
    if (k != "aud") continue;
    auto check = [&](const value& a) {
      auto* s = a.if_string();
      return s && lower(*s) == lower(client_url(client_base, hub));
    };
    if (check(v)) return true;
    if (auto* list = v.if_array())
      for (auto& a : *list)
        if (check(a)) return true;
    return false;
  }
  return false;
}

std::shared_ptr<hub_endpoint> make_client_endpoint(client_endpoint_settings settings) {
  return std::make_shared<client_endpoint>(std::move(settings));
}

server::negotiate_override make_client_negotiate_check(std::shared_ptr<std::string> client_base) {
  return [client_base](const http_request& req, const hub_endpoint&, const std::string&,
                       const object& claims) -> std::optional<http_response> {
    auto hub = requested_hub(req.query);
    if (hub.empty()) return http_response{400, "text/plain; charset=utf-8", "The hub query parameter is required.", {}};
    if (!audience_ok(claims, *client_base, hub)) {
      http_response r{401, "text/plain; charset=utf-8", "Unauthorized", {}};
      r.headers.emplace_back("WWW-Authenticate", "Bearer");
      return r;
    }
    return std::nullopt;  // the built-in negotiate
  };
}

}  // namespace actorhub::gateway
