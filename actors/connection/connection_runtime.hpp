// The logic of one connection actor: its invocation queue, where each handler runs (dispatch_policy), the
// Completions, streams in both directions, client results, and its requests to the router. The CAF actor
// (connection_actor.cpp) is a thin shell around it. Split by concern:
//   lifecycle.cpp        registration, on_connected, the connection's end
//   invocations.cpp      the queue, running handlers here or on the blocking pool, Completions
//   streams.cpp          server-to-client streams (cancel) and client-to-server streams (uploads)
//   client_results.cpp   invoking client methods that answer, both as caller and as target
//   router_requests.cpp  sends and group changes through the router, and the order of the caller's own writes
//   invocation_sink.cpp  what a hub_call's clients()/groups() hand their work to
// Everything here runs in the connection's actor; user-facing handles (hub_call, deferred, stream_writer,
// incoming_stream) may be used from any thread and reach it through in_actor(). Internal.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <exception>
#include <functional>
#include <list>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include <caf/actor_addr.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/typed_response_promise.hpp>

#include <actorhub/hub_call.hpp>
#include <actorhub/incoming_stream.hpp>
#include <actorhub/stream_writer.hpp>
#include "actors/connection/messages.hpp"
#include "actors/dispatch/blocking_pool.hpp"
#include "actors/dispatch/dispatch_policy.hpp"
#include "actors/dispatch/watchdog.hpp"
#include "actors/connection/target_sink.hpp"
#include "actors/routing/router.hpp"
#include "actors/served_hub.hpp"

namespace actorhub::detail {

class connection_runtime;

// One call of user code: a hub method, or on_connected / on_disconnected (method == nullptr). Also the target
// sink of its hub_call.
struct invocation_state : target_sink, std::enable_shared_from_this<invocation_state> {
  std::weak_ptr<connection_runtime> runtime;
  const method_entry* method = nullptr;
  std::size_t handler = 0;  // its number in the hub's dispatch_policy
  std::string method_name;
  std::optional<std::string> id;
  bool streaming = false;
  bool blocks_queue = false;  // later invocations wait until this one emitted its Completion
  bool deferred = false;      // c.defer() was called
  std::atomic<bool> finished{false};   // outcome known (read from any thread by stream_writer::done())
  std::atomic<bool> cancelled{false};
  bool emitted = false;  // Completion written (or dropped: no id, or the connection is gone)
  std::optional<std::string> error;
  std::optional<value> result;
  std::chrono::steady_clock::time_point started;
  std::vector<std::function<void()>> on_cancel;

  void send(send_target t, encoded_ptr m) override;
  void invoke(std::string connection_id, client_invocation inv, std::function<void(client_result)> cb) override;
  void change_group(bool add, std::string connection_id, std::string group, std::function<void()> done) override;
  void query(presence_query q, std::function<void(presence_result)> done) override;
  std::chrono::milliseconds default_timeout() const override;
  std::optional<std::string> caller() const override;

  std::shared_ptr<connection_runtime> lock() const { return runtime.lock(); }
};

// A client-to-server stream (one of an invocation's `streamIds`).
struct upload_state {
  std::string id;
  std::weak_ptr<invocation_state> owner;  // set when the invocation starts
  bool started = false;                   // its invocation started: unconsumed items are dropped, not kept
  std::atomic<bool> completed{false};
  std::vector<value> buffered;
  std::function<void(value)> on_item;
  std::function<void(const std::optional<std::string>&)> on_complete;
  std::optional<std::optional<std::string>> completion;  // the client's completion, once it arrived
  std::weak_ptr<connection_runtime> runtime;
};

// What a handler call came to: the method's outcome, or the exception it threw.
struct call_result {
  call_outcome outcome;
  std::exception_ptr error;
};

class connection_runtime : public std::enable_shared_from_this<connection_runtime> {
 public:
  // `inflight` counts the inbound batches handed to the actor and not processed yet (see hub_host); it lives in
  // the actor, as does this runtime.
  connection_runtime(caf::event_based_actor* self, std::shared_ptr<const served_hub> served, router_actor router,
                     hub_connection_ptr conn, std::atomic<std::uint32_t>* inflight);

  // -- driven by the actor (lifecycle.cpp, invocations.cpp, client_results.cpp) ----------------------------
  // Registers with the router, then runs on_connected; `resumed`: a connection that continues here from another
  // node (hub_endpoint::resume): it registers, and OnConnectedAsync, which ran there, does not run again.
  void start(bool resumed = false);
  // The connection moved to another node: ends here without OnDisconnectedAsync and without leaving the registry
  // (the router already removed it).
  void on_moved();
  void on_batch(std::vector<hub_message>& batch);  // one inbound batch: also takes it off `inflight`
  void on_closed(std::optional<std::string> error);
  caf::result<client_result> on_client_invocation(client_invocation& inv);
  void on_result_expired(const std::string& id);
  void run_scheduled(scheduled_call& call);

  // -- from any thread -------------------------------------------------------------------------------------
  bool on_actor_thread() const noexcept;
  // Runs `f` in the connection's actor: at once when called there, else as a message (calls from one thread
  // keep their order). An exception escaping `f` fails `owner` if it still runs. False once the connection
  // is gone.
  template <class F>
  bool in_actor(const std::shared_ptr<invocation_state>& owner, F&& f) {
    if (!on_actor_thread()) return post(std::function<void()>(std::forward<F>(f)), owner);
    if (!alive_) return false;
    try {
      f();
    } catch (...) {
      if (owner) fail(*owner, std::current_exception());
    }
    return true;
  }
  bool post(std::function<void()> f, std::weak_ptr<invocation_state> owner) const;
  bool closed() const noexcept { return closed_.load(std::memory_order_relaxed); }
  caf::event_based_actor* self() const noexcept;  // null off the actor's thread and once it is gone
  const caf::actor_addr& address() const noexcept { return address_; }
  const hub& definition() const noexcept { return served_->definition; }
  const connection_limits& limits() const noexcept { return served_->limits; }
  const hub_connection_ptr& connection() const noexcept { return conn_; }
  const connection_info& info() const noexcept { return conn_->info(); }

  // -- in the actor: the work of hub methods and their handles ---------------------------------------------
  void write(const encoded_ptr& m);  // to this connection, after every router request made before it
  void route(send_target t, encoded_ptr m);
  void change_group(bool join, std::string connection_id, std::string group, std::function<void()> done,
                    const std::shared_ptr<invocation_state>& owner);
  void invoke_client(std::string connection_id, client_invocation inv, std::function<void(client_result)> cb,
                     const std::shared_ptr<invocation_state>& owner);
  void ask_presence(presence_query q, std::function<void(presence_result)> done,
                    const std::shared_ptr<invocation_state>& owner);
  void after(const std::shared_ptr<invocation_state>& owner, std::chrono::milliseconds delay,
             std::function<void()> f);
  void finish(invocation_state& inv, std::optional<std::string> error, std::optional<value> result);
  void fail(invocation_state& inv, std::exception_ptr e);
  void cancel(invocation_state& inv);
  void attach_item_handler(upload_state& up, std::function<void(value)> f);
  void attach_completion_handler(upload_state& up, std::function<void(const std::optional<std::string>&)> f);
  void guarded(const std::weak_ptr<invocation_state>& owner, const std::function<void()>& f);

 private:
  struct queued_invocation {
    bool stream_invocation = false;
    std::optional<std::string> id;
    std::string target;
    array arguments;
    std::vector<std::string> stream_ids;
    std::vector<std::shared_ptr<upload_state>> uploads;  // one per stream id, registered on arrival
  };

  // invocations.cpp
  void enqueue(queued_invocation q);
  void pump();
  void begin(queued_invocation& q);
  void reject(const queued_invocation& q, std::string error);
  std::shared_ptr<invocation_state> make_invocation(const method_entry* m, std::size_t handler, std::string name);
  // Runs user code for `inv` here or on the blocking pool; `then` gets the result in the actor.
  template <class Body, class Then>
  void run_handler(const std::shared_ptr<invocation_state>& inv, Body body, Then then);
  template <class Body>
  call_result call_here(const std::shared_ptr<invocation_state>& inv, Body& body);
  void complete_method(const std::shared_ptr<invocation_state>& inv, call_result r,
                       const std::vector<std::shared_ptr<upload_state>>& uploads);
  void try_emit(invocation_state& inv);
  // lifecycle.cpp
  void connected(const std::shared_ptr<invocation_state>& inv);
  void end();
  void release_invocations();  // streams cancelled, pending client results failed, uploads ended
  void teardown();
  void protocol_failure(const std::string& error);
  // streams.cpp
  void on_stream_item(stream_item_message& m);
  void on_cancel_invocation(const cancel_invocation_message& m);
  void upload_completed(upload_state& up, const std::optional<std::string>& error);
  void apply_upload_error(upload_state& up);
  void forget_uploads(const std::vector<std::shared_ptr<upload_state>>& uploads);
  void complete_upload(completion_message& m);  // a Completion that answers no client result
  // client_results.cpp
  void on_completion(completion_message& m);
  void fail_pending_results();
  // router_requests.cpp
  void router_request_done();

  // What only connections that stream or answer client results need: allocated on first use, so an idle
  // connection pays one pointer for it (three empty maps are 168 bytes).
  struct registries {
    std::unordered_map<std::string, std::shared_ptr<invocation_state>> streams;  // by invocation id
    std::unordered_map<std::string, std::shared_ptr<upload_state>> uploads;      // by stream id
    std::unordered_map<std::string, caf::typed_response_promise<client_result>> results;  // by invocation id
    std::uint64_t next_result_id = 0;
  };
  registries& regs();  // creates them
  bool queue_empty() const noexcept { return !queue_ || queue_->empty(); }

  caf::event_based_actor* self_;
  caf::actor_addr address_;
  std::shared_ptr<const served_hub> served_;
  router_actor router_;
  hub_connection_ptr conn_;
  bool alive_ = true;                 // false after teardown
  std::atomic<bool> closed_{false};   // the connection ended (read from any thread)
  bool connected_ran_ = false;
  bool pumping_ = false;  // guards pump() against re-entry from synchronous completions
  // Router requests (sends, group changes, the registration) not acknowledged yet; while there are any, writes
  // to this connection wait in held_, so the connection sees its own messages in the order it caused them.
  std::uint32_t router_pending_ = 0;
  std::shared_ptr<invocation_state> current_;  // the running queue-blocking invocation
  // Invocations waiting behind current_; null while none is (most connections never queue anything, and an
  // empty std::deque would already hold a 512-byte block).
  std::unique_ptr<std::list<queued_invocation>> queue_;
  std::atomic<std::uint32_t>* inflight_;
  std::unique_ptr<registries> regs_;  // null until a stream, upload or client result needs it
  std::unique_ptr<std::vector<encoded_ptr>> held_;
};

// -- running user code ------------------------------------------------------------------------------------------

template <class Body>
call_result connection_runtime::call_here(const std::shared_ptr<invocation_state>& inv, Body& body) {
  hub_call call(shared_from_this(), inv);
  call_result r;
  auto* policy = served_->policy.get();
  if (!policy) {
    try {
      r.outcome = body(call);
    } catch (...) {
      r.error = std::current_exception();
    }
    return r;
  }
  dispatch::watchdog::running_call mark(policy->id(), inv->handler);
  try {
    r.outcome = body(call);
  } catch (...) {
    r.error = std::current_exception();
  }
  policy->ran(inv->handler, mark.elapsed());
  return r;
}

// `body(hub_call&)` is the user code; `then(call_result)` continues in the actor. Quick handlers run right here
// (no allocation, no hop); the others on the blocking pool, whose result comes back as a message.
template <class Body, class Then>
void connection_runtime::run_handler(const std::shared_ptr<invocation_state>& inv, Body body, Then then) {
  auto* policy = served_->policy.get();
  if (!policy || !served_->pool || policy->runs_here(inv->handler)) {
    then(call_here(inv, body));
    return;
  }
  served_->pool->submit([self = shared_from_this(), inv, body = std::move(body), then = std::move(then)]() mutable {
    if (self->closed() && inv->method) return;  // nobody waits for it any more (on_disconnected still runs)
    auto r = std::make_shared<call_result>(self->call_here(inv, body));
    auto done = std::make_shared<Then>(std::move(then));
    self->post([r, done] { (*done)(std::move(*r)); }, inv);
  });
}

}  // namespace actorhub::detail
