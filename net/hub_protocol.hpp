// A hub protocol codec (json, messagepack): stateless, thread-safe, one instance per protocol.
// Records carry their own framing (JSON: trailing 0x1E; MessagePack: VarInt length prefix), so any number
// of encoded records can be concatenated into one transport frame.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "net/hub_message.hpp"

namespace actorhub {

enum class protocol_kind : std::uint8_t { json = 0, messagepack = 1 };
inline constexpr std::size_t protocol_count = 2;

struct parse_status {
  enum code_t { ok, too_large, invalid } code = ok;
  std::string error;  // for invalid / too_large: a human-readable reason
  explicit operator bool() const noexcept { return code == ok; }
  // The one text every protocol gives for an oversize record (as ASP.NET Core words it).
  static parse_status message_too_large(std::size_t max) {
    return {too_large, "The maximum message size of " + std::to_string(max) + "B was exceeded."};
  }
};

class hub_protocol {
 public:
  virtual ~hub_protocol() = default;
  virtual protocol_kind kind() const noexcept = 0;
  virtual std::string_view name() const noexcept = 0;  // "json" | "messagepack"
  virtual int version() const noexcept = 0;            // highest supported version (2: stateful reconnect)
  virtual bool binary() const noexcept = 0;            // transfer format: Binary (true) or Text

  // Appends the framed record for `m` to `out`.
  virtual void write(const hub_message& m, std::string& out) const = 0;

  // Decodes every complete record at the front of `in` into `out` and advances `in` past them; an incomplete
  // trailing record stays in `in`. A record (or an incomplete one already) larger than `max_message_size`
  // gives too_large; undecodable input gives invalid. Both are fatal for the connection.
  virtual parse_status parse(std::string_view& in, std::vector<hub_message>& out,
                             std::size_t max_message_size) const = 0;
};

// The built-in protocols; nullptr for an unknown name.
const hub_protocol* find_protocol(std::string_view name) noexcept;
const hub_protocol& json_protocol() noexcept;
const hub_protocol& messagepack_protocol() noexcept;  // defined once MessagePack lands
const hub_protocol& protocol_for(protocol_kind k) noexcept;

}  // namespace actorhub
