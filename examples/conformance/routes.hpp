// The plain HTTP endpoints of conformance-hub besides the hubs (CONTRACT.md §5).
#pragma once

#include <string>

#include "actors/hub_context.hpp"
#include "net/server.hpp"

namespace conformance {

// GET /healthz -> {"status":"ok","name":NAME,"members":1}
void add_health(actorhub::server& http, const std::string& name);
// GET /clientresult/{connectionId}: invokes client method `Result` and answers with its result or error text.
void add_client_result_route(actorhub::server& http, actorhub::hub_context test_hub);
// POST /redirect/negotiate?baseUrl=B -> {"url":"B/testhub?numRedirects=N"}
void add_redirect_route(actorhub::server& http);
// Every negotiate response sets testCookie, testCookie2 and an already expired expiredCookie.
void add_negotiate_cookies(actorhub::server& http);

}  // namespace conformance
