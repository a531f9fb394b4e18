// Hostile or broken input: every decoder returns nullopt (or, for what may legitimately decode, something that
// re-encodes consistently), never throws, never crashes. Run under ASan/UBSan by hand:
//   cmake -S . -B build-asan -G Ninja -DACTORHUB_SANITIZE=address,undefined && cmake --build build-asan
//   --target schema_tests && build-asan/bin/schema_tests
#include <capnp/message.h>
#include <capnp/serialize.h>
#include <gtest/gtest.h>

#include <chrono>
#include <cstring>
#include <random>

#include "cluster.capnp.h"
#include "future.capnp.h"
#include "wire_testing.hpp"

namespace actorhub::wire {
namespace {

using namespace std::string_literals;
using testing::all_decoders;
namespace s = schema;
namespace shapes = testing::capnp_shapes;

// A message written with Cap'n Proto directly, as any (possibly hostile) writer could.
template <class Root, class Fill>
std::string build(Fill&& fill) {
  capnp::MallocMessageBuilder builder;
  fill(builder.initRoot<Root>());
  const auto flat = capnp::messageToFlatArray(builder);
  return std::string(reinterpret_cast<const char*>(flat.asBytes().begin()), flat.asBytes().size());
}

void expect_rejected_by_all(std::string_view bytes, const std::string& what) {
  for (const auto& d : all_decoders()) EXPECT_FALSE(d.accepts(bytes)) << what << " accepted as " << d.message;
}

std::uint64_t word_at(const std::string& bytes, std::size_t i) {
  std::uint64_t w;
  std::memcpy(&w, bytes.data() + 8 * i, 8);
  return w;
}
void set_word(std::string& bytes, std::size_t i, std::uint64_t w) { std::memcpy(bytes.data() + 8 * i, &w, 8); }

// Index of the only word (after the one-word segment table) for which `match` holds.
template <class Match>
std::size_t find_word(const std::string& bytes, Match&& match) {
  EXPECT_EQ(word_at(bytes, 0) & 0xFFFFFFFF, 0u) << "the test expects a single-segment message";
  std::size_t found = 0, count = 0;
  for (std::size_t i = 1; i < bytes.size() / 8; ++i)
    if (match(word_at(bytes, i))) found = i, ++count;
  EXPECT_EQ(count, 1u) << "the test expects exactly one such word";
  return found;
}

// A list pointer: bits 0-1 = 1, 2-31 offset, 32-34 element size, 35-63 element count (words for composite).
std::size_t find_list_pointer(const std::string& bytes, unsigned element_size, std::uint32_t count) {
  return find_word(bytes, [&](std::uint64_t w) { return (w & 3) == 1 && (w >> 32) == ((count << 3) | element_size); });
}
void set_list_count(std::string& bytes, std::size_t i, std::uint32_t count) {
  const std::uint64_t w = word_at(bytes, i);
  set_word(bytes, i, (w & 0x7FFFFFFFFull) | (std::uint64_t(count) << 35));
}

TEST(malformed, empty_misaligned_and_trailing_bytes) {
  expect_rejected_by_all("", "empty input");
  for (const auto& sample : testing::v1::samples()) {
    const std::string bytes = sample.encode();
    for (std::size_t extra = 1; extra <= 8; ++extra)
      expect_rejected_by_all(bytes + std::string(extra, '\0'), sample.name + " + " + std::to_string(extra));
    for (std::size_t less = 1; less < 8; ++less)
      expect_rejected_by_all(bytes.substr(0, bytes.size() - less), sample.name + " - " + std::to_string(less));
    expect_rejected_by_all(bytes + bytes, sample.name + " twice");  // two messages are not one
  }
}

TEST(malformed, truncated_at_every_length) {
  for (const auto& sample : testing::v1::samples()) {
    const std::string bytes = sample.encode();
    for (std::size_t n = 0; n < bytes.size(); ++n)
      expect_rejected_by_all(std::string_view(bytes).substr(0, n), sample.name + " cut at " + std::to_string(n));
  }
}

TEST(malformed, oversize) {
  expect_rejected_by_all(std::string(max_message_bytes + 8, '\0'), "max_message_bytes + 8 zeros");
  // A well-formed delivery larger than the limit (the encoder writes it; the reader refuses it)...
  delivery d;
  d.payloads = {payload{"json", std::string(max_message_bytes, 'x')}};
  const std::string too_big = encode(d);
  EXPECT_GT(too_big.size(), max_message_bytes);
  EXPECT_FALSE(decode_delivery(too_big));
  // ...and one just below it is read (the reader's limits leave room for a message of the maximum size).
  d.payloads = {payload{"json", std::string(max_message_bytes / 2 - 1024, 'x')},
                payload{"messagepack", std::string(max_message_bytes / 2 - 1024, '\0')}};
  const std::string largest = encode(d);
  EXPECT_LE(largest.size(), max_message_bytes);
  const auto decoded = decode_delivery(largest);
  ASSERT_TRUE(decoded);
  EXPECT_EQ(*decoded, d);
}

TEST(malformed, random_bytes) {
  std::mt19937_64 rng(20261202);
  for (int i = 0; i < 3000; ++i) {
    std::string bytes(8 * (1 + rng() % 64) + (i % 5 == 0 ? rng() % 8 : 0), '\0');
    for (auto& c : bytes) c = static_cast<char>(rng());
    expect_rejected_by_all(bytes, "random bytes #" + std::to_string(i));
  }
}

// Anything that does decode must be a fixed point of encode(decode()): a decoder never invents inconsistent
// values from garbage.
void expect_consistent(std::string_view bytes, std::size_t& accepted) {
  for (const auto& d : all_decoders()) {
    if (auto once = d.reencode(bytes)) {
      ++accepted;
      const auto twice = d.reencode(*once);
      ASSERT_TRUE(twice) << d.message;
      EXPECT_EQ(*twice, *once) << d.message;
    }
  }
}

// Random segments behind a valid segment table get past the framing checks into Cap'n Proto's pointer
// validation and this codec's checks.
TEST(malformed, random_segment_behind_a_valid_segment_table) {
  std::mt19937_64 rng(7);
  std::size_t accepted = 0;
  for (int i = 0; i < 3000; ++i) {
    const std::size_t words = 1 + rng() % 32;
    std::string bytes(8 * (words + 1), '\0');
    for (std::size_t b = 8; b < bytes.size(); ++b) bytes[b] = static_cast<char>(rng());
    set_word(bytes, 0, std::uint64_t(words) << 32);  // one segment of `words` words
    expect_consistent(bytes, accepted);
  }
  std::cout << "[          ] " << accepted << " of 3000 random segments decoded as some message\n";
}

TEST(malformed, mutated_messages) {
  std::mt19937_64 rng(42);
  std::size_t accepted = 0, total = 0;
  for (const auto& sample : testing::v1::samples()) {
    const std::string original = sample.encode();
    for (int i = 0; i < 300; ++i, ++total) {
      std::string bytes = original;
      const int edits = 1 + int(rng() % 4);
      for (int e = 0; e < edits; ++e) {
        const std::size_t at = 8 + rng() % (bytes.size() - 8);  // keep the segment table
        if (rng() % 2)
          bytes[at] = static_cast<char>(rng());
        else
          bytes[at] = static_cast<char>(bytes[at] ^ (1 << (rng() % 8)));
      }
      expect_consistent(bytes, accepted);
    }
  }
  std::cout << "[          ] " << accepted << " of " << total << " mutated messages still decoded\n";
}

TEST(malformed, no_message_in_an_all_zero_segment) {
  std::string bytes(16, '\0');
  set_word(bytes, 0, std::uint64_t(1) << 32);  // one segment of one word: a null root pointer
  expect_rejected_by_all(bytes, "null root");
  expect_rejected_by_all(build<s::ClusterMessage>([](auto) {}), "unset member");
}

TEST(malformed, huge_declared_list_lengths) {
  {  // List(Text) of 3 claims 2^29 - 1 elements
    std::string bytes = encode(directory_snapshot{{"a", "b", "c"}, {}});
    set_list_count(bytes, find_list_pointer(bytes, 6, 3), 0x1FFFFFFF);
    EXPECT_FALSE(decode_directory_snapshot(bytes));
  }
  {  // Data of 5 bytes claims 2^29 - 1 bytes
    std::string bytes = encode(proof{"12345"});
    set_list_count(bytes, find_list_pointer(bytes, 2, 5), 0x1FFFFFFF);
    EXPECT_FALSE(decode_proof(bytes));
  }
  {  // List(NodeInfo): the tag claims 2^30 - 1 elements of 5 words in a list of 10 words
    std::string bytes = encode(member_list{{testing::v1::node_a(), testing::v1::node_b()}});
    const std::size_t tag = find_word(bytes, [](std::uint64_t w) {
      return (w & 3) == 0 && (w >> 32) == (1u | (4u << 16)) && ((w >> 2) & 0x3FFFFFFF) == 2;
    });
    set_word(bytes, tag, (word_at(bytes, tag) & ~0xFFFFFFFFull) | (0x3FFFFFFFull << 2));
    EXPECT_FALSE(decode_member_list(bytes));
    // ... and the list pointer claims more words than the segment has.
    bytes = encode(member_list{{testing::v1::node_a(), testing::v1::node_b()}});
    set_list_count(bytes, find_list_pointer(bytes, 7, 10), 0x1FFFFFFF);
    EXPECT_FALSE(decode_member_list(bytes));
  }
}

// A list of zero-sized structs costs no bytes per element: 2^28 elements fit in a 48-byte message.
TEST(malformed, list_of_empty_structs_is_rejected_at_once) {
  for (unsigned count : {1u, 3u, 1u << 20, 1u << 28}) {
    const std::string bytes = build<shapes::HostileMessage>(
        [&](shapes::HostileMessage::Builder m) { m.initMemberList().initMembers(count); });
    EXPECT_LE(bytes.size(), 64u);
    const auto start = std::chrono::steady_clock::now();
    EXPECT_FALSE(decode_member_list(bytes)) << count;
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(100)) << count;
  }
}

TEST(malformed, wrong_pointer_kinds) {
  // The hello (and proof) member points to bytes where a struct belongs.
  auto bytes_member = [](auto set) {
    return build<shapes::FutureMessage>([&](shapes::FutureMessage::Builder m) {
      set(m, capnp::Data::Reader(reinterpret_cast<const kj::byte*>("xyz"), 3));
    });
  };
  expect_rejected_by_all(bytes_member([](auto m, auto d) { m.setHello(d); }), "hello as Data");
  expect_rejected_by_all(bytes_member([](auto m, auto d) { m.setProof(d); }), "proof as Data");
}

TEST(malformed, text_that_is_not_utf8) {
  const std::vector<std::string> invalid = {
      "\xFF"s,             "\x80"s,              "\xC0\xAF"s /* overlong '/' */, "\xE0\x80\xAF"s /* overlong */,
      "\xED\xA0\x80"s /* surrogate */, "\xF4\x90\x80\x80"s /* > U+10FFFF */, "\xE2\x82"s /* cut short */,
      "ok\xF0\x9F\x98"s, "\xF8\x88\x80\x80\x80"s};
  auto text = [](const std::string& v) { return capnp::Text::Reader(v.data(), v.size()); };
  for (const auto& bad : invalid) {
    SCOPED_TRACE(::testing::PrintToString(bad));
    EXPECT_FALSE(decode_leaving(build<s::ClusterMessage>(
        [&](s::ClusterMessage::Builder m) { m.initLeaving().setName(text(bad)); })));
    EXPECT_FALSE(decode_hello(build<s::ClusterMessage>(
        [&](s::ClusterMessage::Builder m) { m.initHello().initNode().setHttpAddress(text(bad)); })));
    EXPECT_FALSE(decode_member_list(build<s::ClusterMessage>([&](s::ClusterMessage::Builder m) {
      auto list = m.initMemberList().initMembers(3);
      list[0].setName(text("fine"));
      list[2].setTag(text(bad));
    })));
    EXPECT_FALSE(decode_delivery(build<s::ClusterMessage>([&](s::ClusterMessage::Builder m) {
      auto names = m.initDelivery().initNames(2);
      names.set(0, text("fine"));
      names.set(1, text(bad));
    })));
    EXPECT_FALSE(decode_delivery(build<s::ClusterMessage>([&](s::ClusterMessage::Builder m) {
      m.initDelivery().initPayloads(1)[0].setProtocol(text(bad));
    })));
    EXPECT_FALSE(decode_client_result(build<s::ClusterMessage>(
        [&](s::ClusterMessage::Builder m) { m.initClientResult().setError(text(bad)); })));
    EXPECT_FALSE(decode_session_handoff(build<s::ClusterMessage>(
        [&](s::ClusterMessage::Builder m) { m.initSessionHandoff().initGroups(1).set(0, text(bad)); })));
    EXPECT_FALSE(decode_presence_answer(build<s::ClusterMessage>(
        [&](s::ClusterMessage::Builder m) { m.initPresenceAnswer().initNames(1).set(0, text(bad)); })));
  }
}

// Unknown enum values come from a newer peer (or a corrupt one). See also evolution_test.
TEST(malformed, unknown_enum_values) {
  for (std::uint16_t raw : {4, 5, 0x7FFF, 0xFFFF}) {
    EXPECT_FALSE(decode_delivery(build<s::ClusterMessage>([&](s::ClusterMessage::Builder m) {
      m.initDelivery().setKind(static_cast<s::TargetKind>(raw));
    }))) << raw;
    EXPECT_FALSE(decode_presence_query(build<s::ClusterMessage>([&](s::ClusterMessage::Builder m) {
      m.initPresenceQuery().setKind(static_cast<s::PresenceKind>(raw));
    }))) << raw;
  }
  for (std::uint16_t raw : {2, 3, 0xFFFF}) {
    EXPECT_FALSE(decode_directory_change(build<s::ClusterMessage>([&](s::ClusterMessage::Builder m) {
      m.initDirectoryChange().setKind(static_cast<s::DirectoryKind>(raw));
    }))) << raw;
  }
  // A client result of unknown status reads as an error, keeping the peer's error text (or naming the status).
  for (std::uint16_t raw : {5, 0xFFFF}) {
    const auto r = decode_client_result(build<s::ClusterMessage>([&](s::ClusterMessage::Builder m) {
      auto b = m.initClientResult();
      b.setStatus(static_cast<s::ResultStatus>(raw));
      b.setResult(capnp::Data::Reader(reinterpret_cast<const kj::byte*>("\x01"), 1));
    }));
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, result_status::error);
    EXPECT_EQ(r->result, "");
    EXPECT_EQ(r->error, "client result with unknown status " + std::to_string(raw));
  }
  const auto kept = decode_client_result(build<s::ClusterMessage>([](s::ClusterMessage::Builder m) {
    auto b = m.initClientResult();
    b.setStatus(static_cast<s::ResultStatus>(9));
    b.setError("cancelled by the caller");
  }));
  ASSERT_TRUE(kept);
  EXPECT_EQ(kept->status, result_status::error);
  EXPECT_EQ(kept->error, "cancelled by the caller");
  // What encode() writes for a C++ enum holding an undeclared value is rejected the same way.
  delivery d;
  d.kind = static_cast<target_kind>(9);
  EXPECT_FALSE(decode_delivery(encode(d)));
}

// A directory snapshot whose groups list has `count` pointers that all reach one 64 KiB text.
std::string overlapping_texts(std::size_t count) {
  const std::string big(65536, 'x');
  std::string bytes = encode(directory_snapshot{{big, "b"}, {}});
  // Rewrite the List(Text) of 2 as a list of 1000 pointers that all reach the big text: the list's own words
  // follow, so append them and make every element a copy of the first pointer, adjusted for its position.
  const std::size_t list = find_list_pointer(bytes, 6, 2);
  const std::uint64_t list_ptr = word_at(bytes, list);
  const std::size_t first = list + 1 + std::size_t(std::int32_t(list_ptr & 0xFFFFFFFF) >> 2);  // first element
  const std::uint64_t element = word_at(bytes, first);
  const std::size_t text = first + 1 + std::size_t(std::int32_t(element & 0xFFFFFFFF) >> 2);
  // New list at the end of the segment.
  const std::size_t segment_words = bytes.size() / 8 - 1;
  bytes.resize(bytes.size() + 8 * count, '\0');
  set_word(bytes, 0, std::uint64_t(segment_words + count) << 32);
  const std::size_t new_first = segment_words + 1;
  for (std::size_t i = 0; i < count; ++i) {
    const std::size_t at = new_first + i;
    const auto offset = std::int64_t(text) - std::int64_t(at) - 1;
    set_word(bytes, at, (element & ~0xFFFFFFFFull) | ((std::uint32_t(offset) << 2) | 1u));
  }
  const auto list_offset = std::int64_t(new_first) - std::int64_t(list) - 1;
  set_word(bytes, list, (std::uint64_t(count) << 35) | (6ull << 32) | ((std::uint32_t(list_offset) << 2) | 1u));
  return bytes;
}

// A message's pointers may overlap (Cap'n Proto does not forbid it): 1000 list elements that all point at one
// 64 KiB text would decode into 64 MB. The traversal limit (twice the message's words) stops that.
TEST(malformed, overlapping_pointers_cannot_amplify) {
  EXPECT_FALSE(decode_directory_snapshot(overlapping_texts(1000)));
  EXPECT_FALSE(decode_directory_snapshot(overlapping_texts(3)));
  // Reading the text twice is still within twice the message.
  const auto twice = decode_directory_snapshot(overlapping_texts(2));
  ASSERT_TRUE(twice);
  EXPECT_EQ(twice->groups, (std::vector<std::string>{std::string(65536, 'x'), std::string(65536, 'x')}));
}

}  // namespace
}  // namespace actorhub::wire
