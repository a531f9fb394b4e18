// Work deferred to the end of the calling I/O thread's current turn, for code called from a transport (a
// hub_inbound): it runs after the handlers already ready on that thread (the other sockets this turn's poll
// found readable), so a caller can gather what many connections produce in one turn and pass it on once.
// net/ knows nothing of what is deferred; the hub layer knows nothing of sockets.
#pragma once

#include <functional>

namespace actorhub {

// Called on one of a server's I/O threads: queues `fn` to run on an I/O thread of the same server after the
// handlers queued now, and returns true. Elsewhere (an actor thread, a test): does nothing and returns false.
bool after_io_turn(std::function<void()> fn);

// Whether the calling thread is one of a server's I/O threads (running its handlers).
bool in_io_turn() noexcept;

}  // namespace actorhub
