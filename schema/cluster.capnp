# The messages cluster nodes exchange (schema/cluster_wire.hpp has them as plain C++ values; only
# schema/cluster_wire.cpp includes the code generated from this file). Every message on the wire is one
# ClusterMessage: a union whose member says which message it is, so bytes of one message type are never read as
# another.
#
# EVOLUTION IS APPEND-ONLY. Nodes of different versions run side by side during a rolling upgrade, and
# tests/schema/v1/ pins the bytes this first version writes. Therefore:
#   - never renumber, retype, rename-with-new-meaning or remove a field, enumerant or union member;
#   - a new field takes the next free ordinal of its struct (the @N after the last one), and its default (the
#     value an old writer's message reads as) must mean "what the old version did";
#   - a new message is a new member at the end of the ClusterMessage union (older readers reject it, see
#     cluster_wire.cpp); a new enumerant goes at the end of its enum (older readers reject or map it as
#     documented in cluster_wire.cpp);
#   - a field that is no longer written stays in the schema (rename it obsoleteXxx if you must).
# Text is UTF-8 (readers reject a message with invalid UTF-8 in any Text field); Data is any bytes.
# Defaults below equal the defaults of the C++ structs, so a field missing from a message reads as the C++
# default.

@0xa10b710d8644d595;

using Cxx = import "/capnp/c++.capnp";
$Cxx.namespace("actorhub::wire::schema");

# -- the envelope ---------------------------------------------------------------------------------------------

# What every encoded message is. `unset` is discriminant 0, so an all-zero message is no message at all.
struct ClusterMessage {
  union {
    unset @0 :Void;
    hello @1 :Hello;
    challenge @2 :Challenge;
    proof @3 :Proof;
    memberList @4 :MemberList;
    leaving @5 :Leaving;
    delivery @6 :Delivery;
    groupChange @7 :GroupChange;
    directoryChange @8 :DirectoryChange;
    directorySnapshot @9 :DirectorySnapshot;
    clientInvocation @10 :ClientInvocation;
    clientResult @11 :ClientResult;
    presenceQuery @12 :PresenceQuery;
    presenceAnswer @13 :PresenceAnswer;
    credit @14 :Credit;
    sessionHandoff @15 :SessionHandoff;
    sessionMoved @16 :SessionMoved;
    moveMarker @17 :MoveMarker;
  }
}

# -- membership (node actor <-> node actor) -------------------------------------------------------------------

# One node's identity, as it introduces itself and as member lists repeat it.
struct NodeInfo {
  name @0 :Text;            # --name: unique in the cluster
  incarnation @1 :UInt64;   # random per process start: a restarted node is a new incarnation
  tag @2 :Text;             # the prefix of connection ids and tokens this node issues
  nodeAddress @3 :Text;     # host:port of its published node actor
  httpAddress @4 :Text;     # host:port of its client endpoint (where other nodes forward requests)
}

# A node asks to be admitted: its identity and a fresh random nonce.
struct Hello {
  node @0 :NodeInfo;
  nonce @1 :Data;           # 32 random bytes
}

# The admitting node answers with its identity, its own nonce and its proof of the cluster key.
struct Challenge {
  node @0 :NodeInfo;
  nonce @1 :Data;
  proof @2 :Data;           # HMAC-SHA256, see cluster_wire.hpp
}

# The joiner's proof of the cluster key.
struct Proof {
  proof @0 :Data;           # HMAC-SHA256, see cluster_wire.hpp
}

# Every member an admitted node knows (itself included), so membership is transitive.
struct MemberList {
  members @0 :List(NodeInfo);
}

# A node leaves on purpose (drain): the others drop it at once instead of waiting for the failure detector.
struct Leaving {
  name @0 :Text;
  incarnation @1 :UInt64;
}

# -- hub traffic (cluster router <-> cluster router of the same hub) ----------------------------------------

# One hub message framed for one protocol, exactly as written to that protocol's clients.
struct Payload {
  protocol @0 :Text;        # "json" | "messagepack"
  bytes @1 :Data;           # the framed record
}

# Whom a delivery is for. Values equal actorhub::wire::target_kind.
enum TargetKind {
  all @0;
  connections @1;
  users @2;
  groups @3;
}

# One send for the receiving node to fan out to its own connections, already encoded in every protocol.
struct Delivery {
  kind @0 :TargetKind;
  names @1 :List(Text);     # connection ids / user ids / group names (unused for `all`)
  excluded @2 :List(Text);  # connection ids that must not receive it
  payloads @3 :List(Payload);
  sentAtNs @4 :UInt64;      # sender's CLOCK_REALTIME in ns, for the cross-node latency histogram
  sequence @5 :UInt64;      # per link, from 1: flow control and duplicate detection
}

# Add (join) or remove a connection of the receiving node to or from a group (AddToGroup from another node).
struct GroupChange {
  connectionId @0 :Text;
  group @1 :Text;
  join @2 :Bool = true;
}

# What a directory entry names. Values equal actorhub::wire::directory_kind.
enum DirectoryKind {
  group @0;
  user @1;
}

# The sending node now has (present) or no longer has members of a group, or connections of a user.
struct DirectoryChange {
  kind @0 :DirectoryKind;
  name @1 :Text;
  present @2 :Bool = true;
}

# Every group and user the sending node has, sent when a link (re)starts.
struct DirectorySnapshot {
  groups @0 :List(Text);
  users @1 :List(Text);
}

# A client result asked of a connection of the receiving node.
struct ClientInvocation {
  connectionId @0 :Text;
  target @1 :Text;          # the client method
  arguments @2 :Data;       # a MessagePack array (lossless for binary and timestamps)
  timeoutMs @3 :UInt32 = 30000;
}

# How a client result ended. Values equal actorhub::wire::result_status.
enum ResultStatus {
  ok @0;
  error @1;
  timeout @2;
  noConnection @3;
  disconnected @4;
}

# The answer to a ClientInvocation.
struct ClientResult {
  status @0 :ResultStatus;
  result @1 :Data;          # a MessagePack value (ok only)
  error @2 :Text;           # what went wrong (not ok)
}

# What a presence query asks. Values equal actorhub::wire::presence_kind.
enum PresenceKind {
  groupConnections @0;      # ids of the group's members on the receiving node
  groupUsers @1;            # distinct users among them
  connectionCount @2;       # connections of the hub on the receiving node
  userOnline @3;            # does `name` have a connection on the receiving node
}

# Presence asked of every node; each answers for its own connections.
struct PresenceQuery {
  kind @0 :PresenceKind;
  name @1 :Text;            # the group or user (empty for connectionCount)
}

# One node's answer to a PresenceQuery.
struct PresenceAnswer {
  names @0 :List(Text);
  count @1 :UInt64;
  found @2 :Bool;
}

# The receiver processed deliveries up to `sequence` (flow control: the sender keeps at most a window of
# unacknowledged bytes per link).
struct Credit {
  sequence @0 :UInt64;
}

# A stateful-reconnect session moving to the receiving node (drain): everything it needs to resume it.
struct SessionHandoff {
  connectionId @0 :Text;
  token @1 :Text;
  userId @2 :Text;
  protocol @3 :Text;                   # "json" | "messagepack"
  connectionInfo @4 :Data;             # JSON (transport, headers, query, cookies, claims). Data, not Text: header
                                       # values are not guaranteed UTF-8, and a handoff must not be dropped for it.
  groups @5 :List(Text);
  nextOutboundSequence @6 :UInt64 = 1; # the next sequence id the server would send
  lastInboundSequence @7 :UInt64;      # the highest sequence id received from the client
  unacknowledged @8 :List(Data);       # framed records the client has not acknowledged, in order
}

# Told by the node a session left (drain) to every other node: connection `connectionId` (reconnecting with
# `token`) lives on the node `toNode` (connection-id tag `toTag`) from now on.
struct SessionMoved {
  connectionId @0 :Text;
  token @1 :Text;
  toTag @2 :Text;
  toNode @3 :Text;
}

# The steps of a session's move between nodes (docs/cluster.md, "Drain and session hand-off").
enum MoveStep {
  imported @0;   # the new node registered the session (its user and groups are in every directory)
  refused @1;    # the new node could not take it
  switched @2;   # the sending node routes the session's messages to its new node from here on
  flushed @3;    # relayed by the old node: it forwarded every message `node` sent before it switched
}

struct MoveMarker {
  connectionId @0 :Text;
  step @1 :MoveStep;
  node @2 :Text;           # switched/flushed: the node whose messages the step is about
}
