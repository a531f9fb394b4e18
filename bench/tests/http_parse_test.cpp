// The bench's HTTP/1.1 answer reader and its event-stream parser, fed the way sockets deliver bytes: whole,
// split at every position, and with several answers back to back (long polls, POST answers on a kept-alive
// socket). The server bytes follow what actorhub writes (net/transport/http_session.cpp: chunked
// text/event-stream, "data: " lines ending in CRLF) and the SSE format's other spellings (LF, CR, no space).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "http_parse.hpp"
#include "wire.hpp"

using namespace bench;

namespace {

std::string chunk(const std::string& s) {
  char size[16];
  std::snprintf(size, sizeof size, "%zx", s.size());
  return std::string(size) + "\r\n" + s + "\r\n";
}

// Feeds `stream` to a chunked decoder and an SSE parser in pieces of `step` bytes (0 = at once), keeping the
// unused tails as a connection does, and returns the events' data.
std::vector<std::string> sse_events(const std::string& stream, std::size_t step, bool chunked = true) {
  chunked_decoder chunks;
  sse_parser sse;
  std::string pending, text;
  std::vector<std::string> out;
  std::size_t pos = 0;
  while (pos < stream.size()) {
    std::size_t n = step ? std::min(step, stream.size() - pos) : stream.size();
    pending.append(stream, pos, n);
    pos += n;
    if (chunked) {
      std::size_t used = chunks.feed(pending, text);
      EXPECT_FALSE(chunks.failed());
      pending.erase(0, used);
    } else {
      text += pending;
      pending.clear();
    }
    std::size_t parsed = sse.feed(text, [&](std::string_view ev) {
      out.emplace_back(ev);
      return true;
    });
    text.erase(0, parsed);
  }
  return out;
}

}  // namespace

TEST(HttpHead, ParsesStatusLengthChunkingAndConnection) {
  http_head h;
  std::string r = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\ncontent-length: 12\r\n\r\n{\"a\":1}";
  EXPECT_EQ(parse_http_head(r, h), r.find("{"));
  EXPECT_EQ(h.status, 200);
  EXPECT_TRUE(h.has_length);
  EXPECT_EQ(h.content_length, 12u);
  EXPECT_FALSE(h.chunked);
  EXPECT_FALSE(h.close);
  EXPECT_FALSE(h.event_stream);

  r = "HTTP/1.1 200 OK\r\nServer: actorhub\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\n"
      "Transfer-Encoding: chunked\r\n\r\n";
  EXPECT_EQ(parse_http_head(r, h), r.size());
  EXPECT_TRUE(h.chunked);
  EXPECT_TRUE(h.event_stream);

  std::string closing = "HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n";
  EXPECT_EQ(parse_http_head(closing, h), closing.size());
  EXPECT_EQ(h.status, 204);
  EXPECT_TRUE(h.close);
  parse_http_head("HTTP/1.0 200 OK\r\n\r\n", h);
  EXPECT_TRUE(h.close);  // HTTP/1.0 without keep-alive
  parse_http_head("HTTP/1.0 200 OK\r\nConnection: keep-alive\r\n\r\n", h);
  EXPECT_FALSE(h.close);
}

TEST(HttpHead, IncompleteAndMalformed) {
  http_head h;
  EXPECT_EQ(parse_http_head("HTTP/1.1 200 OK\r\nContent-Length: 3\r\n", h), http_incomplete);
  EXPECT_EQ(parse_http_head(std::string(100, 'x'), h, 64), http_malformed);  // no end of head within the limit
  EXPECT_EQ(parse_http_head("ICY 200 OK\r\n\r\n", h), http_malformed);
  EXPECT_EQ(parse_http_head("HTTP/1.1 2x0 OK\r\n\r\n", h), http_malformed);
  EXPECT_EQ(parse_http_head("HTTP/1.1 200 OK\r\nContent-Length: 1x\r\n\r\n", h), http_malformed);
  EXPECT_EQ(parse_http_head("HTTP/1.1 200 OK\r\nno colon\r\n\r\n", h), http_malformed);
}

TEST(HttpBody, ContentLengthChunkedAndEmpty) {
  http_head h;
  std::string body;
  std::size_t used = 0;
  h.has_length = true;
  h.content_length = 5;
  EXPECT_EQ(read_http_body("abc", h, 100, body, used), 0);
  EXPECT_EQ(read_http_body("abcdeNEXT", h, 100, body, used), 1);
  EXPECT_EQ(body, "abcde");
  EXPECT_EQ(used, 5u);
  EXPECT_EQ(read_http_body("abcde", h, 4, body, used), -1);  // larger than allowed

  http_head c;
  c.chunked = true;
  std::string chunked = chunk("{\"type\":6}\x1e") + chunk("{}\x1e") + "0\r\n\r\nHTTP/1.1";
  EXPECT_EQ(read_http_body(chunked, c, 100, body, used), 1);
  EXPECT_EQ(body, "{\"type\":6}\x1e{}\x1e");
  EXPECT_EQ(chunked.substr(used), "HTTP/1.1");
  for (std::size_t cut = 0; cut + 8 < chunked.size(); ++cut)
    EXPECT_EQ(read_http_body(chunked.substr(0, cut), c, 100, body, used), 0) << cut;
  EXPECT_EQ(read_http_body("zz\r\n", c, 100, body, used), -1);

  http_head none;  // no length, no chunking (e.g. a 204): no body
  EXPECT_EQ(read_http_body("HTTP/1.1 200", none, 100, body, used), 1);
  EXPECT_EQ(used, 0u);
}

TEST(HttpBody, LongPollAnswersBackToBack) {
  // Two answers on one kept-alive poll socket: 200 with two JSON records, then 204 (connection ended).
  std::string records = "{\"type\":1,\"target\":\"Send\",\"arguments\":[\"@3.77.xxx\"]}\x1e{\"type\":6}\x1e";
  std::string stream = "HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: " +
                       std::to_string(records.size()) + "\r\n\r\n" + records + "HTTP/1.1 204 No Content\r\n\r\n";
  std::string_view rest = stream;
  http_head h;
  std::string body;
  std::size_t used = 0;
  std::size_t hl = parse_http_head(rest, h);
  ASSERT_NE(hl, http_incomplete);
  ASSERT_EQ(h.content_length, records.size());
  ASSERT_EQ(read_http_body(rest.substr(hl), h, 1 << 20, body, used), 1);
  std::vector<incoming> recs;
  ASSERT_TRUE(for_each_record(wire::signalr_json, body, [&](const incoming& in) { recs.push_back(in); }));
  ASSERT_EQ(recs.size(), 2u);
  EXPECT_EQ(recs[0].kind, incoming::invocation);
  EXPECT_EQ(recs[0].mark.seq, 3u);
  EXPECT_EQ(recs[1].kind, incoming::ping);
  rest.remove_prefix(hl + used);
  hl = parse_http_head(rest, h);
  EXPECT_EQ(h.status, 204);
  EXPECT_EQ(read_http_body(rest.substr(hl), h, 1 << 20, body, used), 1);
  EXPECT_TRUE(body.empty());
}

TEST(ChunkedDecoder, StreamsAcrossEveryBoundary) {
  std::string stream = chunk("hello ") + chunk("world") + "0;ext=1\r\nTrailer: x\r\n\r\n";
  for (std::size_t step = 1; step <= stream.size(); ++step) {
    chunked_decoder d;
    std::string pending, out;
    for (std::size_t pos = 0; pos < stream.size(); pos += step) {
      pending.append(stream, pos, step);
      pending.erase(0, d.feed(pending, out));
      ASSERT_FALSE(d.failed()) << step;
    }
    EXPECT_TRUE(d.finished()) << step;
    EXPECT_EQ(out, "hello world") << step;
    EXPECT_TRUE(pending.empty()) << step;
  }
}

TEST(ChunkedDecoder, RejectsGarbage) {
  chunked_decoder d;
  std::string out;
  d.feed("5\r\nhelloXX", out);
  EXPECT_TRUE(d.failed());  // no CRLF after the chunk data
  chunked_decoder e;
  e.feed(std::string(80, '1'), out);  // a size line that never ends
  EXPECT_TRUE(e.failed());
}

TEST(Sse, ActorhubStreamSplitAnywhere) {
  // What actorhub writes: a first blank line, then one event per batch, records joined, CRLF line ends.
  std::string rec1 = "{\"type\":1,\"target\":\"Send\",\"arguments\":[\"@1.10.xx\"]}\x1e";
  std::string rec2 = "{\"type\":3,\"invocationId\":\"4\",\"result\":null}\x1e";
  std::string stream = chunk("\r\n") + chunk("data: {}\x1e\r\n\r\n") + chunk("data: " + rec1 + rec2 + "\r\n\r\n") +
                       chunk("data: {\"type\":6}\x1e\r\n\r\n");
  for (std::size_t step : {std::size_t(0), std::size_t(1), std::size_t(2), std::size_t(3), std::size_t(7),
                           std::size_t(64)}) {
    auto ev = sse_events(stream, step);
    ASSERT_EQ(ev.size(), 3u) << step;
    EXPECT_EQ(ev[0], "{}\x1e");
    EXPECT_EQ(ev[1], rec1 + rec2);
    EXPECT_EQ(ev[2], "{\"type\":6}\x1e");
  }
  std::vector<incoming> recs;
  ASSERT_TRUE(for_each_record(wire::signalr_json, sse_events(stream, 5)[1],
                              [&](const incoming& in) { recs.push_back(in); }));
  ASSERT_EQ(recs.size(), 2u);
  EXPECT_EQ(recs[0].mark.seq, 1u);
  EXPECT_EQ(recs[1].kind, incoming::completion);
  EXPECT_EQ(recs[1].invocation_id, 4u);
}

TEST(Sse, MultiLineDataCommentsOtherFieldsAndLineEnds) {
  // LF, CR and CRLF line ends; "data:" without a space; comments, event/id fields and events without data.
  std::string stream = ": comment\n\nevent: x\nid: 7\n\ndata: a\ndata:b\r\ndata:  c\r\r\ndata\n\n";
  for (std::size_t step : {std::size_t(0), std::size_t(1), std::size_t(4)}) {
    auto ev = sse_events(stream, step, false);
    ASSERT_EQ(ev.size(), 2u) << step;
    EXPECT_EQ(ev[0], "a\nb\n c") << step;
    EXPECT_EQ(ev[1], "") << step;  // a bare "data" field is an empty data line
  }
}

TEST(Sse, StopsWhenTheHandlerSaysSo) {
  sse_parser p;
  std::string text = "data: 1\n\ndata: 2\n\n";
  int n = 0;
  std::size_t used = p.feed(text, [&](std::string_view) {
    ++n;
    return false;
  });
  EXPECT_EQ(n, 1);
  EXPECT_EQ(text.substr(used), "data: 2\n\n");
}
