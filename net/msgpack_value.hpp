// MessagePack <-> `value`, used by the MessagePack hub protocol. bin stays bytes and the timestamp extension
// (type -1, all three sizes) stays a timestamp, so both survive a round trip.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include <actorhub/value.hpp>

namespace actorhub {

// Nesting limit for arrays/maps in hostile input.
inline constexpr std::size_t msgpack_max_depth = 64;

// Decodes exactly one MessagePack object that fills `data`. Maps need string keys (-> object, order kept),
// strings must be valid UTF-8, extension types other than the timestamp are rejected. On failure returns
// false and sets `error`.
bool parse_msgpack(std::string_view data, value& out, std::string& error);

// Appends `v` in its most compact MessagePack form (doubles as float64, timestamps in the smallest format).
void write_msgpack(const value& v, std::string& out);

}  // namespace actorhub
