// What the gateway's I/O threads send one app server (a client's open_connection, its records, its close),
// gathered per I/O turn into one link message. Internal.
//
// The link's cost is per message, not per byte (docs/hosted.md "Benchmarks"): the first record an I/O thread
// adds in a turn schedules one flush at the end of that turn (net/io_turn.hpp), after the other sockets that turn
// found readable, and the flush sends everything added meanwhile as one message (a batch when there are
// several), straight from the I/O thread to the middleman, as from the gateway actor (the only sender an app
// server accepts). Records are appended and sent under one lock, so a connection's records keep their order
// across flushes. Called off an I/O thread, add() sends at once.
#pragma once

#include <memory>
#include <mutex>
#include <string>

#include <caf/actor.hpp>

#include "actors/gateway/link.hpp"

namespace actorhub::gateway {

class client_outbox : public std::enable_shared_from_this<client_outbox> {
 public:
  client_outbox(caf::actor gateway, caf::actor link) : gateway_(std::move(gateway)), link_(std::move(link)) {}

  // Any thread.
  void add(std::string bytes);

 private:
  void flush();
  void send_locked();

  std::mutex mu_;
  outbox box_;              // under mu_
  bool scheduled_ = false;  // under mu_: a flush is queued on an I/O thread
  caf::actor gateway_;
  caf::actor link_;  // the app server's link actor (remote)
};

}  // namespace actorhub::gateway
