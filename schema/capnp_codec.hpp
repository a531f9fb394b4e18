// What both wire codecs (cluster_wire.cpp, gateway_wire.cpp) do with Cap'n Proto: write Text fields as
// well-formed UTF-8, size the first segment, flatten a message, and read one back from hostile bytes with the
// same limits. Internal to schema/ (it includes capnp headers); the message-specific parts stay in each codec.
//
// Reading rules (see cluster_wire.cpp for the reasons): a non-zero multiple of 8 bytes of at most max_bytes
// holding exactly one message; a traversal limit of twice the message's words and a nesting limit of 16; no list
// of zero-sized structs; known enum values; well-formed UTF-8 in every Text field. A violation throws `rejected`
// inside a read, and read_flat turns it, and any exception, into nullopt.
#pragma once

#include <capnp/any.h>
#include <capnp/message.h>
#include <capnp/serialize.h>
#include <kj/array.h>
#include <kj/exception.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <exception>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace actorhub::capnp_codec {

constexpr std::size_t word_bytes = sizeof(capnp::word);
constexpr int nesting_limit = 16;

// -- UTF-8 (capnp_codec.cpp) ----------------------------------------------------------------------------------

// Where the first byte that starts no well-formed sequence is (Unicode 15, table 3-7: no overlong forms, no
// surrogates, nothing above U+10FFFF), or n.
std::size_t utf8_valid_prefix(const char* text, std::size_t n);
inline bool valid_utf8(const char* text, std::size_t n) { return utf8_valid_prefix(text, n) == n; }
// `text` with every byte that starts no well-formed sequence replaced by U+FFFD.
std::string replace_invalid_utf8(std::string_view text);

// -- writing --------------------------------------------------------------------------------------------------

// Text fields: written as they are when well-formed (the common case, no copy), else with replacements, so a
// message this side writes is always one the other side accepts.
template <class Set>
void set_text(const std::string& value, Set&& set) {
  if (valid_utf8(value.data(), value.size())) {
    set(capnp::Text::Reader(value.data(), value.size()));
  } else {
    const std::string fixed = replace_invalid_utf8(value);
    set(capnp::Text::Reader(fixed.data(), fixed.size()));
  }
}

inline capnp::Data::Reader data(const std::string& value) {
  return capnp::Data::Reader(reinterpret_cast<const kj::byte*>(value.data()), value.size());
}

inline void set_texts(capnp::List<capnp::Text>::Builder list, const std::vector<std::string>& values) {
  for (unsigned i = 0; i < values.size(); ++i) set_text(values[i], [&](capnp::Text::Reader t) { list.set(i, t); });
}

inline void set_datas(capnp::List<capnp::Data>::Builder list, const std::vector<std::string>& values) {
  for (unsigned i = 0; i < values.size(); ++i) list.set(i, data(values[i]));
}

// A rough upper bound of the encoded size, so that the first segment usually holds the whole message (one
// allocation, no multi-segment message).
inline std::size_t approx(const std::string& s) { return s.size() + 2 * word_bytes; }
inline std::size_t approx(const std::vector<std::string>& v) {
  std::size_t n = word_bytes;
  for (const auto& s : v) n += approx(s);
  return n;
}

// Builds one message whose root is a Root (an envelope union); `fill` sets the union member.
template <class Root, class Fill>
std::string encode_message(std::size_t approx_bytes, std::size_t max_bytes, Fill&& fill) {
  const std::size_t max_first_segment_words = max_bytes / word_bytes + 1024;
  const std::size_t words = approx_bytes / word_bytes + 16;
  capnp::MallocMessageBuilder builder(static_cast<capnp::uint>(std::min(words, max_first_segment_words)));
  fill(builder.initRoot<Root>());
  const kj::Array<capnp::word> flat = capnp::messageToFlatArray(builder);
  const kj::ArrayPtr<const kj::byte> bytes = flat.asBytes();
  return std::string(reinterpret_cast<const char*>(bytes.begin()), bytes.size());
}

// -- reading --------------------------------------------------------------------------------------------------

// Thrown inside a read for what Cap'n Proto itself accepts but these codecs do not; never leaves read_flat.
struct rejected {};

inline std::string text(capnp::Text::Reader t) {
  if (!valid_utf8(t.begin(), t.size())) throw rejected{};
  return std::string(t.begin(), t.size());
}

inline std::string bytes(capnp::Data::Reader d) {
  return std::string(reinterpret_cast<const char*>(d.begin()), d.size());
}

inline std::vector<std::string> texts(capnp::List<capnp::Text>::Reader list) {
  std::vector<std::string> out;
  out.reserve(list.size());  // a list of pointers: its size is bounded by the message
  for (auto t : list) out.push_back(text(t));
  return out;
}

inline std::vector<std::string> datas(capnp::List<capnp::Data>::Reader list) {
  std::vector<std::string> out;
  out.reserve(list.size());
  for (auto d : list) out.push_back(bytes(d));
  return out;
}

// Lists of structs: Cap'n Proto accepts a list of zero-sized elements of any length (it only charges the
// traversal limit one word per element), which would decode into that many default values. No writer of these
// schemas produces zero-sized structs, so such a list is rejected.
template <class T, class Read, class Reader>
std::vector<T> structs(Reader list, Read&& read) {
  std::vector<T> out;
  if (list.size() == 0) return out;
  const capnp::AnyStruct::Reader first(list[0]);
  if (first.getDataSection().size() == 0 && first.getPointerSection().size() == 0) throw rejected{};
  out.reserve(list.size());
  for (auto e : list) out.push_back(read(e));
  return out;
}

// An enum value this version knows (its enumerants are 0..last), else rejected.
template <class Cpp, class Wire>
Cpp known(Wire value, Cpp last) {
  const auto raw = static_cast<std::uint16_t>(value);
  if (raw > static_cast<std::uint16_t>(last)) throw rejected{};
  return static_cast<Cpp>(raw);
}

// The checks every decode shares: size, framing, reader limits; `read` converts the Root. Exceptions end here.
template <class Root, class Read>
auto read_flat(std::string_view input, std::size_t max_bytes, Read&& read) noexcept
    -> std::optional<decltype(read(std::declval<typename Root::Reader>()))> {
  if (input.empty() || input.size() > max_bytes || input.size() % word_bytes != 0) return std::nullopt;
  try {
    // Cap'n Proto reads words: copy into aligned memory (the string's bytes may be anywhere).
    const std::size_t words = input.size() / word_bytes;
    kj::Array<capnp::word> aligned = kj::heapArray<capnp::word>(words);
    std::memcpy(aligned.begin(), input.data(), input.size());
    capnp::ReaderOptions options;
    options.traversalLimitInWords = 2 * words;
    options.nestingLimit = nesting_limit;
    capnp::FlatArrayMessageReader reader(aligned.asPtr(), options);
    if (reader.getEnd() != aligned.end()) return std::nullopt;  // trailing bytes: not exactly one message
    return read(reader.getRoot<Root>());
  } catch (const rejected&) {
  } catch (const kj::Exception&) {
  } catch (const std::exception&) {
  }
  return std::nullopt;
}

}  // namespace actorhub::capnp_codec
