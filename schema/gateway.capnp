# What a gateway and its app servers exchange (hosted mode, docs/hosted.md). schema/gateway_wire.hpp has the
# messages as plain C++ values; only schema/gateway_wire.cpp includes the code generated from this file. Every
# message on the wire is one GatewayMessage: a union whose member says which message it is.
#
# EVOLUTION IS APPEND-ONLY, with the same rules as cluster.capnp: never renumber, retype or remove a field,
# enumerant or union member; a new field takes the next free ordinal and its default means "what the old version
# did"; a new message is a new member at the end of the GatewayMessage union. tests/schema/gateway-v1/ pins the
# bytes of this first version. Text is UTF-8 (readers reject invalid UTF-8); Data is any bytes.
#
# Hub traffic reuses the cluster's structs (Delivery, ClientInvocation, ClientResult, PresenceQuery,
# PresenceAnswer), so a delivery has the same shape whether it crosses a cluster link or a gateway link.

@0xc6f2a4e1d97b3a58;

using Cxx = import "/capnp/c++.capnp";
$Cxx.namespace("actorhub::gwire::schema");

using Cluster = import "cluster.capnp";

struct GatewayMessage {
  union {
    unset @0 :Void;
    serverHello @1 :ServerHello;
    serverChallenge @2 :ServerChallenge;
    serverProof @3 :ServerProof;
    admitted @4 :Admitted;
    registerHubs @5 :RegisterHubs;
    openConnection @6 :OpenConnection;
    connectionData @7 :ConnectionData;
    closeConnection @8 :CloseConnection;
    delivery @9 :HubDelivery;
    groupChange @10 :GroupChange;
    ack @11 :Ack;
    clientInvocation @12 :HubClientInvocation;
    clientResult @13 :HubClientResult;
    presenceQuery @14 :HubPresenceQuery;
    presenceAnswer @15 :HubPresenceAnswer;
    flowControl @16 :FlowControl;
    draining @17 :Draining;
    batch @18 :Batch;
    connectionOp @19 :ConnectionOp;
  }
}

# -- the link (app server -> gateway first) ----------------------------------------------------------------------

# An app server asks to be admitted: who it is and a fresh nonce.
struct ServerHello {
  serverId @0 :Text;        # unique per app-server process start (tokens pin clients to it)
  name @1 :Text;            # --name, for logs and GetServerName
  nonce @2 :Data;           # 32 random bytes
  version @3 :UInt32 = 1;   # link protocol version
  link @4 :UInt32 = 0;      # which of the server's links this is (--service-links; 0 .. links-1)
}

# The gateway proves the access key: HMAC-SHA256(key, "actorhub-gateway-v1 challenge" | hello.nonce | nonce |
# serverId), and brings its own nonce.
struct ServerChallenge {
  nonce @0 :Data;
  proof @1 :Data;
}

# The app server proves the key: HMAC-SHA256(key, "actorhub-gateway-v1 proof" | challenge.nonce | hello.nonce |
# serverId).
struct ServerProof {
  proof @0 :Data;
}

# The app server is admitted. `clientUrl` is the gateway's client endpoint ("http://host:port"), the base of the
# negotiate redirect.
struct Admitted {
  clientUrl @0 :Text;
}

# The hubs the app server runs (sent after admission, and again after every reconnect).
struct RegisterHubs {
  hubs @0 :List(Text);
}

struct Pair {
  name @0 :Text;
  value @1 :Data;           # header values need not be UTF-8
}

# gateway -> app server: a client connected to `hub` and is hosted by this app server for its lifetime.
struct OpenConnection {
  connectionId @0 :Text;
  hub @1 :Text;
  userId @2 :Text;
  claims @3 :Data;          # the access token's claims, a JSON object
  headers @4 :List(Pair);   # of the connect request, names in lower case
  query @5 :List(Pair);
  cookies @6 :List(Pair);
  transport @7 :Text;       # "WebSockets" | "ServerSentEvents" | "LongPolling"
  protocol @8 :Text;        # "json" | "messagepack"
}

# Data of one connection. gateway -> app server: one transport frame's decoded hub messages, re-encoded with the
# MessagePack hub protocol (lossless for every protocol). app server -> gateway: one record already encoded in
# the connection's protocol, of hub message type `messageType`.
struct ConnectionData {
  connectionId @0 :Text;
  bytes @1 :Data;
  messageType @2 :UInt8;
}

# Either way: the connection is closed (gateway -> app server: the client left; app server -> gateway: close
# it with a Close message carrying `error` when `hasError`, and `allowReconnect`).
struct CloseConnection {
  connectionId @0 :Text;
  hasError @1 :Bool;
  error @2 :Text;
  allowReconnect @3 :Bool;
}

# app server -> gateway: a send for the gateway to fan out (already encoded in every protocol).
struct HubDelivery {
  hub @0 :Text;
  delivery @1 :Cluster.Delivery;
}

# app server -> gateway: add or remove a connection to or from a group; the gateway answers Ack(ackId) once the
# change is in effect (every later send sees it).
struct GroupChange {
  ackId @0 :UInt64;
  hub @1 :Text;
  connectionId @2 :Text;
  group @3 :Text;
  join @4 :Bool = true;
}

struct Ack {
  ackId @0 :UInt64;
}

# Either way: a client result asked of a connection (app server -> gateway routes it to the connection's app
# server; gateway -> app server asks the hosting connection actor). Answered by a HubClientResult with the same id.
struct HubClientInvocation {
  id @0 :UInt64;
  hub @1 :Text;
  invocation @2 :Cluster.ClientInvocation;
}

struct HubClientResult {
  id @0 :UInt64;
  result @1 :Cluster.ClientResult;
}

# app server -> gateway: presence of the hub, answered by the gateway for every connection it holds.
struct HubPresenceQuery {
  id @0 :UInt64;
  hub @1 :Text;
  query @2 :Cluster.PresenceQuery;
}

struct HubPresenceAnswer {
  id @0 :UInt64;
  answer @1 :Cluster.PresenceAnswer;
}

# Flow control of one link direction: `pause` asks the other side to stop opening connections to / sending data
# for this side until `resume`; `credit` acknowledges processed messages up to `sequence`.
enum FlowKind {
  credit @0;
  pause @1;
  resume @2;
}

struct FlowControl {
  kind @0 :FlowKind;
  sequence @1 :UInt64;
}

# app server -> gateway: this server is draining (SIGTERM); route no new clients to it.
struct Draining {
  serverId @0 :Text;
}

# Several messages at once, in order (each a GatewayMessage, never a Batch): what one side queued while the link
# was busy, so the link pays its per-message cost once for all of them.
struct Batch {
  messages @0 :List(Data);
}

# -- between gateways of one cluster -------------------------------------------------------------------------------

enum ConnectionOpKind {
  exists @0;
  addToGroup @1;
  removeFromGroup @2;
  close @3;
}

# gateway -> gateway: a REST API operation on one connection that the asked gateway did not hold, put to each other
# gateway of the cluster; the one that holds the connection applies it. Answered by a HubPresenceAnswer whose
# `found` says whether the answering gateway held it.
struct ConnectionOp {
  kind @0 :ConnectionOpKind;
  hub @1 :Text;
  connectionId @2 :Text;
  group @3 :Text;           # addToGroup, removeFromGroup
  reason @4 :Text;          # close: the Close message's error ("" = none)
}
