// Methods that report who the caller is.
#include "hubs.hpp"

namespace conformance {

using actorhub::hub_call;
using actorhub::value;

namespace {

// The claim as text: strings as they are, numbers and booleans spelled out, "" when absent or structured.
std::string claim_text(const value* v) {
  if (!v) return "";
  if (auto s = v->if_string()) return *s;
  if (auto b = v->if_bool()) return *b ? "true" : "false";
  if (auto i = v->to_int64()) return std::to_string(*i);
  if (auto d = v->to_double()) return std::to_string(*d);
  return "";
}

}  // namespace

void add_identity_methods(actorhub::hub& h) {
  h.on("Echo", [](hub_call&, std::string s) { return s; });
  h.on("GetUserNameIdentifier", [](hub_call& c) { return c.user_id(); });
  h.on("GetUserClaim", [](hub_call& c, std::string type) { return claim_text(c.info().claim(type)); });
}

}  // namespace conformance
