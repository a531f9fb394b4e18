// Command-line validation: bounded values, loopback-only targets, one-line errors.
#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <vector>

#include "options.hpp"

using namespace bench;

namespace {

options parse(std::vector<std::string> args) {
  args.insert(args.begin(), "actorhub-bench");
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  options o;
  parse_options(int(argv.size()), argv.data(), o);
  return o;
}

}  // namespace

TEST(Options, DefaultsAndTarget) {
  auto o = parse({"broadcast", "--url", "http://localhost:5001/testhub/", "-c", "10", "--pid", "12,34"});
  EXPECT_EQ(o.scenario, "broadcast");
  EXPECT_EQ(o.messages, 100);  // broadcast default
  EXPECT_EQ(o.pids, (std::vector<int>{12, 34}));
  auto t = o.make_target();
  EXPECT_EQ(t.path, "/testhub");
  EXPECT_EQ(t.host_header, "localhost:5001");
  EXPECT_EQ(t.dialect, wire::signalr_json);
  EXPECT_EQ(o.label, "actorhub");
}

TEST(Options, SeveralUrlsForClusterNodes) {
  auto o = parse({"groups", "--url", "http://127.0.0.1:29110/testhub", "--url", "http://127.0.0.2:29120/testhub",
                  "--url", "http://127.0.0.3:29130/testhub", "--group-size", "2", "--group-others", "-c", "95000"});
  EXPECT_EQ(o.url_count(), 3);
  EXPECT_TRUE(o.group_others);
  EXPECT_EQ(o.connections, 95000);
  auto all = o.make_targets();
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[0].host_header, "127.0.0.1:29110");
  EXPECT_EQ(all[2].host_header, "127.0.0.3:29130");
  EXPECT_EQ(o.make_target().host_header, "127.0.0.1:29110");  // the broadcast sender's node
  // one URL: the default is replaced, not kept
  EXPECT_EQ(parse({"echo", "--url", "http://127.0.0.9:1/x"}).make_targets().size(), 1u);
  // every URL is checked
  EXPECT_THROW(parse({"echo", "--url", "http://127.0.0.1:1/x", "--url", "http://10.0.0.1:1/x"}), std::invalid_argument);
  EXPECT_THROW(parse({"groups", "--group-size", "1", "--group-others"}), std::invalid_argument);
}

TEST(Options, PeersAndProtocols) {
  EXPECT_EQ(parse({"echo", "--protocol=messagepack"}).dialect(), wire::signalr_msgpack);
  EXPECT_EQ(parse({"echo", "--peer", "socketio"}).dialect(), wire::socketio);
  EXPECT_EQ(parse({"echo", "--peer", "ws"}).label, "ws");
  EXPECT_THROW(parse({"echo", "--peer", "ws", "--protocol", "messagepack"}), std::invalid_argument);
}

TEST(Options, Transports) {
  auto o = parse({"broadcast", "--transport", "sse"});
  EXPECT_EQ(o.make_target().transport, transport_kind::sse);
  EXPECT_EQ(o.sockets_per_connection(), 2);
  EXPECT_EQ(parse({"echo", "--transport=lp", "--protocol", "messagepack"}).transport, "longpolling");
  EXPECT_EQ(parse({"echo"}).make_target().transport, transport_kind::websockets);
  EXPECT_EQ(parse({"echo"}).sockets_per_connection(), 1);
  EXPECT_THROW(parse({"echo", "--transport", "sse", "--protocol", "messagepack"}), std::invalid_argument);
  EXPECT_THROW(parse({"echo", "--transport", "longpolling", "--peer", "ws"}), std::invalid_argument);
  EXPECT_THROW(parse({"echo", "--transport", "sse", "--no-negotiate"}), std::invalid_argument);
  EXPECT_THROW(parse({"echo", "--transport", "webtransport"}), std::invalid_argument);
}

TEST(Options, UwsPeerSpeaksTheWsWire) {
  auto o = parse({"echo", "--peer", "uws"});
  EXPECT_EQ(o.dialect(), wire::ws_json);
  EXPECT_EQ(o.label, "uws");
}

TEST(Options, RejectsNonLoopbackAndOutOfRange) {
  EXPECT_THROW(parse({"echo", "--url", "http://10.0.0.1:80/hub"}), std::invalid_argument);
  EXPECT_THROW(parse({"echo", "--url", "http://example.com:80/hub"}), std::invalid_argument);
  EXPECT_THROW(parse({"echo", "-c", "0"}), std::invalid_argument);
  EXPECT_THROW(parse({"echo", "-c", "100001"}), std::invalid_argument);
  EXPECT_THROW(parse({"echo", "--duration", "1000"}), std::invalid_argument);
  EXPECT_THROW(parse({"nosuch"}), std::invalid_argument);
  EXPECT_THROW(parse({"echo", "--bogus"}), std::invalid_argument);
  EXPECT_THROW(parse({"broadcast", "-c", "60000", "-m", "100000"}), std::invalid_argument);
  EXPECT_NO_THROW(parse({"idle", "--url", "http://127.5.6.7:9/x"}));
}
