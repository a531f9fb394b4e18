// /echo: a raw connection (no hub protocol) that sends every message back as it came (text or binary).
#pragma once

#include <memory>

#include <actorhub/raw_connection.hpp>

namespace conformance {

std::shared_ptr<actorhub::raw_endpoint> make_echo_endpoint();

}  // namespace conformance
