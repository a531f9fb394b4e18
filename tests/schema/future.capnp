# Test-only shapes of ClusterMessage that this version's encoder never writes: a later version of the schema
# grown as schema/cluster.capnp allows (FutureMessage), and hostile messages (HostileMessage). They share
# ClusterMessage's layout: the same union, the same discriminants, one pointer slot, so their bytes are what a
# newer node or an attacker would send. Every member that is not under test keeps its place as a Data pointer.
@0x8a1235435eee2544;

using Cxx = import "/capnp/c++.capnp";
$Cxx.namespace("actorhub::wire::testing::capnp_shapes");

# -- a later version: fields, enumerants and a message appended ------------------------------------------------

struct FutureMessage {
  union {
    unset @0 :Void;
    hello @1 :Data;
    challenge @2 :Data;
    proof @3 :Data;
    memberList @4 :FutureMemberList;
    leaving @5 :Data;
    delivery @6 :FutureDelivery;
    groupChange @7 :Data;
    directoryChange @8 :FutureDirectoryChange;
    directorySnapshot @9 :Data;
    clientInvocation @10 :Data;
    clientResult @11 :FutureClientResult;
    presenceQuery @12 :FuturePresenceQuery;
    presenceAnswer @13 :Data;
    credit @14 :Data;
    sessionHandoff @15 :Data;
    sessionMoved @16 :Data;
    moveMarker @17 :Data;
    shardMove @18 :Text;                # a message this version does not know
  }
}

struct FutureNodeInfo {
  name @0 :Text;
  incarnation @1 :UInt64;
  tag @2 :Text;
  nodeAddress @3 :Text;
  httpAddress @4 :Text;
  zone @5 :Text;                        # new
  weight @6 :UInt32;                    # new
}

struct FutureMemberList {
  members @0 :List(FutureNodeInfo);     # larger elements than version 1's NodeInfo
  epoch @1 :UInt64;                     # new
}

enum FutureTargetKind { all @0; connections @1; users @2; groups @3; shard @4; }

struct FuturePayload {
  protocol @0 :Text;
  bytes @1 :Data;
  compressed @2 :Bool;                  # new
}

struct FutureDelivery {
  kind @0 :FutureTargetKind;
  names @1 :List(Text);
  excluded @2 :List(Text);
  payloads @3 :List(FuturePayload);
  sentAtNs @4 :UInt64;
  sequence @5 :UInt64;
  traceId @6 :Data;                     # new
  priority @7 :UInt8;                   # new
}

enum FutureDirectoryKind { group @0; user @1; tenant @2; }

struct FutureDirectoryChange {
  kind @0 :FutureDirectoryKind;
  name @1 :Text;
  present @2 :Bool = true;
}

enum FutureResultStatus { ok @0; error @1; timeout @2; noConnection @3; disconnected @4; cancelled @5; }

struct FutureClientResult {
  status @0 :FutureResultStatus;
  result @1 :Data;
  error @2 :Text;
}

enum FuturePresenceKind { groupConnections @0; groupUsers @1; connectionCount @2; userOnline @3; shardLoad @4; }

struct FuturePresenceQuery {
  kind @0 :FuturePresenceKind;
  name @1 :Text;
}

# -- hostile -------------------------------------------------------------------------------------------------

struct EmptyStruct {}

# A list of zero-sized elements claims any number of elements in a few bytes.
struct HostileMemberList {
  members @0 :List(EmptyStruct);
}

struct HostileMessage {
  union {
    unset @0 :Void;
    hello @1 :Data;
    challenge @2 :Data;
    proof @3 :Data;
    memberList @4 :HostileMemberList;
  }
}
