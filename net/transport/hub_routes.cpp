// Hub endpoint request decisions (see hub_routes.hpp).
#include "net/transport/hub_routes.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>

#include "net/access_token.hpp"
#include "net/transport/http_util.hpp"
#include "net/transport/hub_session.hpp"
#include "net/transport/long_polling.hpp"
#include "net/transport/negotiate.hpp"
#include "net/transport/raw_session.hpp"

namespace actorhub::transport {

namespace net = boost::asio;

namespace {

struct auth_result {
  bool ok = true;
  std::string user_id;
  object claims;
};

// A presented token must be valid (never silently anonymous); a hub that requires authentication needs one.
auth_result authenticate(const server_state& st, const hub_entry& hub, const http_request& req) {
  auth_result r;
  auto token = request_token(req.headers, req.query);
  if (token) {
    auto check = check_access_token(*token, st.opts.access_key);
    if (!check.valid) {
      r.ok = false;
      return r;
    }
    r.user_id = std::move(check.user_id);
    r.claims = std::move(check.claims);
  } else if (hub.requires_authentication()) {
    r.ok = false;
  }
  return r;
}

http_response unauthorized() {
  auto r = text_response(401, "Unauthorized");
  r.headers.emplace_back("WWW-Authenticate", "Bearer");
  return r;
}

connection_info make_info(const connection_slot& slot, const hub_entry& hub, const http_request& req,
                          transport_kind kind, auth_result& auth) {
  connection_info info;
  info.connection_id = slot.id;
  info.hub = hub.name;
  info.transport = transport_name(kind);
  info.user_id = std::move(auth.user_id);
  info.claims = std::move(auth.claims);
  info.headers = req.headers;
  info.query = req.query;
  for (const auto& [k, v] : req.headers)
    if (k == "cookie") parse_cookies(v, info.cookies);
  return info;
}

std::shared_ptr<session> make_session(const std::shared_ptr<server_state>& st, std::shared_ptr<connection_slot> slot,
                                      transport_kind kind, net::any_io_executor exec, connection_info info) {
  if (slot->hub->raw)
    return std::make_shared<raw_session>(st, std::move(slot), kind, std::move(exec), std::move(info));
  return std::make_shared<hub_session>(st, std::move(slot), kind, std::move(exec), std::move(info));
}

std::optional<int> parse_version(const std::optional<std::string>& v) {
  if (!v || v->empty()) return 0;
  int n = 0;
  for (char c : *v) {
    if (c < '0' || c > '9' || n > 100000) return std::nullopt;
    n = n * 10 + (c - '0');
  }
  return n;
}

// The session of `id` for a POST/DELETE, or the refusal (401 for a bad or missing required token first).
std::shared_ptr<session> existing(const server_state& st, const hub_entry& hub, const http_request& req,
                                  http_response& refused) {
  if (!authenticate(st, hub, req).ok) {
    refused = unauthorized();
    return nullptr;
  }
  auto id = req.query_value("id");
  if (!id || id->empty()) {
    refused = text_response(400, "Connection ID required");
    return nullptr;
  }
  auto s = st.connections.find_session(*id, &hub);
  if (!s) {
    auto slot = st.connections.find(*id);
    if (slot && slot->hub == &hub) {
      refused = text_response(400, "The connection has no transport yet");
    } else {
      refused = text_response(404, "No Connection with that ID");
    }
  }
  return s;
}

}  // namespace

http_response text_response(int status, std::string body) {
  http_response r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

hub_target match_hub(const server_state& st, std::string_view path) {
  std::string p = to_lower(path);
  while (p.size() > 1 && p.back() == '/') p.pop_back();
  hub_target t;
  if ((t.hub = st.find_hub(p))) return t;
  constexpr std::string_view suffix = "/negotiate";
  if (p.size() > suffix.size() && p.compare(p.size() - suffix.size(), suffix.size(), suffix) == 0) {
    std::string base = p.substr(0, p.size() - suffix.size());
    if ((t.hub = st.find_hub(base))) t.negotiate = true;
  }
  return t;
}

http_response negotiate(server_state& st, const hub_entry& hub, const http_request& req) {
  http_response r;
  std::optional<auth_result> auth;
  std::optional<http_response> overridden;
  if (req.method == "POST") auth = authenticate(st, hub, req);
  if (auth && auth->ok && st.override_negotiate && hub.hub)
    overridden = st.override_negotiate(req, *hub.hub, auth->user_id, auth->claims);
  if (req.method != "POST") {
    r = text_response(405, "Method Not Allowed");
    r.headers.emplace_back("Allow", "POST");
  } else if (!auth->ok) {
    r = unauthorized();
  } else if (overridden) {
    r = std::move(*overridden);
  } else if (auto version = parse_version(req.query_value("negotiateVersion")); !version) {
    r = text_response(400, negotiate_error_body("The client requested an invalid protocol version '" +
                                                *req.query_value("negotiateVersion") + "'"));
    r.content_type = "application/json";
  } else if (st.stopping.load()) {
    r = text_response(503, "The server is shutting down");
  } else {
    auto slot = std::make_shared<connection_slot>();
    slot->id = st.opts.id_prefix + random_id(16);
    slot->hub = &hub;
    slot->created_ms = now_ms();
    auto stateful = req.query_value("useStatefulReconnect");
    slot->stateful = stateful && iequals(*stateful, "true");
    negotiate_reply reply;
    reply.version = *version >= 1 ? 1 : 0;
    reply.connection_id = slot->id;
    if (reply.version >= 1) {
      slot->token = st.opts.id_prefix + random_id(16);
      reply.connection_token = slot->token;
    } else {
      slot->token = slot->id;
    }
    reply.transports = hub.transports;
    reply.stateful_reconnect = slot->stateful;
    if (!st.connections.add_pending(slot)) {
      st.rejected(limit_kind::pending);
      st.pending_full_log.hit(st, now_ms(),
                              "negotiate refused: " + std::to_string(st.opts.max_pending_connections) +
                                  " negotiated connections are waiting for their first transport request "
                                  "(a negotiate flood, or clients that cannot connect)");
      r = text_response(503, negotiate_error_body("Too many connections are waiting to connect."));
      r.content_type = "application/json";
      r.headers.emplace_back("Retry-After", "1");
    } else {
      st.pending_full_log.clear(st, "negotiations accepted again");
      r.status = 200;
      r.content_type = "application/json";
      r.body = negotiate_body(reply);
    }
  }
  if (st.decorate_negotiate) st.decorate_negotiate(req, r);
  return r;
}

transport_open open_transport(const std::shared_ptr<server_state>& st, const hub_entry& hub,
                              const http_request& req, transport_kind kind, net::any_io_executor exec) {
  transport_open out;
  auto auth = authenticate(*st, hub, req);
  if (!auth.ok) {
    out.refused = unauthorized();
    return out;
  }
  if (!(hub.transports & transport_bit(kind))) {
    out.refused = text_response(404, std::string(transport_name(kind)) + " transport not supported by this end point type");
    return out;
  }
  // SSE and long-polling sessions get their own executor (a strand with several I/O threads); a WebSocket
  // session uses its socket's.
  auto strand_for = [&] { return kind == transport_kind::websockets ? exec : st->connection_executor(); };
  auto shutting_down = [&] {
    out.refused = text_response(503, "The server is shutting down");
    return out;
  };
  auto id = req.query_value("id");
  if (!id || id->empty()) {
    if (kind != transport_kind::websockets) {
      out.refused = text_response(400, "Connection ID required");
      return out;
    }
    if (st->stopping.load()) return shutting_down();
    // WebSockets without negotiate (skipNegotiation): a new connection.
    auto slot = std::make_shared<connection_slot>();
    slot->id = st->opts.id_prefix + random_id(16);
    slot->token = st->opts.id_prefix + random_id(16);
    slot->hub = &hub;
    slot->created_ms = now_ms();
    slot->s = make_session(st, slot, kind, strand_for(), make_info(*slot, hub, req, kind, auth));
    st->connections.add_live(slot);
    out.s = slot->s;
    out.created = true;
    return out;
  }
  auto slot = st->connections.find(*id);
  if (!slot || slot->hub != &hub) {
    out.refused = text_response(404, "No Connection with that ID");
    return out;
  }
  // New connections are refused while stopping; existing ones keep polling to receive their Close.
  if (st->stopping.load() && !st->connections.find_session(*id, &hub)) return shutting_down();
  auto [s, created] = st->connections.bind(
      slot, [&] { return make_session(st, slot, kind, strand_for(), make_info(*slot, hub, req, kind, auth)); });
  if (!s) {
    out.refused = text_response(404, "No Connection with that ID");
    return out;
  }
  out.s = s;
  out.created = created;
  if (created) return out;
  if (s->transport() != kind) {
    out.refused = text_response(400, "Cannot change transports mid-connection");
    out.s = nullptr;
    return out;
  }
  if (kind == transport_kind::long_polling) return out;
  if (kind == transport_kind::websockets && s->resumable()) {
    out.resume = true;
    return out;
  }
  out.refused = text_response(409, "Another active request for this connection exists");
  out.s = nullptr;
  return out;
}

void long_poll(const std::shared_ptr<server_state>& st, const hub_entry& hub, const http_request& req,
               http_responder respond) {
  auto open = open_transport(st, hub, req, transport_kind::long_polling, net::any_io_executor{});
  if (open.refused) {
    respond(std::move(*open.refused));
    return;
  }
  if (open.created) {
    // The first poll only establishes the transport and returns at once, empty.
    auto link = std::make_shared<long_polling_link>(open.s);
    open.s->attach(link);
    net::post(open.s->executor(), [s = open.s, link] { s->set_detached(link.get(), true, now_ms()); });
    respond(text_response(200, ""));
    return;
  }
  auto link = std::dynamic_pointer_cast<long_polling_link>(open.s->link());
  if (!link) {
    respond(text_response(404, "No Connection with that ID"));
    return;
  }
  link->on_poll(std::move(respond));
}

void post_data(const std::shared_ptr<server_state>& st, const hub_entry& hub, http_request& req,
               http_responder respond) {
  http_response refused;
  auto s = existing(*st, hub, req, refused);
  if (!s) {
    respond(std::move(refused));
    return;
  }
  if (s->transport() == transport_kind::websockets) {
    respond(text_response(405, "POST requests are not allowed for WebSocket connections."));
    return;
  }
  auto ph = s->current_phase();
  if (ph == session::phase::closed || ph == session::phase::closing) {
    respond(text_response(404, "No Connection with that ID"));
    return;
  }
  if (!s->begin_post()) {
    respond(text_response(409, "Another POST request for this connection is in progress"));
    return;
  }
  auto ct = req.header("content-type");
  bool binary = ct && istarts_with(*ct, "application/octet-stream");
  net::post(s->executor(), [s, body = std::move(req.body), binary, respond = std::move(respond)] {
    s->on_data(body, binary);
    s->end_post();
    respond(text_response(200, ""));
  });
}

void delete_connection(const std::shared_ptr<server_state>& st, const hub_entry& hub, const http_request& req,
                       http_responder respond) {
  http_response refused;
  auto s = existing(*st, hub, req, refused);
  if (!s) {
    respond(std::move(refused));
    return;
  }
  if (s->transport() != transport_kind::long_polling) {
    respond(text_response(400, "Cannot terminate this connection using the DELETE endpoint."));
    return;
  }
  auto link = std::dynamic_pointer_cast<long_polling_link>(s->link());
  if (!link) {
    respond(text_response(404, "No Connection with that ID"));
    return;
  }
  link->on_delete(std::move(respond));
}

}  // namespace actorhub::transport
