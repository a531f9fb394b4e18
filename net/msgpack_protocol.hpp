// The SignalR MessagePack hub protocol (HubProtocol.md "MessagePack (MsgPack) encoding"): each message an
// array `[type, ...]`, each record prefixed by its VarInt length. Use it through messagepack_protocol() /
// find_protocol("messagepack").
#pragma once

#include "net/hub_protocol.hpp"

namespace actorhub {

class messagepack_hub_protocol final : public hub_protocol {
 public:
  protocol_kind kind() const noexcept override { return protocol_kind::messagepack; }
  std::string_view name() const noexcept override { return "messagepack"; }
  int version() const noexcept override { return 2; }
  bool binary() const noexcept override { return true; }

  void write(const hub_message& m, std::string& out) const override;
  parse_status parse(std::string_view& in, std::vector<hub_message>& out,
                     std::size_t max_message_size) const override;
};

}  // namespace actorhub
