// A stateful-reconnect connection as one client endpoint hands it to another (server::export_session and
// server::import_session, net/server.hpp): plain values only (no Asio, no Beast), so that the layer moving it
// (the cluster) can carry it in its own wire format.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <actorhub/connection_info.hpp>

namespace actorhub {

struct session_snapshot {
  std::string connection_id;  // public id (negotiate `connectionId`)
  std::string token;          // secret `connectionToken`: the `id` the client reconnects with
  std::string hub_path;       // the hub's path as registered, lower case: "/testhub"
  std::string protocol;       // hub protocol name, "json" | "messagepack": the records below are encoded in it
  bool stateful = true;       // useStatefulReconnect was negotiated (always, for a connection that can move)
  connection_info info;       // of the connect request: transport, headers, query, cookies, user, claims

  // Stateful reconnect (HubProtocol.md "Stateful Reconnect"): trackable messages are numbered from 1 per direction.
  std::int64_t next_outbound_seq = 1;  // the id the next trackable message to the client gets
  std::int64_t last_inbound_seq = 0;   // the highest id from the client handed to the hub layer (what an Ack says)
  struct record {
    std::int64_t seq = 0;
    std::string bytes;  // one encoded message, framing included (JSON: ends with 0x1E; MessagePack: length prefix)
  };
  // Sent to the client and not acknowledged by it, in order: ascending, contiguous, the last is next_outbound_seq - 1.
  // After the reconnect they are replayed once after a Sequence message; the client drops those it already has.
  std::vector<record> unacked;
};

}  // namespace actorhub
