// Long polling (server-to-client half): each poll is answered with everything queued, or held until data
// arrives or poll_timeout passes (200, empty). A newer poll ends the older one with 204; after the session
// finished, the next poll gets 204. DELETE ends the connection. Lives on the session's strand; the poll
// requests themselves belong to HTTP sessions, reached through their http_responder.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>

#include <actorhub/http_types.hpp>
#include "net/transport/session.hpp"

namespace actorhub::transport {

class long_polling_link final : public transport_link, public std::enable_shared_from_this<long_polling_link> {
 public:
  explicit long_polling_link(const std::shared_ptr<session>& s);

  // A poll request (not the first one, which the connection answers at once). Any thread.
  void on_poll(http_responder respond);
  // DELETE: 202, the pending poll completes with 204, the connection ends. Any thread.
  void on_delete(http_responder respond);

  void wake() override;
  void abort() override;
  void tick(std::int64_t now_ms) override;

 private:
  void flush();  // on the strand
  void complete_pending(int status);

  std::weak_ptr<session> session_;
  boost::asio::any_io_executor exec_;
  std::int64_t poll_timeout_ms_;
  http_responder pending_;  // on the strand
  std::atomic<std::int64_t> pending_since_{0};
  bool ended_ = false;  // on the strand
};

}  // namespace actorhub::transport
