// The messages cluster nodes exchange, as plain C++ values. On the wire each is one Cap'n Proto struct
// (schema/cluster.capnp) carried by CAF as a std::string of bytes; encode() and decode_*() convert, and only
// schema/ knows Cap'n Proto. decode_*() never throws: a malformed or oversize message from a peer yields
// nullopt (the caller drops that message, not the peer).
//
// Evolution is append-only: new fields get new ordinals at the end of their struct, and readers accept
// messages written by the previous schema version (tests/schema pins that with bytes of the first version).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace actorhub::wire {

// -- membership (node actor <-> node actor) -------------------------------------------------------------------

struct node_info {
  std::string name;             // --name: unique in the cluster
  std::uint64_t incarnation = 0;  // random per process start: a restarted node is a new incarnation
  std::string tag;              // the prefix of connection ids and tokens this node issues
  std::string node_address;     // host:port of its published node actor (--advertise, else --node-bind:--node)
  std::string http_address;     // host:port of its client endpoint (where other nodes forward requests)
};

// A node asks to be admitted: its identity and a fresh random nonce.
struct hello {
  node_info node;
  std::string nonce;  // 32 random bytes
};

// The admitting node answers with its identity, its own nonce, and its proof of the key:
// HMAC-SHA256(key, "actorhub-cluster-v1 challenge" | hello.nonce | its nonce | its name | joiner's name).
struct challenge {
  node_info node;
  std::string nonce;
  std::string proof;
};

// The joiner's proof: HMAC-SHA256(key, "actorhub-cluster-v1 proof" | challenge.nonce | hello.nonce | its name).
struct proof {
  std::string proof;
};

// Every member an admitted node knows (itself included), so membership is transitive.
struct member_list {
  std::vector<node_info> members;
};

// A node leaves on purpose (drain): the others drop it at once instead of waiting for the failure detector.
struct leaving {
  std::string name;
  std::uint64_t incarnation = 0;
};

// -- hub traffic (cluster router <-> cluster router of the same hub) --------------------------------------------

struct payload {
  std::string protocol;  // "json" | "messagepack"
  std::string bytes;     // the framed record, exactly as written to clients of that protocol
};

enum class target_kind : std::uint8_t { all = 0, connections = 1, users = 2, groups = 3 };

// One send for the receiving node to fan out locally: the message already encoded in every protocol.
struct delivery {
  target_kind kind = target_kind::all;
  std::vector<std::string> names;     // connection ids / user ids / group names (unused for `all`)
  std::vector<std::string> excluded;  // connection ids that must not receive it
  std::vector<payload> payloads;
  std::uint64_t sent_at_ns = 0;  // sender's CLOCK_REALTIME, for the cross-node latency histogram
  std::uint64_t sequence = 0;    // per link, from 1: flow control and duplicate detection
};

// Add or remove a connection of the receiving node to or from a group (AddToGroup from another node).
struct group_change {
  std::string connection_id;
  std::string group;
  bool join = true;
};

// The sending node now has (present) or no longer has members of a group, or connections of a user.
enum class directory_kind : std::uint8_t { group = 0, user = 1 };
struct directory_change {
  directory_kind kind = directory_kind::group;
  std::string name;
  bool present = true;
};

// Everything the sending node has, when a link (re)starts.
struct directory_snapshot {
  std::vector<std::string> groups;
  std::vector<std::string> users;
};

// A client result asked of a connection of the receiving node.
struct client_invocation {
  std::string connection_id;
  std::string target;
  std::string arguments;  // MessagePack array (lossless for binary and timestamps)
  std::uint32_t timeout_ms = 30000;
};

enum class result_status : std::uint8_t { ok = 0, error = 1, timeout = 2, no_connection = 3, disconnected = 4 };
struct client_result {
  result_status status = result_status::ok;
  std::string result;  // MessagePack value (ok only)
  std::string error;
};

// Presence asked of every node; each answers for its own connections.
enum class presence_kind : std::uint8_t {
  group_connections = 0,  // ids of the group's members here
  group_users = 1,        // distinct users among them
  connection_count = 2,   // connections of the hub here
  user_online = 3,        // does `name` have a connection here
};
struct presence_query {
  presence_kind kind = presence_kind::group_connections;
  std::string name;
};
struct presence_answer {
  std::vector<std::string> names;
  std::uint64_t count = 0;
  bool found = false;
};

// The receiver processed deliveries up to `sequence` (flow control: the sender keeps at most a window of
// unacknowledged bytes per link).
struct credit {
  std::uint64_t sequence = 0;
};

// A stateful-reconnect session moving to the receiving node (drain): everything it needs to resume it.
struct session_handoff {
  std::string connection_id;
  std::string token;
  std::string user_id;
  std::string protocol;           // "json" | "messagepack"
  std::string connection_info;    // JSON: transport, headers, query, cookies, claims (what hub_call::info has)
  std::vector<std::string> groups;
  std::uint64_t next_outbound_sequence = 1;  // stateful reconnect: the next sequence id the server would send
  std::uint64_t last_inbound_sequence = 0;   // the highest sequence id received from the client
  std::vector<std::string> unacknowledged;   // framed records the client has not acknowledged, in order
};

// A session now lives on another node (drain): sent by the node it left to every other node.
struct session_moved {
  std::string connection_id;
  std::string token;
  std::string to_tag;
  std::string to_node;
};

enum class move_step : std::uint8_t { imported = 0, refused = 1, switched = 2, flushed = 3 };

// One step of a session's move between nodes (actors/cluster/session_moves.hpp).
struct move_marker {
  std::string connection_id;
  move_step step = move_step::imported;
  std::string node;
};

// -- codec ----------------------------------------------------------------------------------------------------------
// Names and other text fields must be UTF-8: encode() writes U+FFFD in place of each byte that is not, and
// decode_*() rejects a message with invalid UTF-8 in one. An enum value this version does not know (from a newer
// peer) makes decode_*() return nullopt, except client_result::status, which reads as result_status::error.

std::string encode(const hello&);
std::string encode(const challenge&);
std::string encode(const proof&);
std::string encode(const member_list&);
std::string encode(const leaving&);
std::string encode(const delivery&);
std::string encode(const group_change&);
std::string encode(const directory_change&);
std::string encode(const directory_snapshot&);
std::string encode(const client_invocation&);
std::string encode(const client_result&);
std::string encode(const presence_query&);
std::string encode(const presence_answer&);
std::string encode(const credit&);
std::string encode(const session_handoff&);
std::string encode(const session_moved&);
std::string encode(const move_marker&);

std::optional<hello> decode_hello(std::string_view bytes);
std::optional<challenge> decode_challenge(std::string_view bytes);
std::optional<proof> decode_proof(std::string_view bytes);
std::optional<member_list> decode_member_list(std::string_view bytes);
std::optional<leaving> decode_leaving(std::string_view bytes);
std::optional<delivery> decode_delivery(std::string_view bytes);
std::optional<group_change> decode_group_change(std::string_view bytes);
std::optional<directory_change> decode_directory_change(std::string_view bytes);
std::optional<directory_snapshot> decode_directory_snapshot(std::string_view bytes);
std::optional<client_invocation> decode_client_invocation(std::string_view bytes);
std::optional<client_result> decode_client_result(std::string_view bytes);
std::optional<presence_query> decode_presence_query(std::string_view bytes);
std::optional<presence_answer> decode_presence_answer(std::string_view bytes);
std::optional<credit> decode_credit(std::string_view bytes);
std::optional<session_handoff> decode_session_handoff(std::string_view bytes);
std::optional<session_moved> decode_session_moved(std::string_view bytes);
std::optional<move_marker> decode_move_marker(std::string_view bytes);

// Largest message decode_*() accepts (a delivery carries at most two records of max_message_size each, plus
// names; a handoff carries up to the stateful-reconnect buffer).
inline constexpr std::size_t max_message_bytes = 8 * 1024 * 1024;

}  // namespace actorhub::wire
