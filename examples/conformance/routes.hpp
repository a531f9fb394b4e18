// The plain HTTP endpoints of conformance-hub besides the hubs (CONTRACT.md §5).
#pragma once

#include <string>

#include <actorhub/http_routes.hpp>
#include <actorhub/hub_context.hpp>

namespace conformance {

// GET /clientresult/{connectionId}: invokes client method `Result` and answers with its result or error text.
void add_client_result_route(actorhub::http_routes& http, actorhub::hub_context test_hub);
// POST /redirect/negotiate?baseUrl=B -> {"url":"B/testhub?numRedirects=N"}
void add_redirect_route(actorhub::http_routes& http);
// Every negotiate response sets testCookie, testCookie2 and an already expired expiredCookie.
void add_negotiate_cookies(actorhub::http_routes& http);

}  // namespace conformance
