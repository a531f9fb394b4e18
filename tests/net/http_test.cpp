// Server core and negotiate: listener errors, /healthz, custom routes, static files, bad requests,
// negotiate v0/v1 shapes, transports per hub, auth, cookies via the decorator, pending-connection limits.
#include <filesystem>
#include <fstream>

#include "net/access_token.hpp"
#include "test_support.hpp"

namespace actorhub::test {
namespace {

namespace json = boost::json;

TEST(Server, ListenReportsAddressInUse) {
  auto hub = std::make_shared<echo_hub>();
  running_server first(test_options());
  auto o = test_options();
  o.port = first.port();
  server second(o);
  auto ec = second.listen();
  EXPECT_TRUE(ec);
  EXPECT_EQ(ec, std::errc::address_in_use);
}

TEST(Server, ListenReportsBadAddress) {
  auto o = test_options();
  o.address = "not-an-address";
  server s(o);
  EXPECT_TRUE(s.listen());
}

TEST(Server, HealthzDefaultAndCustom) {
  running_server plain(test_options());
  auto r = http(plain.port(), "GET", "/healthz");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, R"({"status":"ok"})");
  EXPECT_NE(r.header("content-type").value_or("").find("application/json"), std::string::npos);

  running_server custom(test_options(), [](server& s) { s.set_health([] { return std::string(R"({"status":"ok","members":1})"); }); });
  EXPECT_EQ(http(custom.port(), "GET", "/healthz").body, R"({"status":"ok","members":1})");
}

TEST(Server, UnknownPathIs404AndKeepAliveContinues) {
  running_server s(test_options());
  EXPECT_EQ(http(s.port(), "GET", "/nope").status, 404);
  // Two pipelined requests on one connection: both answered.
  auto raw = raw_exchange(s.port(),
                          "GET /nope HTTP/1.1\r\nHost: x\r\n\r\nGET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  EXPECT_NE(raw.find("404"), std::string::npos);
  EXPECT_NE(raw.find("200 OK"), std::string::npos);
}

TEST(Server, MalformedRequestGets400) {
  running_server s(test_options());
  auto raw = raw_exchange(s.port(), "THIS IS NOT HTTP\r\n\r\n");
  EXPECT_NE(raw.find("400"), std::string::npos) << raw;
  // The server keeps serving others.
  EXPECT_EQ(http(s.port(), "GET", "/healthz").status, 200);
}

TEST(Server, OversizedHeadersAndBodiesAreRefused) {
  auto o = test_options();
  o.max_header_bytes = 1024;
  o.max_request_body = 1000;
  running_server s(o, [](server& srv) {
    srv.add_route("/echo-body", [](const http_request& req, http_responder respond) {
      http_response r;
      r.body = req.body;
      respond(std::move(r));
    });
  });
  EXPECT_EQ(http(s.port(), "GET", "/healthz", {}, {{"X-Big", std::string(4000, 'a')}}).status, 431);
  EXPECT_EQ(http(s.port(), "POST", "/echo-body", std::string(5000, 'b')).status, 413);
  EXPECT_EQ(http(s.port(), "POST", "/echo-body", std::string(500, 'b')).body, std::string(500, 'b'));
}

TEST(Server, CustomRouteAnsweredFromAnotherThread) {
  std::vector<std::thread> workers;
  std::mutex mu;
  running_server s(test_options(), [&](server& srv) {
    srv.add_route("/clientresult/", [&](const http_request& req, http_responder respond) {
      std::lock_guard<std::mutex> lk(mu);
      workers.emplace_back([req, respond] {
        std::this_thread::sleep_for(20ms);  // the answer comes later, from elsewhere
        http_response r;
        r.body = req.path + "|" + req.query_value("x").value_or("") + "|" + req.header("X-Test").value_or("");
        r.headers.emplace_back("Set-Cookie", "a=1");
        r.headers.emplace_back("Set-Cookie", "b=2");
        respond(std::move(r));
        respond(http_response{});  // a second answer is ignored
      });
    });
    srv.add_route("/dropped", [](const http_request&, http_responder) {});  // never answers
  });
  auto r = http(s.port(), "GET", "/clientresult/abc%20d?x=1%2B2", {}, {{"X-Test", "yes"}});
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "/clientresult/abc d|1+2|yes");
  EXPECT_EQ(r.all("set-cookie").size(), 2u);
  EXPECT_EQ(http(s.port(), "GET", "/dropped").status, 500);
  std::lock_guard<std::mutex> lk(mu);
  for (auto& t : workers) t.join();
}

TEST(Server, StaticFilesAreServedSafely) {
  namespace fs = std::filesystem;
  auto dir = fs::temp_directory_path() / ("actorhub-static-" + std::to_string(::getpid()));
  fs::create_directories(dir / "sub");
  std::ofstream(dir / "index.html") << "<h1>hi</h1>";
  std::ofstream(dir / "sub" / "app.js") << "let x = 1;";
  std::ofstream(dir / "style.css") << "body{}";
  std::ofstream(dir.parent_path() / "secret.txt") << "secret";
  running_server s(test_options(), [&](server& srv) { srv.serve_static("/", dir); });
  auto index = http(s.port(), "GET", "/");
  EXPECT_EQ(index.status, 200);
  EXPECT_EQ(index.body, "<h1>hi</h1>");
  EXPECT_NE(index.header("content-type").value_or("").find("text/html"), std::string::npos);
  auto js = http(s.port(), "GET", "/sub/app.js");
  EXPECT_EQ(js.body, "let x = 1;");
  EXPECT_NE(js.header("content-type").value_or("").find("javascript"), std::string::npos);
  EXPECT_NE(http(s.port(), "GET", "/style.css").header("content-type").value_or("").find("text/css"), std::string::npos);
  EXPECT_EQ(http(s.port(), "GET", "/../secret.txt").status, 404);
  EXPECT_EQ(http(s.port(), "GET", "/sub/%2e%2e/%2e%2e/secret.txt").status, 404);
  EXPECT_EQ(http(s.port(), "GET", "/missing.png").status, 404);
  auto head = http(s.port(), "HEAD", "/style.css");
  EXPECT_EQ(head.status, 200);
  EXPECT_EQ(head.header("content-length").value_or(""), "6");
  fs::remove_all(dir);
  fs::remove(dir.parent_path() / "secret.txt");
}

// ---------------------------------------------------------------- negotiate

class Negotiate : public ::testing::Test {
 protected:
  std::shared_ptr<echo_hub> hub = std::make_shared<echo_hub>();
  std::shared_ptr<echo_hub> secured = [] {
    auto h = std::make_shared<echo_hub>();
    h->require_auth = true;
    return h;
  }();
  running_server s{test_options(), [this](server& srv) {
                     srv.add_hub("/hub", hub);
                     srv.add_hub("/nows", hub, transport_server_sent_events | transport_long_polling);
                     srv.add_hub("/secured", secured);
                     srv.set_negotiate_decorator([](const http_request&, http_response& r) {
                       r.headers.emplace_back("Set-Cookie", "testCookie=testValue; Path=/");
                     });
                   }};
};

TEST_F(Negotiate, Version1Shape) {
  auto r = http(s.port(), "POST", "/hub/negotiate?negotiateVersion=1");
  ASSERT_EQ(r.status, 200);
  EXPECT_NE(r.header("content-type").value_or("").find("application/json"), std::string::npos);
  auto j = json::parse(r.body).as_object();
  EXPECT_EQ(j.at("negotiateVersion").as_int64(), 1);
  std::string id(j.at("connectionId").as_string()), token(j.at("connectionToken").as_string());
  EXPECT_NE(id, token);
  EXPECT_GE(token.size(), 22u);  // 128 bits, base64url
  auto& transports = j.at("availableTransports").as_array();
  ASSERT_EQ(transports.size(), 3u);
  EXPECT_EQ(transports[0].at("transport").as_string(), "WebSockets");
  EXPECT_EQ(transports[0].at("transferFormats").as_array().size(), 2u);
  EXPECT_EQ(transports[1].at("transport").as_string(), "ServerSentEvents");
  EXPECT_EQ(transports[1].at("transferFormats").as_array().size(), 1u);
  EXPECT_EQ(transports[2].at("transport").as_string(), "LongPolling");
  EXPECT_FALSE(j.contains("useStatefulReconnect"));
  EXPECT_EQ(r.all("set-cookie").size(), 1u);
}

TEST_F(Negotiate, Version0HasNoToken) {
  for (std::string q : {"", "?negotiateVersion=0"}) {
    auto j = json::parse(http(s.port(), "POST", "/hub/negotiate" + q).body).as_object();
    EXPECT_EQ(j.at("negotiateVersion").as_int64(), 0);
    EXPECT_FALSE(j.contains("connectionToken"));
    EXPECT_TRUE(j.contains("connectionId"));
  }
  // A higher version than ours is answered with ours.
  EXPECT_EQ(negotiate_json(s.port(), "/hub", "negotiateVersion=7").at("negotiateVersion").as_int64(), 1);
}

TEST_F(Negotiate, FreshIdsAndCaseInsensitivePath) {
  auto a = negotiate_json(s.port(), "/hub");
  auto b = negotiate_json(s.port(), "/HUB");
  ASSERT_TRUE(a.contains("connectionId") && b.contains("connectionId"));
  EXPECT_NE(a.at("connectionId"), b.at("connectionId"));
  EXPECT_NE(a.at("connectionToken"), b.at("connectionToken"));
}

TEST_F(Negotiate, StatefulReconnectFlag) {
  auto j = negotiate_json(s.port(), "/hub", "negotiateVersion=1&useStatefulReconnect=true");
  EXPECT_EQ(j.at("useStatefulReconnect").as_bool(), true);
}

TEST_F(Negotiate, OnlyAllowedTransportsAreOffered) {
  auto j = negotiate_json(s.port(), "/nows");
  auto& t = j.at("availableTransports").as_array();
  ASSERT_EQ(t.size(), 2u);
  EXPECT_EQ(t[0].at("transport").as_string(), "ServerSentEvents");
  EXPECT_EQ(t[1].at("transport").as_string(), "LongPolling");
}

TEST_F(Negotiate, UnknownHubAndWrongMethod) {
  EXPECT_EQ(http(s.port(), "POST", "/nohub/negotiate?negotiateVersion=1").status, 404);
  EXPECT_EQ(http(s.port(), "GET", "/hub/negotiate").status, 405);
  EXPECT_EQ(http(s.port(), "POST", "/hub/negotiate?negotiateVersion=x").status, 400);
}

TEST_F(Negotiate, AccessTokens) {
  const std::string key = test_options().access_key;
  auto good = sign_access_token({{"nameid", value("alice")}, {"exp", value(std::time(nullptr) + 600)}}, key);
  auto expired = sign_access_token({{"nameid", value("alice")}, {"exp", value(std::time(nullptr) - 600)}}, key);
  auto wrong_key = sign_access_token({{"nameid", value("alice")}}, "other-key");
  auto post = [&](const std::string& path, const header_list& h = {}) {
    return http(s.port(), "POST", path, {}, h).status;
  };
  EXPECT_EQ(post("/hub/negotiate?negotiateVersion=1"), 200);
  EXPECT_EQ(post("/hub/negotiate?negotiateVersion=1", {{"Authorization", "Bearer " + good}}), 200);
  EXPECT_EQ(post("/hub/negotiate?negotiateVersion=1", {{"Authorization", "Bearer " + expired}}), 401);
  EXPECT_EQ(post("/hub/negotiate?negotiateVersion=1", {{"Authorization", "Bearer " + wrong_key}}), 401);
  EXPECT_EQ(post("/hub/negotiate?negotiateVersion=1&access_token=garbage"), 401);
  EXPECT_EQ(post("/secured/negotiate?negotiateVersion=1"), 401);
  EXPECT_EQ(post("/secured/negotiate?negotiateVersion=1&access_token=" + good), 200);
  // The WebSocket request is checked as well.
  int status = 0;
  EXPECT_EQ(ws_client::open(s.port(), "/secured", {}, &status), nullptr);
  EXPECT_EQ(status, 401);
  EXPECT_EQ(ws_client::open(s.port(), "/hub?access_token=" + expired, {}, &status), nullptr);
  EXPECT_EQ(status, 401);
}

TEST(NegotiateLimits, PendingConnectionsAreBoundedAndExpire) {
  auto o = test_options();
  o.max_pending_connections = 2;
  o.negotiate_timeout = 200ms;
  auto hub = std::make_shared<echo_hub>();
  running_server s(o, [&](server& srv) { srv.add_hub("/hub", hub); });
  auto first = negotiate_json(s.port(), "/hub");
  EXPECT_EQ(http(s.port(), "POST", "/hub/negotiate?negotiateVersion=1").status, 200);
  EXPECT_EQ(http(s.port(), "POST", "/hub/negotiate?negotiateVersion=1").status, 503);
  // After negotiate_timeout the unused ids are forgotten: room again, and the old id is unknown.
  std::this_thread::sleep_for(500ms);  // waiting out a timeout is the behaviour under test
  EXPECT_EQ(http(s.port(), "POST", "/hub/negotiate?negotiateVersion=1").status, 200);
  int status = 0;
  EXPECT_EQ(ws_client::open(s.port(), "/hub?id=" + std::string(first.at("connectionToken").as_string()), {}, &status),
            nullptr);
  EXPECT_EQ(status, 404);
}

}  // namespace
}  // namespace actorhub::test
