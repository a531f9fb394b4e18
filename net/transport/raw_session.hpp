// A raw connection (net/raw_connection.hpp): transport messages in and out as-is, no hub protocol.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <actorhub/raw_connection.hpp>
#include "net/transport/session.hpp"

namespace actorhub::transport {

class raw_session final : public session, public raw_connection {
 public:
  using session::session;
  ~raw_session() override;

  // raw_connection
  const connection_info& info() const noexcept override { return info_; }
  bool send(std::string data, bool binary = false) override;
  void close() override;

  // session
  bool coalesces() const noexcept override { return false; }
  void on_data(std::string_view data, bool binary) override;

 protected:
  void opened_transport() override;
  void deliver_closed(std::optional<std::string> error) override;
  shared_bytes close_record(const std::optional<std::string>&, bool) override { return nullptr; }

 private:
  std::unique_ptr<raw_receiver> receiver_;
  bool opened_ = false;
};

}  // namespace actorhub::transport
