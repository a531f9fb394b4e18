// /authorizedhub: like the test hub's identity methods, but only for connections with a valid token.
#include "hubs.hpp"

namespace conformance {

actorhub::hub make_authorized_hub() {
  actorhub::hub_options o;
  o.detailed_errors = true;
  o.require_authentication = true;
  actorhub::hub h("authorizedhub", o);
  add_identity_methods(h);
  return h;
}

}  // namespace conformance
