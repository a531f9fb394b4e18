// See client_outbox.hpp.
#include "actors/gateway/client_outbox.hpp"

#include <caf/send.hpp>

#include "net/io_turn.hpp"

namespace actorhub::gateway {

void client_outbox::add(std::string bytes) {
  std::lock_guard<std::mutex> lk(mu_);
  box_.add(std::move(bytes));
  // Off an I/O thread (a close at shutdown, a test) nothing waits for a turn to end.
  if (box_.full() || !in_io_turn()) return send_locked();
  if (scheduled_) return;
  if (after_io_turn([self = shared_from_this()] { self->flush(); })) {
    scheduled_ = true;
    return;
  }
  send_locked();
}

void client_outbox::flush() {
  std::lock_guard<std::mutex> lk(mu_);
  scheduled_ = false;
  send_locked();
}

void client_outbox::send_locked() {
  if (box_.empty()) return;
  // An enqueue into the middleman's mailbox: it never blocks nor calls back.
  caf::send_as(gateway_, link_, gw_atom::value, box_.take());
}

}  // namespace actorhub::gateway
