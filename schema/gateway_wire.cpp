// The Cap'n Proto codec of the gateway messages: the only file that includes gateway.capnp.h.
//
// Every message travels as one GatewayMessage (schema/gateway.capnp), serialised as a single flat array. Decoding
// treats the bytes as hostile, with the same checks as cluster_wire.cpp: a non-zero multiple of 8 bytes of at most
// max_message_bytes holding exactly one message; a traversal limit of twice the message's words and a nesting
// limit of 16; no list of zero-sized structs; known enum values (an unknown client result status reads as
// error); well-formed UTF-8 in every Text field. Any violation or exception yields nullopt.
#include "schema/gateway_wire.hpp"

#include <algorithm>

#include "cluster.capnp.h"
#include "gateway.capnp.h"
#include "schema/capnp_codec.hpp"
#include "schema/hub_structs.hpp"

namespace actorhub::gwire {
namespace {

namespace s = schema;
namespace cs = wire::schema;
using Which = s::GatewayMessage::Which;

static_assert(max_message_bytes % capnp_codec::word_bytes == 0);

static_assert(static_cast<int>(s::FlowKind::CREDIT) == static_cast<int>(flow_kind::credit));
static_assert(static_cast<int>(s::FlowKind::PAUSE) == static_cast<int>(flow_kind::pause));
static_assert(static_cast<int>(s::FlowKind::RESUME) == static_cast<int>(flow_kind::resume));

using namespace capnp_codec;
using wire::read;
using wire::write;

std::size_t approx(const std::string& v) { return capnp_codec::approx(v); }
std::size_t approx(const std::vector<std::string>& v) { return capnp_codec::approx(v); }
std::size_t approx(const string_pairs& v) {
  std::size_t n = word_bytes;
  for (const auto& [k, x] : v) n += approx(k) + approx(x) + 2 * word_bytes;
  return n;
}

template <class Fill>
std::string encode_message(std::size_t approx_bytes, Fill&& fill) {
  return capnp_codec::encode_message<s::GatewayMessage>(approx_bytes, max_message_bytes, std::forward<Fill>(fill));
}

void write_pairs(capnp::List<s::Pair>::Builder list, const string_pairs& v) {
  for (unsigned i = 0; i < v.size(); ++i) {
    set_text(v[i].first, [&](auto t) { list[i].setName(t); });
    list[i].setValue(data(v[i].second));
  }
}

string_pairs read_pairs(capnp::List<s::Pair>::Reader list) {
  return structs<std::pair<std::string, std::string>>(
      list, [](s::Pair::Reader p) { return std::make_pair(text(p.getName()), bytes(p.getValue())); });
}

message read_message(s::GatewayMessage::Reader m) {
  switch (m.which()) {
    case Which::SERVER_HELLO: {
      auto r = m.getServerHello();
      return server_hello{text(r.getServerId()), text(r.getName()), bytes(r.getNonce()), r.getVersion(), r.getLink()};
    }
    case Which::SERVER_CHALLENGE: {
      auto r = m.getServerChallenge();
      return server_challenge{bytes(r.getNonce()), bytes(r.getProof())};
    }
    case Which::SERVER_PROOF:
      return server_proof{bytes(m.getServerProof().getProof())};
    case Which::ADMITTED:
      return admitted{text(m.getAdmitted().getClientUrl())};
    case Which::REGISTER_HUBS:
      return register_hubs{texts(m.getRegisterHubs().getHubs())};
    case Which::OPEN_CONNECTION: {
      auto r = m.getOpenConnection();
      open_connection v;
      v.connection_id = text(r.getConnectionId());
      v.hub = text(r.getHub());
      v.user_id = text(r.getUserId());
      v.claims = bytes(r.getClaims());
      v.headers = read_pairs(r.getHeaders());
      v.query = read_pairs(r.getQuery());
      v.cookies = read_pairs(r.getCookies());
      v.transport = text(r.getTransport());
      v.protocol = text(r.getProtocol());
      return v;
    }
    case Which::CONNECTION_DATA: {
      auto r = m.getConnectionData();
      return connection_data{text(r.getConnectionId()), bytes(r.getBytes()), r.getMessageType()};
    }
    case Which::CLOSE_CONNECTION: {
      auto r = m.getCloseConnection();
      return close_connection{text(r.getConnectionId()), r.getHasError(), text(r.getError()), r.getAllowReconnect()};
    }
    case Which::DELIVERY: {
      auto r = m.getDelivery();
      return hub_delivery{text(r.getHub()), read(r.getDelivery())};
    }
    case Which::GROUP_CHANGE: {
      auto r = m.getGroupChange();
      return group_change{r.getAckId(), text(r.getHub()), text(r.getConnectionId()), text(r.getGroup()), r.getJoin()};
    }
    case Which::ACK:
      return ack{m.getAck().getAckId()};
    case Which::CLIENT_INVOCATION: {
      auto r = m.getClientInvocation();
      return client_invocation{r.getId(), text(r.getHub()), read(r.getInvocation())};
    }
    case Which::CLIENT_RESULT: {
      auto r = m.getClientResult();
      return client_result{r.getId(), read(r.getResult())};
    }
    case Which::PRESENCE_QUERY: {
      auto r = m.getPresenceQuery();
      return presence_query{r.getId(), text(r.getHub()), read(r.getQuery())};
    }
    case Which::PRESENCE_ANSWER: {
      auto r = m.getPresenceAnswer();
      return presence_answer{r.getId(), read(r.getAnswer())};
    }
    case Which::FLOW_CONTROL: {
      auto r = m.getFlowControl();
      return flow_control{known(r.getKind(), flow_kind::resume), r.getSequence()};
    }
    case Which::DRAINING:
      return draining{text(m.getDraining().getServerId())};
    case Which::BATCH: {
      batch v;
      auto list = m.getBatch().getMessages();
      v.messages.reserve(list.size());
      for (auto d : list) v.messages.push_back(bytes(d));
      return v;
    }
    case Which::CONNECTION_OP: {
      auto r = m.getConnectionOp();
      return connection_op{known(r.getKind(), connection_op_kind::close), text(r.getHub()), text(r.getConnectionId()),
                           text(r.getGroup()), text(r.getReason())};
    }
    default:
      throw rejected{};  // unset, or a member of a newer version
  }
}

}  // namespace

std::string encode(const server_hello& v) {
  return encode_message(approx(v.server_id) + approx(v.name) + approx(v.nonce) + 64, [&](s::GatewayMessage::Builder m) {
    auto b = m.initServerHello();
    set_text(v.server_id, [&](auto t) { b.setServerId(t); });
    set_text(v.name, [&](auto t) { b.setName(t); });
    b.setNonce(data(v.nonce));
    b.setVersion(v.version);
    b.setLink(v.link);
  });
}

std::string encode(const server_challenge& v) {
  return encode_message(approx(v.nonce) + approx(v.proof), [&](s::GatewayMessage::Builder m) {
    auto b = m.initServerChallenge();
    b.setNonce(data(v.nonce));
    b.setProof(data(v.proof));
  });
}

std::string encode(const server_proof& v) {
  return encode_message(approx(v.proof), [&](s::GatewayMessage::Builder m) { m.initServerProof().setProof(data(v.proof)); });
}

std::string encode(const admitted& v) {
  return encode_message(approx(v.client_url), [&](s::GatewayMessage::Builder m) {
    auto b = m.initAdmitted();
    set_text(v.client_url, [&](auto t) { b.setClientUrl(t); });
  });
}

std::string encode(const register_hubs& v) {
  return encode_message(approx(v.hubs), [&](s::GatewayMessage::Builder m) {
    set_texts(m.initRegisterHubs().initHubs(static_cast<unsigned>(v.hubs.size())), v.hubs);
  });
}

std::string encode(const open_connection& v) {
  auto n = approx(v.connection_id) + approx(v.hub) + approx(v.user_id) + approx(v.claims) + approx(v.headers) +
           approx(v.query) + approx(v.cookies) + approx(v.transport) + approx(v.protocol) + 64;
  return encode_message(n, [&](s::GatewayMessage::Builder m) {
    auto b = m.initOpenConnection();
    set_text(v.connection_id, [&](auto t) { b.setConnectionId(t); });
    set_text(v.hub, [&](auto t) { b.setHub(t); });
    set_text(v.user_id, [&](auto t) { b.setUserId(t); });
    b.setClaims(data(v.claims));
    write_pairs(b.initHeaders(static_cast<unsigned>(v.headers.size())), v.headers);
    write_pairs(b.initQuery(static_cast<unsigned>(v.query.size())), v.query);
    write_pairs(b.initCookies(static_cast<unsigned>(v.cookies.size())), v.cookies);
    set_text(v.transport, [&](auto t) { b.setTransport(t); });
    set_text(v.protocol, [&](auto t) { b.setProtocol(t); });
  });
}

std::string encode(const connection_data& v) {
  return encode_message(approx(v.connection_id) + approx(v.bytes) + 16, [&](s::GatewayMessage::Builder m) {
    auto b = m.initConnectionData();
    set_text(v.connection_id, [&](auto t) { b.setConnectionId(t); });
    b.setBytes(data(v.bytes));
    b.setMessageType(v.message_type);
  });
}

std::string encode(const close_connection& v) {
  return encode_message(approx(v.connection_id) + approx(v.error) + 16, [&](s::GatewayMessage::Builder m) {
    auto b = m.initCloseConnection();
    set_text(v.connection_id, [&](auto t) { b.setConnectionId(t); });
    b.setHasError(v.has_error);
    set_text(v.error, [&](auto t) { b.setError(t); });
    b.setAllowReconnect(v.allow_reconnect);
  });
}

std::string encode(const hub_delivery& v) {
  std::size_t n = approx(v.hub) + approx(v.delivery.names) + approx(v.delivery.excluded) + 64;
  for (auto& p : v.delivery.payloads) n += approx(p.protocol) + approx(p.bytes) + 16;
  return encode_message(n, [&](s::GatewayMessage::Builder m) {
    auto b = m.initDelivery();
    set_text(v.hub, [&](auto t) { b.setHub(t); });
    write(b.initDelivery(), v.delivery);
  });
}

std::string encode(const group_change& v) {
  return encode_message(approx(v.hub) + approx(v.connection_id) + approx(v.group) + 32, [&](s::GatewayMessage::Builder m) {
    auto b = m.initGroupChange();
    b.setAckId(v.ack_id);
    set_text(v.hub, [&](auto t) { b.setHub(t); });
    set_text(v.connection_id, [&](auto t) { b.setConnectionId(t); });
    set_text(v.group, [&](auto t) { b.setGroup(t); });
    b.setJoin(v.join);
  });
}

std::string encode(const ack& v) {
  return encode_message(16, [&](s::GatewayMessage::Builder m) { m.initAck().setAckId(v.ack_id); });
}

std::string encode(const client_invocation& v) {
  auto n = approx(v.hub) + approx(v.invocation.connection_id) + approx(v.invocation.target) +
           approx(v.invocation.arguments) + 32;
  return encode_message(n, [&](s::GatewayMessage::Builder m) {
    auto b = m.initClientInvocation();
    b.setId(v.id);
    set_text(v.hub, [&](auto t) { b.setHub(t); });
    write(b.initInvocation(), v.invocation);
  });
}

std::string encode(const client_result& v) {
  return encode_message(approx(v.result.result) + approx(v.result.error) + 32, [&](s::GatewayMessage::Builder m) {
    auto b = m.initClientResult();
    b.setId(v.id);
    write(b.initResult(), v.result);
  });
}

std::string encode(const presence_query& v) {
  return encode_message(approx(v.hub) + approx(v.query.name) + 32, [&](s::GatewayMessage::Builder m) {
    auto b = m.initPresenceQuery();
    b.setId(v.id);
    set_text(v.hub, [&](auto t) { b.setHub(t); });
    write(b.initQuery(), v.query);
  });
}

std::string encode(const presence_answer& v) {
  return encode_message(approx(v.answer.names) + 32, [&](s::GatewayMessage::Builder m) {
    auto b = m.initPresenceAnswer();
    b.setId(v.id);
    write(b.initAnswer(), v.answer);
  });
}

std::string encode(const connection_op& v) {
  return encode_message(approx(v.hub) + approx(v.connection_id) + approx(v.group) + approx(v.reason) + 32,
                        [&](s::GatewayMessage::Builder m) {
                          auto b = m.initConnectionOp();
                          b.setKind(static_cast<s::ConnectionOpKind>(v.kind));
                          set_text(v.hub, [&](auto t) { b.setHub(t); });
                          set_text(v.connection_id, [&](auto t) { b.setConnectionId(t); });
                          set_text(v.group, [&](auto t) { b.setGroup(t); });
                          set_text(v.reason, [&](auto t) { b.setReason(t); });
                        });
}

std::string encode(const flow_control& v) {
  return encode_message(16, [&](s::GatewayMessage::Builder m) {
    auto b = m.initFlowControl();
    b.setKind(static_cast<s::FlowKind>(v.kind));
    b.setSequence(v.sequence);
  });
}

std::string encode(const draining& v) {
  return encode_message(approx(v.server_id), [&](s::GatewayMessage::Builder m) {
    set_text(v.server_id, [&](auto t) { m.initDraining().setServerId(t); });
  });
}

std::string encode(const batch& v) {
  return encode_message(approx(v.messages), [&](s::GatewayMessage::Builder m) {
    auto list = m.initBatch().initMessages(static_cast<unsigned>(v.messages.size()));
    for (unsigned i = 0; i < v.messages.size(); ++i) list.set(i, data(v.messages[i]));
  });
}

std::string encode(const message& v) {
  return std::visit([](const auto& x) { return encode(x); }, v);
}

std::optional<message> decode(std::string_view input) noexcept {
  return read_flat<s::GatewayMessage>(input, max_message_bytes,
                                      [](s::GatewayMessage::Reader m) { return read_message(m); });
}

}  // namespace actorhub::gwire
