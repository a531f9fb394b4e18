// The echo endpoint needs no actor: the transport already serializes one connection's messages.
#include "echo_endpoint.hpp"

namespace conformance {

namespace {

class echo_receiver : public actorhub::raw_receiver {
 public:
  explicit echo_receiver(actorhub::raw_connection_ptr conn) : conn_(std::move(conn)) {}
  void on_message(std::string&& data, bool binary) override { conn_->send(std::move(data), binary); }
  void on_closed(std::optional<std::string>) override {}

 private:
  actorhub::raw_connection_ptr conn_;
};

class echo_endpoint : public actorhub::raw_endpoint {
 public:
  std::unique_ptr<actorhub::raw_receiver> connect(actorhub::raw_connection_ptr conn) override {
    return std::make_unique<echo_receiver>(std::move(conn));
  }
};

}  // namespace

std::shared_ptr<actorhub::raw_endpoint> make_echo_endpoint() { return std::make_shared<echo_endpoint>(); }

}  // namespace conformance
