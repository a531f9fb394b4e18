// Unit tests of the socket-free WebSocket frame codec (net/transport/ws_frame.hpp) and the incremental UTF-8
// validator. Client frames are built by hand (masked) and fed whole, byte by byte and in random pieces: every split
// of the stream must give the same events and the same failure.
#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "net/transport/utf8_validator.hpp"
#include "net/transport/ws_frame.hpp"

namespace actorhub::transport::ws {
namespace {

constexpr unsigned fin = 0x80;
constexpr unsigned op_cont = 0, op_text = 1, op_bin = 2, op_close = 8, op_ping = 9, op_pong = 10;

// A client frame: b0 is FIN|RSV|opcode as sent. len_form forces the length encoding (126: 16 bit, 127: 64 bit)
// so that non-minimal encodings can be produced; 0 picks the minimal one.
std::string client_frame(unsigned b0, std::string_view payload, unsigned len_form = 0, bool masked = true) {
  static constexpr unsigned char key[4] = {0x37, 0xFA, 0x21, 0x3D};
  std::string f(1, static_cast<char>(b0));
  const std::uint64_t n = payload.size();
  const unsigned form = len_form ? len_form : n < 126 ? 0 : n <= 0xFFFF ? 126 : 127;
  const unsigned mbit = masked ? 0x80 : 0;
  if (form == 0) {
    f.push_back(static_cast<char>(mbit | n));
  } else {
    f.push_back(static_cast<char>(mbit | form));
    for (int i = form == 126 ? 1 : 7; i >= 0; --i) f.push_back(static_cast<char>((n >> (8 * i)) & 0xFF));
  }
  if (masked) f.append(reinterpret_cast<const char*>(key), 4);
  for (std::size_t i = 0; i < payload.size(); ++i)
    f.push_back(static_cast<char>(payload[i] ^ (masked ? key[i % 4] : 0)));
  return f;
}

// A masked header announcing `len` with the 64-bit form and no payload (hostile lengths).
std::string header64(unsigned b0, std::uint64_t len) {
  std::string f{static_cast<char>(b0), static_cast<char>(0x80 | 127)};
  for (int i = 7; i >= 0; --i) f.push_back(static_cast<char>((len >> (8 * i)) & 0xFF));
  return f + "\x01\x02\x03\x04";
}

std::string close_payload(std::uint16_t code, std::string_view reason) {
  std::string p{static_cast<char>(code >> 8), static_cast<char>(code & 0xFF)};
  return p.append(reason);
}

// Masks a server frame (as encode_header/close_frame produce) so the reader can parse it back.
std::string to_client(const std::string& server) {
  const auto b1 = static_cast<unsigned char>(server[1]);
  const std::size_t hn = (b1 & 0x7F) == 126 ? 4 : (b1 & 0x7F) == 127 ? 10 : 2;
  const std::string raw = server.substr(hn);
  return client_frame(static_cast<unsigned char>(server[0]), raw, hn == 2 ? 0 : hn == 4 ? 126 : 127);
}

std::string describe(const event& e) {
  switch (e.what) {
    case event::kind::message:
      return (e.binary ? "binary:" : "text:") + std::string(e.payload);
    case event::kind::ping:
      return "ping:" + std::string(e.payload);
    case event::kind::pong:
      return "pong:" + std::string(e.payload);
    case event::kind::close:
      return "close:" + std::to_string(e.close_code) + ":" + std::string(e.payload);
  }
  return "?";
}

// Feeds `bytes` cut at `cuts` (ascending offsets), each piece in a buffer of its own. Returns the events and, last,
// "fail:<code>:<reason>" when a failure occurred. Checks that a failure is sticky and silent afterwards.
std::vector<std::string> run(reader& r, const std::string& bytes, const std::vector<std::size_t>& cuts) {
  std::vector<std::string> out;
  std::optional<failure> first;
  std::size_t at = 0;
  auto piece = [&](std::size_t to) {
    std::vector<char> buf(bytes.begin() + static_cast<std::ptrdiff_t>(at), bytes.begin() + static_cast<std::ptrdiff_t>(to));
    at = to;
    bool after_failure = first.has_value();
    auto f = r.feed(buf.data(), buf.size(), [&](const event& e) {
      EXPECT_FALSE(after_failure) << "sink called after a failure";
      out.push_back(describe(e));
      return true;
    });
    if (first) {
      EXPECT_TRUE(f && f->code == first->code && f->reason == first->reason) << "failure not sticky";
    } else if (f) {
      first = f;
      EXPECT_EQ(r.capacity(), 0u);
      EXPECT_TRUE(r.idle());
    }
  };
  for (std::size_t c : cuts) piece(c);
  piece(bytes.size());
  if (first) out.push_back("fail:" + std::to_string(first->code) + ":" + first->reason);
  return out;
}

std::vector<std::string> run_whole(const std::string& bytes, std::size_t max = 1 << 20) {
  reader r(max);
  return run(r, bytes, {});
}

// Runs `bytes` whole, byte by byte and in random pieces (fixed seed) and checks that all agree; returns the result.
std::vector<std::string> run_all_splits(const std::string& bytes, std::size_t max = 1 << 20) {
  const auto whole = run_whole(bytes, max);
  {
    reader r(max);
    std::vector<std::size_t> cuts;
    for (std::size_t i = 1; i < bytes.size(); ++i) cuts.push_back(i);
    EXPECT_EQ(run(r, bytes, cuts), whole) << "byte by byte";
  }
  std::mt19937 rng(20261128);
  for (int round = 0; round < 20; ++round) {
    reader r(max);
    std::vector<std::size_t> cuts;
    std::uniform_int_distribution<std::size_t> step(1, round % 2 ? 7 : 300);
    for (std::size_t at = step(rng); at < bytes.size(); at += step(rng)) cuts.push_back(at);
    EXPECT_EQ(run(r, bytes, cuts), whole) << "random split round " << round;
  }
  return whole;
}

using strings = std::vector<std::string>;

std::string fail(std::uint16_t code) { return "fail:" + std::to_string(code); }
// The last entry's "fail:<code>" part (the reason is free text).
std::string last_code(const strings& v) {
  if (v.empty()) return "";
  const auto& s = v.back();
  return s.rfind("fail:", 0) == 0 ? s.substr(0, 9) : "no failure";
}

// ---------------------------------------------------------------------------------------------- reader: basics

TEST(WsFrameReader, SingleTextAndBinaryMessages) {
  EXPECT_EQ(run_all_splits(client_frame(fin | op_text, "Hello") + client_frame(fin | op_bin, std::string("\0\xFF", 2))),
            (strings{"text:Hello", std::string("binary:\0\xFF", 9)}));
}

TEST(WsFrameReader, AllThreeLengthEncodings) {
  for (std::size_t n : {0u, 1u, 125u, 126u, 127u, 65535u, 65536u, 70000u}) {
    std::string payload(n, '\0');
    for (std::size_t i = 0; i < n; ++i) payload[i] = static_cast<char>(i * 7 + 3);
    const auto f = client_frame(fin | op_bin, payload);
    EXPECT_EQ(f.size(), n + (n < 126 ? 6 : n <= 0xFFFF ? 8 : 14));
    EXPECT_EQ(run_whole(f), (strings{"binary:" + payload})) << n;
  }
  // Byte by byte over the 16- and 64-bit forms too.
  EXPECT_EQ(run_all_splits(client_frame(fin | op_bin, std::string(300, 'x')) +
                           client_frame(fin | op_bin, std::string(65536, 'y'))),
            (strings{"binary:" + std::string(300, 'x'), "binary:" + std::string(65536, 'y')}));
}

TEST(WsFrameReader, ZeroLengthMessagesAndFrames) {
  EXPECT_EQ(run_all_splits(client_frame(fin | op_text, "") + client_frame(fin | op_bin, "") +
                           client_frame(op_text, "") + client_frame(op_cont, "") + client_frame(fin | op_cont, "") +
                           client_frame(op_bin, "") + client_frame(fin | op_cont, "z") +
                           client_frame(fin | op_ping, "") + client_frame(fin | op_pong, "")),
            (strings{"text:", "binary:", "text:", "binary:z", "ping:", "pong:"}));
}

TEST(WsFrameReader, WholeFramesAreViewsIntoTheInputWithoutAllocation) {
  std::string bytes;
  for (int i = 0; i < 100; ++i) bytes += client_frame(fin | op_text, std::string(1000, 'a'));
  bytes += client_frame(fin | op_ping, "pp");
  reader r(1 << 20);
  int seen = 0;
  EXPECT_FALSE(r.feed(bytes.data(), bytes.size(), [&](const event& e) {
    EXPECT_GE(e.payload.data(), bytes.data());
    EXPECT_LE(e.payload.data() + e.payload.size(), bytes.data() + bytes.size());
    ++seen;
    return true;
  }));
  EXPECT_EQ(seen, 101);
  EXPECT_EQ(r.capacity(), 0u);
  EXPECT_TRUE(r.idle());
}

TEST(WsFrameReader, FragmentedMessageWithInterleavedControlFrames) {
  // "Hé llo!" with é split between fragments, a ping and an empty pong in between.
  const std::string bytes = client_frame(op_text, "H\xC3") + client_frame(fin | op_ping, "p1") +
                            client_frame(op_cont, "\xA9llo") + client_frame(fin | op_pong, "") +
                            client_frame(fin | op_cont, "!") + client_frame(op_bin, "ab") +
                            client_frame(fin | op_ping, std::string(125, 'P')) + client_frame(fin | op_cont, "cd");
  EXPECT_EQ(run_all_splits(bytes),
            (strings{"ping:p1", "pong:", "text:H\xC3\xA9llo!", "ping:" + std::string(125, 'P'), "binary:abcd"}));
}

TEST(WsFrameReader, ByteByByteEqualsWholeOnAMixedStream) {
  std::string big;
  for (int i = 0; i < 7000; ++i) big += i % 3 ? "abcdefghi" : "\xE2\x82\xAC\xF0\x9F\x98\x80zz";  // 64-bit length
  std::string bin(300, '\0');
  for (std::size_t i = 0; i < bin.size(); ++i) bin[i] = static_cast<char>(i);
  const std::string bytes =
      client_frame(fin | op_text, "Hello") + client_frame(fin | op_bin, bin) + client_frame(fin | op_text, big) +
      client_frame(op_bin, "") + client_frame(fin | op_ping, "x") + client_frame(op_cont, bin) +
      client_frame(fin | op_cont, "") + client_frame(fin | op_text, "") +
      client_frame(fin | op_close, close_payload(1000, "bye")) + client_frame(fin | op_text, "after close");
  EXPECT_EQ(run_all_splits(bytes), (strings{"text:Hello", "binary:" + bin, "text:" + big, "ping:x", "binary:" + bin,
                                            "text:", "close:1000:bye"}));
}

// ---------------------------------------------------------------------------------------------- reader: the sink

TEST(WsFrameReader, SinkReturningFalseStopsAndLeavesTheReaderAfterThatFrame) {
  const auto f1 = client_frame(fin | op_text, "one");
  const auto f2 = client_frame(fin | op_text, "two");
  std::string bytes = f1 + f2 + client_frame(fin | op_ping, "three");
  reader r(100);
  strings got;
  EXPECT_FALSE(r.feed(bytes.data(), bytes.size(), [&](const event& e) {
    got.push_back(describe(e));
    return false;
  }));
  EXPECT_EQ(got, (strings{"text:one"}));
  EXPECT_TRUE(r.idle());
  // The rest was not consumed: feeding it again continues cleanly.
  std::string rest = bytes.substr(f1.size());
  EXPECT_FALSE(r.feed(rest.data(), rest.size(), [&](const event& e) { got.push_back(describe(e)); }));
  EXPECT_EQ(got, (strings{"text:one", "text:two", "ping:three"}));
}

TEST(WsFrameReader, SinkReturningFalseOnABufferedMessageOrControlFrame) {
  const std::string bytes = client_frame(op_bin, "ab") + client_frame(fin | op_cont, "cd") +
                            client_frame(fin | op_ping, "p") + client_frame(fin | op_text, "x");
  for (std::size_t stop_at : {0u, 1u}) {
    reader r(100);
    strings got;
    std::size_t calls = 0;
    for (std::size_t i = 0; i < bytes.size(); ++i) {  // byte by byte: everything is buffered
      char c = bytes[i];
      EXPECT_FALSE(r.feed(&c, 1, [&](const event& e) {
        got.push_back(describe(e));
        return calls++ != stop_at;
      }));
    }
    // Stopping only discards the rest of that one-byte feed (nothing), so all events still arrive.
    EXPECT_EQ(got, (strings{"binary:abcd", "ping:p", "text:x"}));
  }
}

TEST(WsFrameReader, CloseEndsTheFeedAndLaterInputIsIgnored) {
  std::string bytes = client_frame(op_text, "frag") + client_frame(fin | op_close, "") + client_frame(fin | op_text, "x");
  reader r(100);
  strings got;
  auto sink = [&](const event& e) {
    got.push_back(describe(e));
    return true;
  };
  EXPECT_FALSE(r.feed(bytes.data(), bytes.size(), sink));
  EXPECT_EQ(got, (strings{"close:0:"}));
  EXPECT_TRUE(r.closed());
  EXPECT_TRUE(r.idle());
  EXPECT_EQ(r.capacity(), 0u);
  std::string more = client_frame(fin | op_text, "y");
  EXPECT_FALSE(r.feed(more.data(), more.size(), sink));
  EXPECT_EQ(got.size(), 1u);
}

// ---------------------------------------------------------------------------------------------- reader: rules

TEST(WsFrameReader, UnmaskedClientFrameIsAProtocolError) {
  EXPECT_EQ(last_code(run_all_splits(client_frame(fin | op_text, "hi", 0, false))), fail(1002));
  EXPECT_EQ(last_code(run_all_splits(client_frame(fin | op_ping, "", 0, false))), fail(1002));
}

TEST(WsFrameReader, ReservedBitsAreAProtocolError) {
  for (unsigned rsv : {0x40u, 0x20u, 0x10u, 0x70u}) {
    EXPECT_EQ(last_code(run_all_splits(client_frame(fin | rsv | op_text, "hi"))), fail(1002)) << rsv;
    EXPECT_EQ(last_code(run_all_splits(client_frame(fin | rsv | op_ping, ""))), fail(1002)) << rsv;
  }
}

TEST(WsFrameReader, UnknownOpcodesAreAProtocolError) {
  for (unsigned op : {3u, 4u, 5u, 6u, 7u, 11u, 12u, 13u, 14u, 15u})
    EXPECT_EQ(last_code(run_all_splits(client_frame(fin | op, "x"))), fail(1002)) << op;
}

TEST(WsFrameReader, ControlFramesMustBeFinalAndShort) {
  EXPECT_EQ(last_code(run_all_splits(client_frame(op_ping, "x"))), fail(1002));
  EXPECT_EQ(last_code(run_all_splits(client_frame(op_close, ""))), fail(1002));
  EXPECT_EQ(last_code(run_all_splits(client_frame(fin | op_ping, std::string(126, 'x')))), fail(1002));
  EXPECT_EQ(last_code(run_all_splits(client_frame(fin | op_pong, std::string(200, 'x')))), fail(1002));
  EXPECT_EQ(last_code(run_all_splits(header64(fin | op_ping, 1ULL << 40))), fail(1002));
  EXPECT_EQ(run_all_splits(client_frame(fin | op_pong, std::string(125, 'x'))), (strings{"pong:" + std::string(125, 'x')}));
}

TEST(WsFrameReader, ContinuationRules) {
  // Continuation without a message in progress (also right after a complete one).
  EXPECT_EQ(last_code(run_all_splits(client_frame(fin | op_cont, "x"))), fail(1002));
  EXPECT_EQ(run_all_splits(client_frame(fin | op_text, "a") + client_frame(op_cont, "x")),
            (strings{"text:a", "fail:1002:continuation without a message"}));
  // A new text/binary frame while one is in progress.
  EXPECT_EQ(last_code(run_all_splits(client_frame(op_text, "a") + client_frame(fin | op_text, "b"))), fail(1002));
  EXPECT_EQ(last_code(run_all_splits(client_frame(op_bin, "a") + client_frame(op_bin, "b"))), fail(1002));
  EXPECT_EQ(last_code(run_all_splits(client_frame(op_text, "a") + client_frame(fin | op_ping, "") +
                                     client_frame(fin | op_bin, "b"))),
            fail(1002));
}

TEST(WsFrameReader, LengthEncodingMustBeMinimalAndBelow2To63) {
  EXPECT_EQ(last_code(run_all_splits(client_frame(fin | op_bin, std::string(125, 'x'), 126))), fail(1002));
  EXPECT_EQ(last_code(run_all_splits(client_frame(fin | op_bin, "", 126))), fail(1002));
  EXPECT_EQ(last_code(run_all_splits(client_frame(fin | op_bin, std::string(100, 'x'), 127))), fail(1002));
  EXPECT_EQ(last_code(run_all_splits(client_frame(fin | op_bin, std::string(65535, 'x'), 127))), fail(1002));
  EXPECT_EQ(last_code(run_all_splits(client_frame(fin | op_ping, "", 126))), fail(1002));  // 126 > 125 for control
  EXPECT_EQ(last_code(run_all_splits(header64(fin | op_bin, 1ULL << 63))), fail(1002));
  EXPECT_EQ(last_code(run_all_splits(header64(fin | op_bin, ~0ULL), std::numeric_limits<std::size_t>::max())),
            fail(1002));
  // The smallest lengths of each form are fine.
  EXPECT_EQ(run_whole(client_frame(fin | op_bin, std::string(126, 'x'), 126)), (strings{"binary:" + std::string(126, 'x')}));
  EXPECT_EQ(run_whole(client_frame(fin | op_bin, std::string(65536, 'x'), 127)), (strings{"binary:" + std::string(65536, 'x')}));
}

TEST(WsFrameReader, MessageTooBigFailsAtTheHeader) {
  EXPECT_EQ(run_all_splits(client_frame(fin | op_text, std::string(10, 'x')), 10), (strings{"text:xxxxxxxxxx"}));
  EXPECT_EQ(last_code(run_all_splits(client_frame(fin | op_text, std::string(11, 'x')), 10)), fail(1009));
  // The sum of fragments counts, control frames in between do not.
  EXPECT_EQ(run_all_splits(client_frame(op_bin, "12345") + client_frame(fin | op_ping, std::string(100, 'p')) +
                               client_frame(fin | op_cont, "67890"),
                           10),
            (strings{"ping:" + std::string(100, 'p'), "binary:1234567890"}));
  EXPECT_EQ(last_code(run_all_splits(client_frame(op_bin, "12345") + client_frame(op_cont, "67890") +
                                     client_frame(fin | op_cont, "!"),
                                     10)),
            fail(1009));
  // Only the header is needed to fail: no payload has to arrive.
  reader r(1000);
  std::string h = client_frame(fin | op_bin, std::string(1001, 'x')).substr(0, 8);
  auto f = r.feed(h.data(), h.size(), [](const event&) { return true; });
  ASSERT_TRUE(f);
  EXPECT_EQ(f->code, 1009);
}

TEST(WsFrameReader, HugeAnnouncedLengthsNeverAllocate) {
  // 2^62 against a 1 MiB limit: refused at the header.
  {
    reader r(1 << 20);
    std::string h = header64(fin | op_bin, 1ULL << 62);
    auto f = r.feed(h.data(), h.size(), [](const event&) { return true; });
    ASSERT_TRUE(f);
    EXPECT_EQ(f->code, 1009);
    EXPECT_EQ(r.capacity(), 0u);
  }
  // Without a limit a huge length is accepted, but only bytes actually received are held.
  reader r(std::numeric_limits<std::size_t>::max());
  std::string h = header64(fin | op_bin, 1ULL << 62);
  EXPECT_FALSE(r.feed(h.data(), h.size(), [](const event&) { return true; }));
  EXPECT_EQ(r.capacity(), 0u);
  std::string some(1000, 'x');
  EXPECT_FALSE(r.feed(some.data(), some.size(), [](const event&) { return true; }));
  EXPECT_FALSE(r.idle());
  EXPECT_LT(r.capacity(), 4096u);
  // A fragment after a held one is refused at its header too.
  reader r2(1 << 20);
  std::string bytes = client_frame(op_bin, "0123456789") + header64(fin | op_cont, 1ULL << 62);
  auto f = r2.feed(bytes.data(), bytes.size(), [](const event&) { return true; });
  ASSERT_TRUE(f);
  EXPECT_EQ(f->code, 1009);
  EXPECT_EQ(r2.capacity(), 0u);
}

TEST(WsFrameReader, TextMustBeValidUtf8) {
  EXPECT_EQ(last_code(run_all_splits(client_frame(fin | op_text, "ab\xC0\x80"))), fail(1007));
  EXPECT_EQ(last_code(run_all_splits(client_frame(fin | op_text, "\xED\xA0\x80"))), fail(1007));
  EXPECT_EQ(last_code(run_all_splits(client_frame(fin | op_text, "\xF4\x90\x80\x80"))), fail(1007));
  // Truncated code point at the end of the message, unfragmented and fragmented.
  EXPECT_EQ(last_code(run_all_splits(client_frame(fin | op_text, "a\xE2\x82"))), fail(1007));
  EXPECT_EQ(last_code(run_all_splits(client_frame(op_text, "a\xE2") + client_frame(fin | op_cont, "\x82"))),
            fail(1007));
  EXPECT_EQ(last_code(run_all_splits(client_frame(op_text, "a\xF0\x9F") + client_frame(fin | op_cont, ""))),
            fail(1007));
  // A code point split across three fragments with a ping in between is fine; binary is never checked.
  EXPECT_EQ(run_all_splits(client_frame(op_text, "\xF0") + client_frame(op_cont, "\x9F\x98") +
                           client_frame(fin | op_ping, "") + client_frame(fin | op_cont, "\x80") +
                           client_frame(fin | op_bin, "\xC0\x80")),
            (strings{"ping:", "text:\xF0\x9F\x98\x80", "binary:\xC0\x80"}));
}

TEST(WsFrameReader, InvalidUtf8FailsFastBeforeTheMessageEnds) {
  // The first fragment alone already fails, and so does the first half of one big frame.
  {
    reader r(1 << 20);
    std::string b = client_frame(op_text, "ok\xFF");
    auto f = r.feed(b.data(), b.size(), [](const event&) { return true; });
    ASSERT_TRUE(f);
    EXPECT_EQ(f->code, 1007);
  }
  reader r(1 << 20);
  std::string b = client_frame(fin | op_text, "abc\xED\xBF\xBF" + std::string(5000, 'x')).substr(0, 20);
  auto f = r.feed(b.data(), b.size(), [](const event&) { return true; });
  ASSERT_TRUE(f);
  EXPECT_EQ(f->code, 1007);
}

TEST(WsFrameReader, CloseFrames) {
  EXPECT_EQ(run_all_splits(client_frame(fin | op_close, "")), (strings{"close:0:"}));
  EXPECT_EQ(run_all_splits(client_frame(fin | op_close, close_payload(1000, ""))), (strings{"close:1000:"}));
  EXPECT_EQ(run_all_splits(client_frame(fin | op_close, close_payload(4999, "d\xC3\xA9j\xC3\xA0"))),
            (strings{"close:4999:d\xC3\xA9j\xC3\xA0"}));
  // A close in the middle of a fragmented message ends it; the fragment is dropped.
  EXPECT_EQ(run_all_splits(client_frame(op_text, "part") + client_frame(fin | op_close, close_payload(1001, "gone")) +
                           client_frame(fin | op_cont, "rest")),
            (strings{"close:1001:gone"}));
  EXPECT_EQ(last_code(run_all_splits(client_frame(fin | op_close, "\x03"))), fail(1002));
  EXPECT_EQ(last_code(run_all_splits(client_frame(fin | op_close, close_payload(1000, "\xC3")))), fail(1007));
  EXPECT_EQ(last_code(run_all_splits(client_frame(fin | op_close, close_payload(1000, "ok\xED\xA0\x80")))),
            fail(1007));
}

TEST(WsFrameReader, CloseCodesAllowedOnTheWire) {
  for (unsigned code : {1000u, 1001u, 1002u, 1003u, 1007u, 1008u, 1009u, 1010u, 1011u, 1012u, 1013u, 1014u, 3000u,
                        3999u, 4000u, 4999u}) {
    EXPECT_EQ(run_whole(client_frame(fin | op_close, close_payload(static_cast<std::uint16_t>(code), "r"))),
              (strings{"close:" + std::to_string(code) + ":r"}));
    EXPECT_TRUE(valid_close_code(static_cast<std::uint16_t>(code)));
  }
  for (unsigned code : {0u, 999u, 1004u, 1005u, 1006u, 1015u, 1016u, 2000u, 2999u, 5000u, 65535u}) {
    EXPECT_EQ(last_code(run_all_splits(client_frame(fin | op_close, close_payload(static_cast<std::uint16_t>(code), "")))),
              fail(1002))
        << code;
    EXPECT_FALSE(valid_close_code(static_cast<std::uint16_t>(code)));
  }
}

TEST(WsFrameReader, FailuresAreStickyAndSilent) {
  reader r(100);
  std::string bad = client_frame(fin | op_text, "x", 0, false);
  int calls = 0;
  auto sink = [&](const event&) {
    ++calls;
    return true;
  };
  auto f1 = r.feed(bad.data(), bad.size(), sink);
  ASSERT_TRUE(f1);
  EXPECT_EQ(f1->code, 1002);
  EXPECT_EQ(f1->reason, "client frame not masked");
  std::string good = client_frame(fin | op_text, "ok");
  auto f2 = r.feed(good.data(), good.size(), sink);
  ASSERT_TRUE(f2);
  EXPECT_EQ(f2->code, f1->code);
  EXPECT_EQ(f2->reason, f1->reason);
  EXPECT_EQ(f2->code, r.error()->code);
  EXPECT_EQ(calls, 0);
  // Events before the failing frame in the same feed are delivered.
  reader r2(100);
  std::string mixed = good + bad + good;
  EXPECT_TRUE(r2.feed(mixed.data(), mixed.size(), sink));
  EXPECT_EQ(calls, 1);
}

TEST(WsFrameReader, IdleAndShrink) {
  const std::string f = client_frame(fin | op_bin, std::string(10000, 'q'));
  reader r(1 << 20);
  EXPECT_TRUE(r.idle());
  std::string first = f.substr(0, 5000), second = f.substr(5000);
  EXPECT_FALSE(r.feed(first.data(), first.size(), [](const event&) { return true; }));
  EXPECT_FALSE(r.idle());
  const auto held = r.capacity();
  EXPECT_GE(held, 4000u);
  r.shrink();  // not idle: keeps the partial frame
  EXPECT_EQ(r.capacity(), held);
  EXPECT_FALSE(r.feed(nullptr, 0, [](const event&) { return true; }));  // an empty read changes nothing
  std::size_t got = 0;
  EXPECT_FALSE(r.feed(second.data(), second.size(), [&](const event& e) { return got = e.payload.size(), true; }));
  EXPECT_EQ(got, 10000u);
  EXPECT_TRUE(r.idle());
  EXPECT_GT(r.capacity(), 0u);
  r.shrink();
  EXPECT_EQ(r.capacity(), 0u);
  // A partial header is held too (and is not idle).
  std::string two = f.substr(0, 3);
  EXPECT_FALSE(r.feed(two.data(), two.size(), [](const event&) { return true; }));
  EXPECT_FALSE(r.idle());
  // A fragmented message in progress is not idle.
  reader r2(100);
  std::string frag = client_frame(op_text, "");
  EXPECT_FALSE(r2.feed(frag.data(), frag.size(), [](const event&) { return true; }));
  EXPECT_FALSE(r2.idle());
  EXPECT_LE(sizeof(reader), 112u);  // what every connection pays for a reader
}

// ---------------------------------------------------------------------------------------------- writers

TEST(WsFrameWriter, EncodeHeaderLengths) {
  char h[10];
  ASSERT_EQ(encode_header(h, opcode::binary, 0), 2u);
  EXPECT_EQ(std::string(h, 2), std::string("\x82\x00", 2));
  ASSERT_EQ(encode_header(h, opcode::text, 125), 2u);
  EXPECT_EQ(std::string(h, 2), "\x81\x7D");
  ASSERT_EQ(encode_header(h, opcode::text, 126), 4u);
  EXPECT_EQ(std::string(h, 4), std::string("\x81\x7E\x00\x7E", 4));
  ASSERT_EQ(encode_header(h, opcode::binary, 65535), 4u);
  EXPECT_EQ(std::string(h, 4), "\x82\x7E\xFF\xFF");
  ASSERT_EQ(encode_header(h, opcode::binary, 65536), 10u);
  EXPECT_EQ(std::string(h, 10), std::string("\x82\x7F\x00\x00\x00\x00\x00\x01\x00\x00", 10));
  ASSERT_EQ(encode_header(h, opcode::ping, 0x0102030405060708ULL), 10u);
  EXPECT_EQ(std::string(h, 10), "\x89\x7F\x01\x02\x03\x04\x05\x06\x07\x08");
  // A server frame masked like a client's parses back to the same payload, for all three forms.
  for (std::size_t n : {0u, 125u, 126u, 65535u, 65536u}) {
    EXPECT_EQ(run_whole(to_client(make_frame(opcode::text, std::string(n, 'k')))), (strings{"text:" + std::string(n, 'k')}));
  }
}

TEST(WsFrameWriter, CloseFrame) {
  EXPECT_EQ(close_frame(0, "ignored"), std::string("\x88\x00", 2));
  EXPECT_EQ(close_frame(1000, "bye"), std::string("\x88\x05\x03\xE8" "bye", 7));
  EXPECT_EQ(close_frame(1009, ""), std::string("\x88\x02\x03\xF1", 4));
  // 121 + 2 bytes fit exactly; 122 + 2 do not and the cut may not split the 2-byte é.
  const std::string fits = std::string(121, 'a') + "\xC3\xA9";
  EXPECT_EQ(close_frame(1000, fits).size(), 2u + 2u + 123u);
  const std::string cut = std::string(122, 'a') + "\xC3\xA9";
  const auto c = close_frame(1000, cut);
  ASSERT_EQ(c.size(), 2u + 2u + 122u);
  EXPECT_EQ(c[1], 124);
  EXPECT_EQ(c.substr(4), std::string(122, 'a'));
  // Long multi-byte reasons: always a whole number of code points, at most 125 payload bytes, and readable.
  std::string euros;
  for (int i = 0; i < 100; ++i) euros += "\xE2\x82\xAC";
  const auto e = close_frame(4000, euros);
  EXPECT_EQ(e.size(), 2u + 2u + 123u);  // 41 euro signs
  EXPECT_EQ(run_whole(to_client(e)), (strings{"close:4000:" + euros.substr(0, 123)}));
  std::string emoji;
  for (int i = 0; i < 40; ++i) emoji += "\xF0\x9F\x98\x80";
  const auto m = close_frame(1001, emoji);
  EXPECT_EQ(m.size(), 2u + 2u + 120u);  // 30 emoji
  EXPECT_EQ(run_whole(to_client(m)), (strings{"close:1001:" + emoji.substr(0, 120)}));
  // An invalid reason is dropped rather than sent.
  EXPECT_EQ(close_frame(1011, "bad\xFF"), std::string("\x88\x02\x03\xF3", 4));
}

TEST(WsFrameWriter, PongEchoesThePing) {
  EXPECT_EQ(pong_frame(""), std::string("\x8A\x00", 2));
  EXPECT_EQ(pong_frame("abc"), "\x8A\x03" "abc");
  const std::string p(125, '\x01');
  EXPECT_EQ(pong_frame(p), "\x8A\x7D" + p);
  EXPECT_EQ(pong_frame(std::string(300, 'z')).size(), 127u);
  EXPECT_EQ(run_whole(to_client(pong_frame("hi"))), (strings{"pong:hi"}));
}

// ---------------------------------------------------------------------------------------------- UTF-8 validator

bool valid(std::string_view s) {
  utf8_validator v;
  return v.feed(s) && v.complete();
}

TEST(Utf8Validator, ValidOneToFourByteSequences) {
  EXPECT_TRUE(valid(""));
  EXPECT_TRUE(valid("plain ascii, longer than eight bytes"));
  EXPECT_TRUE(valid(std::string("\0", 1)));
  EXPECT_TRUE(valid("\x7F"));
  EXPECT_TRUE(valid("\xC2\x80"));          // U+0080
  EXPECT_TRUE(valid("\xDF\xBF"));          // U+07FF
  EXPECT_TRUE(valid("\xE0\xA0\x80"));      // U+0800
  EXPECT_TRUE(valid("\xE2\x82\xAC"));      // euro
  EXPECT_TRUE(valid("\xED\x9F\xBF"));      // U+D7FF, just below the surrogates
  EXPECT_TRUE(valid("\xEE\x80\x80"));      // U+E000, just above
  EXPECT_TRUE(valid("\xEF\xBF\xBF"));      // U+FFFF
  EXPECT_TRUE(valid("\xF0\x90\x80\x80"));  // U+10000
  EXPECT_TRUE(valid("\xF0\x9F\x98\x80"));  // emoji
  EXPECT_TRUE(valid("\xF4\x8F\xBF\xBF"));  // U+10FFFF
  EXPECT_TRUE(valid("Gr\xC3\xBC\xC3\x9F" "e \xE6\x97\xA5\xE6\x9C\xAC \xF0\x9F\x91\x8B and more ascii text"));
}

TEST(Utf8Validator, OverlongsSurrogatesAndTooLargeFailFast) {
  // Each of these fails at the first byte that cannot lead to valid UTF-8, without waiting for more.
  for (std::string s : {"\xC0", "\xC1", "\xC0\x80", "\xC1\xBF", "\xE0\x80", "\xE0\x9F", "\xE0\x80\x80", "\xED\xA0",
                        "\xED\xA0\x80", "\xED\xBF\xBF", "\xF0\x80", "\xF0\x8F", "\xF0\x80\x80\x80", "\xF4\x90",
                        "\xF4\x90\x80\x80", "\xF5", "\xF8\x88\x80\x80\x80", "\xFF", "\x80", "\xBF", "a\x80",
                        "\xC2\x41", "\xE2\x82\x41", "\xF0\x9F\x98\x41", "\xC2\xC2", "\xE2\xE2"}) {
    utf8_validator v;
    EXPECT_FALSE(v.feed(s)) << testing::PrintToString(s);
    EXPECT_FALSE(v.complete());
  }
}

TEST(Utf8Validator, TruncatedSequencesAreIncomplete) {
  for (std::string s : {"\xC2", "\xE2", "\xE2\x82", "\xF0", "\xF0\x9F", "\xF0\x9F\x98", "abc\xF4\x8F\xBF"}) {
    utf8_validator v;
    EXPECT_TRUE(v.feed(s)) << testing::PrintToString(s);
    EXPECT_FALSE(v.complete()) << testing::PrintToString(s);
  }
}

TEST(Utf8Validator, SplitAcrossFeedsAnywhere) {
  const std::string s = "ab\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80xyz0123456789\xF4\x8F\xBF\xBF\xED\x9F\xBF.";
  for (std::size_t i = 0; i <= s.size(); ++i) {
    for (std::size_t j = i; j <= s.size(); ++j) {
      utf8_validator v;
      EXPECT_TRUE(v.feed(std::string_view(s).substr(0, i)));
      EXPECT_TRUE(v.feed(std::string_view(s).substr(i, j - i)));
      EXPECT_TRUE(v.feed(std::string_view(s).substr(j)));
      EXPECT_TRUE(v.complete()) << i << " " << j;
    }
  }
  utf8_validator v;
  EXPECT_TRUE(v.feed("\xED"));
  EXPECT_FALSE(v.feed("\xA0"));  // surrogate, detected at its second byte in the next feed
}

TEST(Utf8Validator, StickyFailureAndReset) {
  utf8_validator v;
  EXPECT_FALSE(v.feed("\xFF"));
  EXPECT_FALSE(v.feed("ok"));
  EXPECT_FALSE(v.complete());
  v.reset();
  EXPECT_TRUE(v.feed("ok"));
  EXPECT_TRUE(v.complete());
  EXPECT_TRUE(v.feed("\xE2"));
  v.reset();  // forgets the pending code point
  EXPECT_TRUE(v.complete());
}

TEST(Utf8Validator, BadByteAtEveryOffsetOfTheAsciiFastPath) {
  for (std::size_t len = 0; len < 40; ++len) {
    for (std::size_t at = 0; at < len; ++at) {
      std::string s(len, 'a');
      s[at] = '\x80';
      EXPECT_FALSE(valid(s)) << len << " " << at;
      s[at] = '\x7F';
      EXPECT_TRUE(valid(s));
    }
    // A valid 2-byte sequence straddling each 8-byte word boundary.
    if (len >= 2) {
      for (std::size_t at = 0; at + 1 < len; ++at) {
        std::string s(len, 'b');
        s[at] = '\xC3';
        s[at + 1] = '\xA9';
        EXPECT_TRUE(valid(s)) << len << " " << at;
      }
    }
  }
}

// A plain decoder to compare with on random input.
bool reference_valid(const std::string& s) {
  std::size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    std::size_t len;
    std::uint32_t cp;
    if (c < 0x80) {
      ++i;
      continue;
    } else if ((c & 0xE0) == 0xC0) {
      len = 2, cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      len = 3, cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      len = 4, cp = c & 0x07;
    } else {
      return false;
    }
    if (i + len > s.size()) return false;
    for (std::size_t k = 1; k < len; ++k) {
      const auto d = static_cast<unsigned char>(s[i + k]);
      if ((d & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (d & 0x3F);
    }
    if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000)) return false;
    if ((cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF) return false;
    i += len;
  }
  return true;
}

TEST(Utf8Validator, AgreesWithAReferenceDecoderOnRandomInput) {
  std::mt19937 rng(6455);
  // Bytes drawn mostly from the interesting ranges so that valid and invalid strings both occur often.
  const unsigned char pool[] = {'a',  'z',  0x00, 0x7F, 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF, 0xC0, 0xC1, 0xC2,
                                0xDF, 0xE0, 0xE1, 0xEC, 0xED, 0xEE, 0xEF, 0xF0, 0xF1, 0xF3, 0xF4, 0xF5, 0xFF};
  std::uniform_int_distribution<std::size_t> pick(0, sizeof(pool) - 1), len(0, 24);
  int valid_count = 0;
  for (int round = 0; round < 50000; ++round) {
    std::string s(len(rng), '\0');
    for (auto& ch : s) ch = static_cast<char>(pool[pick(rng)]);
    const bool expected = reference_valid(s);
    valid_count += expected;
    utf8_validator v;
    bool ok = true;
    for (std::size_t at = 0; at < s.size() && ok;) {  // random pieces
      const std::size_t n = std::min(s.size() - at, len(rng) / 4 + 1);
      ok = v.feed(std::string_view(s).substr(at, n));
      at += n;
    }
    EXPECT_EQ(ok && v.complete(), expected) << testing::PrintToString(s);
  }
  EXPECT_GT(valid_count, 500);  // the generator does produce valid strings
}

}  // namespace
}  // namespace actorhub::transport::ws
