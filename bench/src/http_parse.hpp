#pragma once
// The little HTTP/1.1 the bench needs to hear, incrementally: response heads, whole bodies (Content-Length or
// chunked; negotiate, long polls, POST answers), an endless chunked stream, and text/event-stream events (SSE).
// Every function takes what has arrived so far and says how much of it it used; the caller keeps the rest.
#include <cstddef>
#include <string>
#include <string_view>

namespace bench {

struct http_head {
  int status = 0;
  bool chunked = false;      // Transfer-Encoding: chunked
  bool close = false;        // Connection: close, or HTTP/1.0 without keep-alive
  bool has_length = false;   // Content-Length present
  std::size_t content_length = 0;
  bool event_stream = false;  // Content-Type: text/event-stream
};

constexpr std::size_t http_incomplete = 0;
constexpr std::size_t http_malformed = std::string_view::npos;

// Parses a response head (status line, headers, blank line). Returns the bytes it spans, http_incomplete while
// the blank line has not arrived (or http_malformed past max_head bytes), or http_malformed.
std::size_t parse_http_head(std::string_view data, http_head& out, std::size_t max_head = 16 * 1024);

// The whole body of a response whose head was parsed, starting at `data`: 1 = complete (body filled, `used`
// set to the bytes it spans), 0 = more bytes needed, -1 = malformed or larger than max_body. Without length
// or chunking the body is empty, except for a `Connection: close` response, which the bench never reads to EOF.
int read_http_body(std::string_view data, const http_head& head, std::size_t max_body, std::string& body,
                   std::size_t& used);

// Incremental chunked decoder for a stream that may never end (SSE). feed() appends the payload bytes to `out`
// and returns the input bytes it used; an incomplete size line is left for the next call.
class chunked_decoder {
 public:
  std::size_t feed(std::string_view in, std::string& out);
  bool failed() const { return state_ == state::failed; }
  bool finished() const { return state_ == state::done; }
  void reset() { state_ = state::size; left_ = 0; }

 private:
  enum class state { size, data, data_crlf, trailer, done, failed };
  state state_ = state::size;
  std::size_t left_ = 0;
};

// text/event-stream: the data of each event, lines of several `data:` fields joined with '\n' (one space after
// the colon dropped), comments and other fields ignored, CRLF, LF or CR line ends. feed() takes decoded stream
// text and returns the bytes it used (the tail of an unfinished line stays with the caller); fn(std::string_view)
// gets each complete event's data (events without data are not reported). fn returns false to stop early.
class sse_parser {
 public:
  template <class Fn>
  std::size_t feed(std::string_view in, Fn&& fn);
  bool in_event() const { return has_data_; }

 private:
  std::string data_;
  bool has_data_ = false;
  bool after_cr_ = false;  // the last line ended with CR: a LF right after it belongs to it
};

template <class Fn>
std::size_t sse_parser::feed(std::string_view in, Fn&& fn) {
  std::size_t pos = 0;
  while (pos < in.size()) {
    if (after_cr_) {
      after_cr_ = false;
      if (in[pos] == '\n') {
        ++pos;
        continue;
      }
    }
    std::size_t eol = in.find_first_of("\r\n", pos);
    if (eol == std::string_view::npos) break;  // unfinished line
    std::string_view line = in.substr(pos, eol - pos);
    after_cr_ = in[eol] == '\r';
    pos = eol + 1;
    if (line.empty()) {  // end of event
      if (has_data_) {
        has_data_ = false;
        bool go_on = fn(std::string_view(data_));
        data_.clear();
        if (!go_on) return pos;
      }
      continue;
    }
    if (line[0] == ':') continue;  // comment
    auto colon = line.find(':');
    std::string_view field = line.substr(0, colon);
    std::string_view value = colon == std::string_view::npos ? std::string_view() : line.substr(colon + 1);
    if (!value.empty() && value[0] == ' ') value.remove_prefix(1);
    if (field != "data") continue;
    if (has_data_) data_ += '\n';
    data_.append(value.data(), value.size());
    has_data_ = true;
  }
  return pos;
}

}  // namespace bench
