// The bench's hand-encoded messages and its scanners against byte examples from the SignalR HubProtocol spec
// and from the socket.io protocol, so a load run cannot silently count the wrong thing.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "wire.hpp"

using namespace bench;

namespace {

std::string bytes(std::initializer_list<int> b) {
  std::string s;
  for (int x : b) s += char(x);
  return s;
}

std::vector<incoming> records(wire w, const std::string& frame, bool* ok = nullptr) {
  std::vector<incoming> out;
  bool r = for_each_record(w, frame, [&](const incoming& in) { out.push_back(in); });
  if (ok) *ok = r;
  return out;
}

}  // namespace

TEST(Marker, RoundTripsThroughPayload) {
  auto p = make_payload(42, 123456789, 64);
  EXPECT_EQ(p.size(), 64u);
  auto m = find_marker(p);
  ASSERT_TRUE(m.present);
  EXPECT_EQ(m.seq, 42u);
  EXPECT_EQ(m.sent_ns, 123456789);
}

TEST(Marker, IgnoresStrayAtSigns) {
  EXPECT_FALSE(find_marker("a@b@1.x").present);
  auto m = find_marker(bytes({0x40, 0x96}) + "@7.8.xx");
  ASSERT_TRUE(m.present);
  EXPECT_EQ(m.seq, 7u);
}

TEST(Json, EncodesInvocationWithAndWithoutId) {
  std::string out;
  encode_invocation(wire::signalr_json, out, "Echo", {"hi"}, 5);
  EXPECT_EQ(out, "{\"type\":1,\"invocationId\":\"5\",\"target\":\"Echo\",\"arguments\":[\"hi\"]}\x1e");
  out.clear();
  encode_invocation(wire::ws_json, out, "SendToGroup", {"g1", "x"}, -1);
  EXPECT_EQ(out, "{\"type\":1,\"target\":\"SendToGroup\",\"arguments\":[\"g1\",\"x\"]}");
}

TEST(Json, ScansCompletionsInvocationsPingsAndClose) {
  std::string frame = "{\"type\":3,\"invocationId\":\"12\",\"result\":\"@3.99.xx\"}\x1e"
                      "{\"type\":1,\"target\":\"Send\",\"arguments\":[\"@4.100.x\"]}\x1e"
                      "{\"type\":6}\x1e"
                      "{\"invocationId\": \"13\", \"type\": 3, \"error\":\"boom\"}\x1e"
                      "{\"type\":7,\"error\":\"bye\"}\x1e";
  bool ok = false;
  auto r = records(wire::signalr_json, frame, &ok);
  ASSERT_TRUE(ok);
  ASSERT_EQ(r.size(), 5u);
  EXPECT_EQ(r[0].kind, incoming::completion);
  EXPECT_TRUE(r[0].has_id);
  EXPECT_EQ(r[0].invocation_id, 12u);
  EXPECT_FALSE(r[0].error);
  EXPECT_EQ(r[0].mark.seq, 3u);
  EXPECT_EQ(r[1].kind, incoming::invocation);
  EXPECT_EQ(r[1].mark.seq, 4u);
  EXPECT_EQ(r[1].mark.sent_ns, 100);
  EXPECT_EQ(r[2].kind, incoming::ping);
  EXPECT_EQ(r[3].kind, incoming::completion);
  EXPECT_EQ(r[3].invocation_id, 13u);
  EXPECT_TRUE(r[3].error);
  EXPECT_EQ(r[4].kind, incoming::close);
  EXPECT_TRUE(r[4].error);
}

TEST(Json, RejectsRecordWithoutSeparator) {
  bool ok = true;
  records(wire::signalr_json, "{\"type\":6}", &ok);
  EXPECT_FALSE(ok);
}

TEST(MessagePack, EncodesSpecInvocationShape) {
  // HubProtocol.md: [1, {}, "xyz", "method", [42], []] - same shape, string arguments here.
  std::string out;
  encode_invocation(wire::signalr_msgpack, out, "method", {"a"}, 7);
  EXPECT_EQ(out, bytes({0x10, 0x96, 0x01, 0x80, 0xa1, '7', 0xa6, 'm', 'e', 't', 'h', 'o', 'd', 0x91, 0xa1, 'a', 0x90}));
  out.clear();
  encode_invocation(wire::signalr_msgpack, out, "T", {}, -1);
  EXPECT_EQ(out, bytes({0x08, 0x96, 0x01, 0x80, 0xc0, 0xa1, 'T', 0x90, 0x90}));
}

TEST(MessagePack, ScansSpecCompletionsAndPing) {
  // [3, {}, "xyz", 3, 42] and [3, {}, "xyz", 1, "Error"] from HubProtocol.md, then a Ping 0x91 0x06.
  std::string c1 = bytes({0x95, 0x03, 0x80, 0xa3, 'x', 'y', 'z', 0x03, 0x2a});
  std::string c2 = bytes({0x95, 0x03, 0x80, 0xa3, '1', '2', '3', 0x01, 0xa5, 'E', 'r', 'r', 'o', 'r'});
  std::string frame = char(c1.size()) + c1 + char(c2.size()) + c2 + bytes({0x02, 0x91, 0x06});
  bool ok = false;
  auto r = records(wire::signalr_msgpack, frame, &ok);
  ASSERT_TRUE(ok);
  ASSERT_EQ(r.size(), 3u);
  EXPECT_EQ(r[0].kind, incoming::completion);
  EXPECT_FALSE(r[0].has_id);  // "xyz" is not a number
  EXPECT_FALSE(r[0].error);
  EXPECT_EQ(r[1].invocation_id, 123u);
  EXPECT_TRUE(r[1].error);
  EXPECT_EQ(r[2].kind, incoming::ping);
}

TEST(MessagePack, ScansInvocationWithHeadersAndMarker) {
  // [1, {"k":"v"}, nil, "Send", ["@9.10.xxxx"]]
  std::string payload = "@9.10.xxxx";
  std::string body = bytes({0x95, 0x01, 0x81, 0xa1, 'k', 0xa1, 'v', 0xc0, 0xa4, 'S', 'e', 'n', 'd', 0x91}) +
                     char(0xa0 | payload.size()) + payload;
  auto r = records(wire::signalr_msgpack, char(body.size()) + body);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].kind, incoming::invocation);
  EXPECT_FALSE(r[0].has_id);
  EXPECT_TRUE(r[0].mark.present);
  EXPECT_EQ(r[0].mark.seq, 9u);
}

TEST(MessagePack, RejectsTruncatedRecord) {
  bool ok = true;
  records(wire::signalr_msgpack, bytes({0x09, 0x95, 0x03}), &ok);
  EXPECT_FALSE(ok);
}

TEST(SocketIo, EncodesEventsWithAcks) {
  std::string out;
  encode_invocation(wire::socketio, out, "Echo", {"p"}, 3);
  EXPECT_EQ(out, "423[\"Echo\",\"p\"]");
  out.clear();
  encode_invocation(wire::socketio, out, "SendToAll", {"p"}, -1);
  EXPECT_EQ(out, "42[\"SendToAll\",\"p\"]");
}

TEST(SocketIo, ScansAcksEventsAndEngineIoPackets) {
  auto ack = records(wire::socketio, "4317[\"@1.2.x\"]");
  ASSERT_EQ(ack.size(), 1u);
  EXPECT_EQ(ack[0].kind, incoming::completion);
  EXPECT_EQ(ack[0].invocation_id, 17u);
  EXPECT_EQ(ack[0].mark.seq, 1u);
  auto ev = records(wire::socketio, "42[\"Send\",\"@5.6.x\"]");
  EXPECT_EQ(ev[0].kind, incoming::invocation);
  EXPECT_FALSE(ev[0].has_id);
  EXPECT_EQ(ev[0].mark.seq, 5u);
  EXPECT_EQ(records(wire::socketio, "2")[0].kind, incoming::ping);
  EXPECT_EQ(records(wire::socketio, "1")[0].kind, incoming::close);
}
