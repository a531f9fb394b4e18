# Messages that cross a process boundary. The single server uses none of them yet; the cluster (node <-> node)
# and the hosted gateway (app server <-> gateway) carry these inside CAF messages as Cap'n Proto bytes.
@0xca7d48b0f14995a8;

# One send addressed by the hub layer, already encoded once per protocol so no hop re-encodes it.
struct Payload {
  protocol @0 :Text;   # "json" | "messagepack"
  bytes @1 :Data;      # framed record(s)
}

struct Delivery {
  hub @0 :Text;
  target :union {
    all @1 :Void;
    connections @2 :List(Text);
    users @3 :List(Text);
    groups @4 :List(Text);
  }
  excluded @5 :List(Text);       # connection ids that must not receive it
  payloads @6 :List(Payload);
}

struct GroupChange {
  hub @0 :Text;
  group @1 :Text;
  connectionId @2 :Text;
  join @3 :Bool;
}
