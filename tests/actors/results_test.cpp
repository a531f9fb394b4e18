// Client results: a hub method (or a hub_context) invokes a client method and gets its Completion.
#define CAF_SUITE results
#include "fixture.hpp"

#include <actorhub/hub_context.hpp>

using namespace actorhub;
using namespace actorhub::test;

namespace {

std::string describe(const client_result& r) {
  switch (r.code) {
    case client_result::status::ok: return "ok:" + (r.result.if_string() ? *r.result.if_string() : std::string("?"));
    case client_result::status::error: return "error:" + r.error;
    case client_result::status::timeout: return "timeout";
    case client_result::status::no_connection: return "no_connection";
    case client_result::status::disconnected: return "disconnected";
  }
  return "";
}

struct results_fixture : hub_fixture {
  std::vector<std::string> outcomes;

  ~results_fixture() override { teardown(); }

  results_fixture() {
    hub_options o;
    o.client_result_timeout = std::chrono::milliseconds(1000);
    hub h("test", o);
    // Ask(id): invokes "Question" on connection `id` and returns what it answered.
    h.on("Ask", [this](hub_call& c, std::string id) {
      auto d = c.defer();
      c.clients().client(id).invoke("Question", make_args(std::string("why?")), [this, d](client_result r) {
        outcomes.push_back(describe(r));
        if (r.ok())
          d.resolve_value(r.result);
        else
          d.fail(hub_exception(r.error));
      });
      return d;
    });
    h.on("AskCaller", [this](hub_call& c) {
      auto d = c.defer();
      c.clients().caller().invoke("Question", {}, [this, d](client_result r) {
        outcomes.push_back(describe(r));
        d.resolve(describe(r));
      });
      return d;
    });
    start(std::move(h));
  }

  // The id of the latest client-result Invocation `c` received.
  std::string question_id(client& c) {
    auto qs = c->result_requests();
    CAF_REQUIRE(!qs.empty());
    CAF_CHECK_EQUAL(qs.back().target, "Question");
    return *qs.back().invocation_id;
  }
};

}  // namespace

CAF_TEST_FIXTURE_SCOPE(result_tests, results_fixture)

CAF_TEST(the client answer completes the asking method) {
  auto& a = connect("A");
  auto& b = connect("B");
  invoke(a, "1", "Ask", {"B"});
  CAF_CHECK(a->completion("1") == nullptr);
  auto q = b->result_requests();
  CAF_REQUIRE_EQUAL(q.size(), 1u);
  CAF_CHECK_EQUAL(q[0].arguments, (array{"why?"}));
  feed(b, {completion_message{{}, *q[0].invocation_id, std::nullopt, value("because")}});
  auto done = a->completion("1");
  CAF_REQUIRE(done != nullptr);
  CAF_CHECK_EQUAL(done->result.value_or(value{}), value("because"));
  CAF_CHECK_EQUAL(outcomes.back(), "ok:because");
}

CAF_TEST(the client error is the result) {
  auto& a = connect("A");
  auto& b = connect("B");
  invoke(a, "1", "Ask", {"B"});
  feed(b, {completion_message{{}, question_id(b), std::string("Client didn't provide a result."), std::nullopt}});
  CAF_CHECK_EQUAL(outcomes.back(), "error:Client didn't provide a result.");
  CAF_REQUIRE(a->completion("1") != nullptr);
  CAF_CHECK_EQUAL(a->completion("1")->error.value_or(""),
                  "An unexpected error occurred invoking 'Ask' on the server. HubException: Client didn't provide a result.");
}

CAF_TEST(no answer times out) {
  auto& a = connect("A");
  auto& b = connect("B");
  invoke(a, "1", "Ask", {"B"});
  auto id = question_id(b);
  wait(std::chrono::milliseconds(999));
  CAF_CHECK(outcomes.empty());
  wait(std::chrono::milliseconds(1));
  CAF_CHECK_EQUAL(outcomes.back(), "timeout");
  // A late answer is ignored.
  feed(b, {completion_message{{}, id, std::nullopt, value("late")}});
  CAF_CHECK_EQUAL(outcomes.size(), 1u);
}

CAF_TEST(a disconnect fails the pending result) {
  auto& a = connect("A");
  auto& b = connect("B");
  invoke(a, "1", "Ask", {"B"});
  close(b);
  CAF_CHECK_EQUAL(outcomes.back(), "disconnected");
  invoke(a, "2", "Ask", {"B"});
  CAF_CHECK_EQUAL(outcomes.back(), "no_connection");
  invoke(a, "3", "Ask", {"nobody"});
  CAF_CHECK_EQUAL(outcomes.back(), "no_connection");
}

CAF_TEST(the caller can be asked from its own method) {
  auto& a = connect("A");
  invoke(a, "1", "AskCaller");
  // The answer is not queued behind the waiting invocation.
  feed(a, {completion_message{{}, question_id(a), std::nullopt, value("me")}});
  CAF_REQUIRE(a->completion("1") != nullptr);
  CAF_CHECK_EQUAL(a->completion("1")->result.value_or(value{}), value("ok:me"));
}

CAF_TEST(hub context client results) {
  auto& b = connect("B");
  auto ctx = host->context();
  std::vector<std::string> got;
  ctx.clients().client("B").invoke("Question", {}, [&](client_result r) { got.push_back(describe(r)); });
  ctx.clients().client("nobody").invoke("Question", {}, [&](client_result r) { got.push_back(describe(r)); });
  sched.run();
  CAF_REQUIRE_EQUAL(got.size(), 1u);
  CAF_CHECK_EQUAL(got[0], "no_connection");
  feed(b, {completion_message{{}, question_id(b), std::nullopt, value("ctx")}});
  CAF_REQUIRE_EQUAL(got.size(), 2u);
  CAF_CHECK_EQUAL(got[1], "ok:ctx");
}

CAF_TEST_FIXTURE_SCOPE_END()
