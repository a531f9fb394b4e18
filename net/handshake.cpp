// The hub protocol handshake record (net/handshake.hpp), decoded and encoded with Boost.JSON.
#include "net/handshake.hpp"

#include <cstring>
#include <limits>

#include <boost/json.hpp>

namespace actorhub {

namespace json = boost::json;

namespace {

constexpr char record_separator = '\x1e';

handshake_parse fail(std::string error) {
  handshake_parse r;
  r.state = handshake_parse::invalid;
  r.error = std::move(error);
  return r;
}

}  // namespace

handshake_parse parse_handshake(std::string_view in, std::size_t max_size) {
  auto end = in.find(record_separator);
  if (end == std::string_view::npos) {
    if (in.size() > max_size) return fail("The handshake request exceeds the maximum size of " +
                                          std::to_string(max_size) + " bytes.");
    return {};  // incomplete: wait for more bytes
  }
  if (end > max_size)
    return fail("The handshake request exceeds the maximum size of " + std::to_string(max_size) + " bytes.");

  json::parse_options opts;
  opts.max_depth = 8;  // a handshake is a flat object; anything deeper is garbage
  json::error_code ec;
  json::value doc = json::parse(json::string_view(in.data(), end), ec, json::storage_ptr(), opts);
  if (ec) return fail("The handshake request is not valid JSON: " + ec.message() + ".");
  const json::object* obj = doc.if_object();
  if (!obj) return fail("The handshake request must be a JSON object.");

  const json::value* protocol = obj->if_contains("protocol");
  if (!protocol) return fail("Missing required property 'protocol'.");
  if (!protocol->is_string()) return fail("Expected 'protocol' to be of type String.");
  const json::value* version = obj->if_contains("version");
  if (!version) return fail("Missing required property 'version'.");
  std::int64_t v = 0;
  if (version->is_int64()) {
    v = version->get_int64();
  } else if (version->is_uint64()) {
    v = std::numeric_limits<std::int64_t>::max();  // out of range below
  } else {
    return fail("Expected 'version' to be of type Integer.");
  }
  if (v < std::numeric_limits<int>::min() || v > std::numeric_limits<int>::max())
    return fail("The handshake 'version' is out of range.");

  handshake_parse r;
  r.state = handshake_parse::complete;
  const json::string& name = protocol->get_string();
  r.request.protocol.assign(name.data(), name.size());
  r.request.version = static_cast<int>(v);
  r.consumed = end + 1;
  return r;
}

std::string handshake_response(const std::optional<std::string>& error) {
  std::string out;
  if (!error) {
    out = "{}";
  } else {
    json::object o;
    o["error"] = json::string_view(error->data(), error->size());
    out = json::serialize(o);
  }
  out.push_back(record_separator);
  return out;
}

}  // namespace actorhub
