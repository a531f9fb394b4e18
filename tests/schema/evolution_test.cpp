// Schema evolution. Nodes of two versions run side by side during a rolling upgrade, so:
//   - backward: the current code reads the bytes every earlier version wrote (tests/schema/v1/*.bin, written
//     once by the first version and never rewritten) back to the values that version encoded;
//   - forward: the current code reads what a later version may write (future.capnp: fields, enumerants and a
//     message appended as schema/cluster.capnp allows): new fields are ignored, an unknown message or enum
//     value is rejected (or mapped, for client_result's status) as cluster_wire.cpp documents.
//
// How a later change adds a field (schema version 2), step by step:
//   1. schema/cluster.capnp: append the field with the next free ordinal of its struct. Its Cap'n Proto default
//      is what every v1 message reads as, so it must mean "what v1 did" and equal the C++ default of step 2.
//   2. schema/cluster_wire.hpp: add the member with that default; cluster_wire.cpp: write and read it.
//   3. tests/schema/wire_testing.hpp: add the member to fields(). Add `namespace v2 { samples() }`: v1's samples
//      (call v1::samples(), do not copy and edit them) plus samples that set the new field. Never edit v1.
//   4. write_fixtures.cpp: use v2::samples(); build schema_write_fixtures and run
//      `build/bin/schema_write_fixtures tests/schema/v2`; commit tests/schema/v2/*.bin.
//   5. Here: append {"v2", &testing::v2::samples} to versions(). v1 bytes are still read (the new field reads as
//      its default: v1_values.field == default); v2 becomes the newest set, pinned byte for byte.
//   6. future.capnp: if the change is one these tests simulate (e.g. the field appended to FutureDelivery), keep
//      the simulation a step ahead of the real schema, or drop the simulated field.
// A new message type is a new member at the end of ClusterMessage's union, with its own samples the same way;
// a new enumerant goes at the end of its enum, and older readers reject it (see cluster_wire.cpp).
#include <capnp/message.h>
#include <capnp/serialize.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>

#include "future.capnp.h"
#include "wire_testing.hpp"

namespace actorhub::wire {
namespace {

namespace shapes = testing::capnp_shapes;

struct version {
  const char* dir;  // under tests/schema/
  std::vector<testing::sample> (*samples)();
};

// Every schema version whose bytes are pinned, oldest first.
const std::vector<version>& versions() {
  static const std::vector<version> all = {{"v1", &testing::v1::samples}};
  return all;
}

std::filesystem::path fixtures(const char* dir) { return std::filesystem::path(ACTORHUB_SCHEMA_FIXTURES) / dir; }

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

TEST(evolution, every_pinned_version_is_read_back_to_its_values) {
  for (const auto& v : versions()) {
    std::set<std::string> files;
    for (const auto& entry : std::filesystem::directory_iterator(fixtures(v.dir)))
      if (entry.path().extension() == ".bin") files.insert(entry.path().stem().string());
    std::set<std::string> names;
    for (const auto& sample : v.samples()) {
      names.insert(sample.name);
      SCOPED_TRACE(std::string(v.dir) + "/" + sample.name + ".bin");
      ASSERT_TRUE(std::filesystem::exists(fixtures(v.dir) / (sample.name + ".bin")));
      const std::string bytes = read_file(fixtures(v.dir) / (sample.name + ".bin"));
      EXPECT_TRUE(sample.decodes_to_it(bytes));
    }
    EXPECT_EQ(files, names) << v.dir << ": every fixture has a sample and every sample a fixture";
  }
}

// Only for the newest set: the encoder still writes exactly those bytes (older sets differ once fields are added).
TEST(evolution, the_newest_version_is_what_the_encoder_writes) {
  const auto& newest = versions().back();
  for (const auto& sample : newest.samples()) {
    SCOPED_TRACE(std::string(newest.dir) + "/" + sample.name + ".bin");
    EXPECT_EQ(sample.encode(), read_file(fixtures(newest.dir) / (sample.name + ".bin")));
  }
}

template <class Fill>
std::string future_message(Fill&& fill) {
  capnp::MallocMessageBuilder builder;
  fill(builder.initRoot<shapes::FutureMessage>());
  const auto flat = capnp::messageToFlatArray(builder);
  return std::string(reinterpret_cast<const char*>(flat.asBytes().begin()), flat.asBytes().size());
}

capnp::Data::Reader data(const std::string& s) {
  return capnp::Data::Reader(reinterpret_cast<const kj::byte*>(s.data()), s.size());
}

TEST(evolution, fields_of_a_later_version_are_ignored) {
  const std::string bytes = future_message([](shapes::FutureMessage::Builder m) {
    auto d = m.initDelivery();
    d.setKind(shapes::FutureTargetKind::USERS);
    auto names = d.initNames(2);
    names.set(0, "u1");
    names.set(1, "ü2");
    d.initExcluded(1).set(0, "a1.c");
    auto payloads = d.initPayloads(2);
    payloads[0].setProtocol("json");
    payloads[0].setBytes(data("{}\x1e"));
    payloads[0].setCompressed(true);
    payloads[1].setProtocol("messagepack");
    payloads[1].setBytes(data(std::string("\x02\x90\0", 3)));
    d.setSentAtNs(99);
    d.setSequence(5);
    d.setTraceId(data("trace"));
    d.setPriority(3);
  });
  const auto decoded = decode_delivery(bytes);
  ASSERT_TRUE(decoded);
  delivery expected;
  expected.kind = target_kind::users;
  expected.names = {"u1", "ü2"};
  expected.excluded = {"a1.c"};
  expected.payloads = {payload{"json", "{}\x1e"}, payload{"messagepack", std::string("\x02\x90\0", 3)}};
  expected.sent_at_ns = 99;
  expected.sequence = 5;
  EXPECT_EQ(*decoded, expected);

  // Larger list elements than this version's NodeInfo: the list's stride comes from the message.
  const auto members = decode_member_list(future_message([](shapes::FutureMessage::Builder m) {
    auto list = m.initMemberList();
    list.setEpoch(17);
    auto nodes = list.initMembers(2);
    for (unsigned i = 0; i < 2; ++i) {
      nodes[i].setName(i == 0 ? "n0" : "n1");
      nodes[i].setIncarnation(100 + i);
      nodes[i].setTag("t");
      nodes[i].setNodeAddress("h:1");
      nodes[i].setHttpAddress("h:2");
      nodes[i].setZone("eu-1");
      nodes[i].setWeight(7);
    }
  }));
  ASSERT_TRUE(members);
  EXPECT_EQ(members->members,
            (std::vector<node_info>{{"n0", 100, "t", "h:1", "h:2"}, {"n1", 101, "t", "h:1", "h:2"}}));
}

TEST(evolution, a_message_of_a_later_version_is_rejected) {
  const std::string bytes =
      future_message([](shapes::FutureMessage::Builder m) { m.setShardMove("shard 7 moves to node-b"); });
  for (const auto& d : testing::all_decoders()) EXPECT_FALSE(d.accepts(bytes)) << d.message;
}

TEST(evolution, enumerants_of_a_later_version) {
  EXPECT_FALSE(decode_delivery(future_message([](shapes::FutureMessage::Builder m) {
    m.initDelivery().setKind(shapes::FutureTargetKind::SHARD);
  })));
  EXPECT_FALSE(decode_directory_change(future_message([](shapes::FutureMessage::Builder m) {
    m.initDirectoryChange().setKind(shapes::FutureDirectoryKind::TENANT);
  })));
  EXPECT_FALSE(decode_presence_query(future_message([](shapes::FutureMessage::Builder m) {
    m.initPresenceQuery().setKind(shapes::FuturePresenceKind::SHARD_LOAD);
  })));
  // A result status this version does not know: the call failed (see decode_client_result).
  const auto result = decode_client_result(future_message([](shapes::FutureMessage::Builder m) {
    auto r = m.initClientResult();
    r.setStatus(shapes::FutureResultStatus::CANCELLED);
    r.setError("cancelled");
  }));
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, result_status::error);
  EXPECT_EQ(result->error, "cancelled");
  // The enumerants both versions know still read as themselves.
  const auto known = decode_presence_query(future_message([](shapes::FutureMessage::Builder m) {
    auto q = m.initPresenceQuery();
    q.setKind(shapes::FuturePresenceKind::USER_ONLINE);
    q.setName("u");
  }));
  ASSERT_TRUE(known);
  EXPECT_EQ(known->kind, presence_kind::user_online);
  EXPECT_EQ(known->name, "u");
}

}  // namespace
}  // namespace actorhub::wire
