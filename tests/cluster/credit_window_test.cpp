// The bounded channel between cluster routers and between gateways (actors/cluster/credit_window.hpp): what the
// window lets go, in order; credits release what waits; a receiver that falls behind by more than the window and
// its queue makes offer() fail; repeats are ignored and credits come every 32 messages or 256 KiB.
#define CAF_SUITE cluster_credit_window
#include "caf/test/dsl.hpp"

#include <string>
#include <vector>

#include "actors/cluster/credit_window.hpp"

using namespace actorhub::cluster;

namespace {

struct sent {
  std::vector<std::uint64_t> seqs;
  std::vector<bool> tags;
  auto operator()() {
    return [this](std::uint64_t seq, const std::string&, bool tag) {
      seqs.push_back(seq);
      tags.push_back(tag);
    };
  }
};

credit_window::bytes_ptr of(std::size_t n) { return std::make_shared<const std::string>(n, 'x'); }

}  // namespace

CAF_TEST(messages within the window go at once and the rest wait for credit in order) {
  credit_window w(100);
  sent out;
  CAF_CHECK(w.offer(of(40), false, out()));
  CAF_CHECK(w.offer(of(40), true, out()));
  CAF_CHECK(w.offer(of(40), false, out()));  // 120 > 100: waits
  CAF_CHECK(w.offer(of(10), false, out()));  // would fit, but waits behind the one before (order)
  CAF_CHECK_EQUAL(out.seqs, (std::vector<std::uint64_t>{1, 2}));
  CAF_CHECK_EQUAL(out.tags, (std::vector<bool>{false, true}));
  CAF_CHECK_EQUAL(w.in_flight(), 80u);
  CAF_CHECK_EQUAL(w.waiting_bytes(), 50u);
  w.credit(1, out());  // 40 in flight: 3 (40) and 4 (10) fit
  CAF_CHECK_EQUAL(out.seqs, (std::vector<std::uint64_t>{1, 2, 3, 4}));
  CAF_CHECK_EQUAL(w.in_flight(), 90u);
  CAF_CHECK_EQUAL(w.waiting_bytes(), 0u);
  w.credit(4, out());
  CAF_CHECK_EQUAL(w.in_flight(), 0u);
}

CAF_TEST(a receiver that falls behind by the window and as much again makes offer fail) {
  credit_window w(100);
  sent out;
  CAF_CHECK(w.offer(of(100), false, out()));  // in flight
  CAF_CHECK(w.offer(of(60), false, out()));   // waiting 60
  CAF_CHECK(w.offer(of(40), false, out()));   // waiting 100
  CAF_CHECK(!w.offer(of(1), false, out()));   // the queue is full too
  CAF_CHECK_EQUAL(w.waiting_bytes(), 100u);
  w.drop_waiting();
  CAF_CHECK_EQUAL(w.waiting_bytes(), 0u);
  CAF_CHECK_EQUAL(out.seqs.size(), 1u);
}

CAF_TEST(the receiver ignores repeats and credits every 32 messages or 256 KiB) {
  credit_receiver r;
  for (std::uint64_t i = 1; i < 32; ++i) {
    auto t = r.take(i, 10);
    CAF_CHECK(t.fresh);
    CAF_CHECK(!t.credit);
  }
  auto t = r.take(32, 10);
  CAF_CHECK(t.fresh);
  CAF_REQUIRE(t.credit);
  CAF_CHECK_EQUAL(*t.credit, 32u);
  CAF_CHECK(!r.take(32, 10).fresh);  // a repeat
  CAF_CHECK(!r.take(5, 10).fresh);
  auto big = r.take(33, credit_receiver::credit_bytes);
  CAF_REQUIRE(big.credit);
  CAF_CHECK_EQUAL(*big.credit, 33u);
}
