// The WebSocket link's own framing, seen from a raw TCP client that writes frames byte for byte: fragmented
// messages with a ping in between, messages larger than one read, a client that trickles bytes, protocol
// violations (Close 1002/1007), and the Close echo.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "test_support.hpp"

namespace actorhub::test {
namespace {

namespace json = boost::json;

// A blocking raw client: HTTP upgrade by hand, then masked frames out and unmasked frames in.
class raw_ws {
 public:
  explicit raw_ws(std::uint16_t port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ok_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
    if (!ok_) return;
    // No id: a new connection without negotiate (skipNegotiation).
    write_all("GET /hub HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
              "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n");
    std::string head;
    char c;
    while (head.find("\r\n\r\n") == std::string::npos && read_some(&c, 1) == 1) head += c;
    ok_ = head.rfind("HTTP/1.1 101", 0) == 0;
  }
  ~raw_ws() {
    if (fd_ >= 0) ::close(fd_);
  }
  bool ok() const { return ok_; }

  // One client frame: masked, with the given first byte (FIN/RSV/opcode).
  static std::string frame(std::uint8_t first, std::string_view payload) {
    std::string f(1, static_cast<char>(first));
    std::size_t n = payload.size();
    if (n < 126) {
      f += static_cast<char>(0x80 | n);
    } else {
      f += static_cast<char>(0x80 | 126);
      f += static_cast<char>(n >> 8);
      f += static_cast<char>(n & 0xff);
    }
    const char mask[4] = {0x12, 0x34, 0x56, 0x78};
    f.append(mask, 4);
    for (std::size_t i = 0; i < n; ++i) f += static_cast<char>(payload[i] ^ mask[i % 4]);
    return f;
  }

  void write_all(std::string_view s) {
    while (!s.empty()) {
      auto n = ::send(fd_, s.data(), s.size(), MSG_NOSIGNAL);
      if (n <= 0) return;
      s.remove_prefix(static_cast<std::size_t>(n));
    }
  }

  // The next server frame: {opcode, payload}; opcode -1 on timeout or end of stream.
  std::pair<int, std::string> next(int timeout_ms = 3000) {
    std::uint8_t h[2];
    if (!read_exact(reinterpret_cast<char*>(h), 2, timeout_ms)) return {-1, {}};
    std::size_t n = h[1] & 0x7f;
    if (n == 126) {
      std::uint8_t l[2];
      if (!read_exact(reinterpret_cast<char*>(l), 2, timeout_ms)) return {-1, {}};
      n = (std::size_t(l[0]) << 8) | l[1];
    } else if (n == 127) {
      std::uint8_t l[8];
      if (!read_exact(reinterpret_cast<char*>(l), 8, timeout_ms)) return {-1, {}};
      n = 0;
      for (auto b : l) n = (n << 8) | b;
    }
    std::string p(n, '\0');
    if (n && !read_exact(p.data(), n, timeout_ms)) return {-1, {}};
    return {h[0] & 0x0f, p};
  }

  // The next text frame's hub records (skipping pings and the handshake response).
  std::optional<json::object> next_record(int type, int timeout_ms = 3000) {
    for (int guard = 0; guard < 50; ++guard) {
      auto [op, p] = next(timeout_ms);
      if (op < 0) return std::nullopt;
      if (op != 1) continue;
      std::size_t start = 0;
      for (std::size_t end; (end = p.find('\x1e', start)) != std::string::npos; start = end + 1) {
        auto v = json::parse(p.substr(start, end - start));
        if (v.as_object().contains("type") && v.at("type").as_int64() == type) return v.as_object();
      }
    }
    return std::nullopt;
  }

  // The code of the next Close frame (frames before it are skipped); -1 when none came, 0 without a code.
  int close_code() {
    for (;;) {
      auto [op, p] = next();
      if (op < 0) return -1;
      if (op != 8) continue;
      return p.size() < 2 ? 0 : (std::uint8_t(p[0]) << 8) | std::uint8_t(p[1]);
    }
  }

  bool closed_by_peer(int timeout_ms = 3000) {
    char c;
    return read_some(&c, 1, timeout_ms) == 0;
  }

 private:
  long read_some(char* p, std::size_t n, int timeout_ms = 3000) {
    pollfd pfd{fd_, POLLIN, 0};
    if (::poll(&pfd, 1, timeout_ms) <= 0) return -1;
    return ::recv(fd_, p, n, 0);
  }
  bool read_exact(char* p, std::size_t n, int timeout_ms) {
    while (n) {
      auto got = read_some(p, n, timeout_ms);
      if (got <= 0) return false;
      p += got;
      n -= static_cast<std::size_t>(got);
    }
    return true;
  }

  int fd_ = -1;
  bool ok_ = false;
};

constexpr std::uint8_t fin_text = 0x81, text_start = 0x01, continuation = 0x00, fin_continuation = 0x80,
                       fin_ping = 0x89, fin_close = 0x88;

class WebSocketFrames : public ::testing::Test {
 protected:
  void SetUp() override {
    s = std::make_unique<running_server>(test_options(), [this](server& srv) { srv.add_hub("/hub", hub); });
  }
  std::unique_ptr<raw_ws> open_with_handshake() {
    auto c = std::make_unique<raw_ws>(s->port());
    if (!c->ok()) return nullptr;
    c->write_all(raw_ws::frame(fin_text, handshake_request()));
    auto [op, p] = c->next();
    if (op != 1 || p != std::string("{}\x1e")) return nullptr;
    return c;
  }
  std::shared_ptr<echo_hub> hub = std::make_shared<echo_hub>();
  std::unique_ptr<running_server> s;
};

TEST_F(WebSocketFrames, FragmentedMessageWithPingInBetween) {
  auto c = open_with_handshake();
  ASSERT_TRUE(c);
  std::string rec = invocation("1", "Echo", "[\"fragments\"]");
  c->write_all(raw_ws::frame(text_start, rec.substr(0, 5)));
  c->write_all(raw_ws::frame(fin_ping, "hi"));
  c->write_all(raw_ws::frame(continuation, rec.substr(5, 10)));
  c->write_all(raw_ws::frame(fin_continuation, rec.substr(15)));
  auto [op, payload] = c->next();
  EXPECT_EQ(op, 0xA);  // the Pong comes first, with the ping's payload
  EXPECT_EQ(payload, "hi");
  auto done = c->next_record(3);
  ASSERT_TRUE(done);
  EXPECT_EQ(done->at("result").as_string(), "fragments");
}

TEST_F(WebSocketFrames, PingFloodWithoutReadingIsAnsweredWithTheLatestPong) {
  auto c = open_with_handshake();
  ASSERT_TRUE(c);
  // 20,000 pings (2 MB of Pongs if each were answered) while the client reads nothing.
  std::string burst;
  for (int i = 0; i < 20000; ++i) burst += raw_ws::frame(fin_ping, "ping " + std::to_string(i) + std::string(90, '.'));
  c->write_all(burst);
  c->write_all(raw_ws::frame(fin_text, invocation("1", "Echo", "[\"after\"]")));
  std::string last_pong;
  std::optional<json::object> done;
  for (int frames = 0; frames <= 20000 && !done; ++frames) {
    auto [op, p] = c->next();
    ASSERT_GE(op, 0) << "the connection ended";
    if (op == 0xA) last_pong = p;
    if (op == 1 && p.find("\"after\"") != std::string::npos) done = json::parse(p.substr(0, p.find('\x1e'))).as_object();
  }
  ASSERT_TRUE(done);
  EXPECT_EQ(done->at("result").as_string(), "after");
  EXPECT_EQ(last_pong.substr(0, 10), "ping 19999");  // the latest Ping is always answered
}

TEST_F(WebSocketFrames, LargeMessageTrickledByteByByte) {
  auto c = open_with_handshake();
  ASSERT_TRUE(c);
  std::string big(20000, 'x');
  auto f = raw_ws::frame(fin_text, invocation("7", "Echo", "[\"" + big + "\"]"));
  // The first bytes one at a time (every read ends mid-header), then the rest at once.
  for (std::size_t i = 0; i < 300; ++i) c->write_all(f.substr(i, 1));
  c->write_all(f.substr(300));
  auto done = c->next_record(3);
  ASSERT_TRUE(done);
  EXPECT_EQ(done->at("result").as_string(), big);
}

TEST_F(WebSocketFrames, UnmaskedFrameIsAProtocolError) {
  auto c = open_with_handshake();
  ASSERT_TRUE(c);
  std::string rec = invocation("1", "Echo", "[1]");
  std::string f = "\x81";
  f += static_cast<char>(rec.size());  // no mask bit
  c->write_all(f + rec);
  EXPECT_EQ(c->close_code(), 1002);
  EXPECT_TRUE(c->closed_by_peer());
  EXPECT_TRUE(hub->state.wait([&] { return hub->closes.size() == 1; }));
}

TEST_F(WebSocketFrames, InvalidUtf8TextIsClosedWith1007) {
  auto c = open_with_handshake();
  ASSERT_TRUE(c);
  c->write_all(raw_ws::frame(fin_text, std::string("{\"type\":6}\x1e\xc0\x80", 13)));
  EXPECT_EQ(c->close_code(), 1007);
  EXPECT_TRUE(c->closed_by_peer());
}

TEST_F(WebSocketFrames, ClientCloseCodeIsEchoedThenTheConnectionEnds) {
  auto c = open_with_handshake();
  ASSERT_TRUE(c);
  c->write_all(raw_ws::frame(fin_close, std::string("\x0f\xa0", 2)));  // 4000
  EXPECT_EQ(c->close_code(), 4000);
  EXPECT_TRUE(c->closed_by_peer());
  EXPECT_TRUE(hub->state.wait([&] { return hub->closes.size() == 1; }));
}

}  // namespace
}  // namespace actorhub::test
