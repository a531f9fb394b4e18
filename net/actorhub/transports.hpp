// Which SignalR transports an endpoint offers (a bit set).
#pragma once

namespace actorhub {

enum transport_set : unsigned {
  transport_websockets = 1u << 0,
  transport_server_sent_events = 1u << 1,
  transport_long_polling = 1u << 2,
  all_transports = transport_websockets | transport_server_sent_events | transport_long_polling,
};

}  // namespace actorhub
