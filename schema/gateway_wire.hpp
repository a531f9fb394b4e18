// The messages a gateway and its app servers exchange (hosted mode, docs/hosted.md), as plain C++ values. On the
// wire each is one Cap'n Proto GatewayMessage (schema/gateway.capnp) carried by CAF as a std::string of bytes;
// encode() and decode() convert, and only schema/ knows Cap'n Proto. decode() never throws: a malformed or
// oversize message yields nullopt (the caller drops that message, not the link).
//
// Hub traffic reuses the cluster's values (schema/cluster_wire.hpp): wire::delivery, wire::client_invocation,
// wire::client_result, wire::presence_query, wire::presence_answer.
//
// Evolution is append-only (see gateway.capnp); tests/schema pins the bytes of the first version.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "schema/cluster_wire.hpp"

namespace actorhub::gwire {

using string_pairs = std::vector<std::pair<std::string, std::string>>;

// -- the link ------------------------------------------------------------------------------------------------

struct server_hello {
  std::string server_id;  // unique per app-server process start
  std::string name;
  std::string nonce;  // 32 random bytes
  std::uint32_t version = 1;
  std::uint32_t link = 0;  // which of the server's links (each is admitted on its own)
};

// HMAC-SHA256(key, "actorhub-gateway-v1 challenge" | hello.nonce | nonce | server_id)
struct server_challenge {
  std::string nonce;
  std::string proof;
};

// HMAC-SHA256(key, "actorhub-gateway-v1 proof" | challenge.nonce | hello.nonce | server_id)
struct server_proof {
  std::string proof;
};

struct admitted {
  std::string client_url;  // "http://host:port" of the gateway's client endpoint
};

struct register_hubs {
  std::vector<std::string> hubs;
};

// -- client connections ----------------------------------------------------------------------------------------

struct open_connection {
  std::string connection_id;
  std::string hub;
  std::string user_id;
  std::string claims;  // JSON object
  string_pairs headers;
  string_pairs query;
  string_pairs cookies;
  std::string transport;
  std::string protocol;
};

// gateway -> app server: MessagePack hub-protocol records of one frame; app server -> gateway: one record in the
// connection's protocol, of hub message type `message_type`.
struct connection_data {
  std::string connection_id;
  std::string bytes;
  std::uint8_t message_type = 0;
};

struct close_connection {
  std::string connection_id;
  bool has_error = false;
  std::string error;
  bool allow_reconnect = false;
};

// -- hub traffic -----------------------------------------------------------------------------------------------

struct hub_delivery {
  std::string hub;
  wire::delivery delivery;
};

struct group_change {
  std::uint64_t ack_id = 0;
  std::string hub;
  std::string connection_id;
  std::string group;
  bool join = true;
};

struct ack {
  std::uint64_t ack_id = 0;
};

struct client_invocation {
  std::uint64_t id = 0;
  std::string hub;
  wire::client_invocation invocation;
};

struct client_result {
  std::uint64_t id = 0;
  wire::client_result result;
};

struct presence_query {
  std::uint64_t id = 0;
  std::string hub;
  wire::presence_query query;
};

struct presence_answer {
  std::uint64_t id = 0;
  wire::presence_answer answer;
};

enum class flow_kind : std::uint8_t { credit = 0, pause = 1, resume = 2 };
struct flow_control {
  flow_kind kind = flow_kind::credit;
  std::uint64_t sequence = 0;
};

struct draining {
  std::string server_id;
};

// Several encoded messages (none of them a batch), in order.
struct batch {
  std::vector<std::string> messages;
};

// Gateway -> gateway: a REST operation on a connection the asking gateway does not hold (answered with a
// presence_answer whose `found` says whether the answering gateway held it).
enum class connection_op_kind : std::uint8_t { exists = 0, add_to_group = 1, remove_from_group = 2, close = 3 };
struct connection_op {
  connection_op_kind kind = connection_op_kind::exists;
  std::string hub;
  std::string connection_id;
  std::string group;
  std::string reason;
};

// Any of them: what decode() returns. The index follows the union of gateway.capnp (minus `unset`).
using message = std::variant<server_hello, server_challenge, server_proof, admitted, register_hubs, open_connection,
                             connection_data, close_connection, hub_delivery, group_change, ack, client_invocation,
                             client_result, presence_query, presence_answer, flow_control, draining, batch,
                             connection_op>;

// -- codec -------------------------------------------------------------------------------------------------------
// Text fields must be UTF-8: encode() writes U+FFFD in place of each byte that is not, and decode() rejects a
// message with invalid UTF-8 in one. An enum value this version does not know makes decode() return nullopt,
// except a client result's status, which reads as wire::result_status::error.

std::string encode(const server_hello&);
std::string encode(const server_challenge&);
std::string encode(const server_proof&);
std::string encode(const admitted&);
std::string encode(const register_hubs&);
std::string encode(const open_connection&);
std::string encode(const connection_data&);
std::string encode(const close_connection&);
std::string encode(const hub_delivery&);
std::string encode(const group_change&);
std::string encode(const ack&);
std::string encode(const client_invocation&);
std::string encode(const client_result&);
std::string encode(const presence_query&);
std::string encode(const presence_answer&);
std::string encode(const flow_control&);
std::string encode(const draining&);
std::string encode(const batch&);
std::string encode(const connection_op&);
std::string encode(const message&);

std::optional<message> decode(std::string_view bytes) noexcept;

// Largest message decode() accepts (a delivery carries two records of at most max_message_size each, a frame
// from a client at most the transport's request body).
inline constexpr std::size_t max_message_bytes = 8 * 1024 * 1024;

}  // namespace actorhub::gwire
