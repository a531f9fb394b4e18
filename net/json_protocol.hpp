// The SignalR JSON hub protocol (HubProtocol.md "JSON Encoding"): one JSON object per message, each record
// terminated by 0x1E. Use it through json_protocol() / find_protocol("json").
#pragma once

#include "net/hub_protocol.hpp"

namespace actorhub {

class json_hub_protocol final : public hub_protocol {
 public:
  protocol_kind kind() const noexcept override { return protocol_kind::json; }
  std::string_view name() const noexcept override { return "json"; }
  int version() const noexcept override { return 2; }
  bool binary() const noexcept override { return false; }

  void write(const hub_message& m, std::string& out) const override;
  parse_status parse(std::string_view& in, std::vector<hub_message>& out,
                     std::size_t max_message_size) const override;
};

}  // namespace actorhub
