// The logic of one connection actor: invocation queue, completions, streams in both directions, client
// results, and the path of sends and group changes to the router. The CAF actor (connection_actor.cpp) is a
// thin shell around it. Internal.
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
#include <vector>

#include "caf/event_based_actor.hpp"
#include "caf/typed_response_promise.hpp"

#include "actors/detail/messages.hpp"
#include "actors/detail/target_sink.hpp"
#include "actors/served_hub.hpp"
#include "actors/routing/router.hpp"

namespace actorhub::detail {

class connection_runtime;

// One invocation of a hub method, or the on_connected pseudo-invocation. Also the target sink of its hub_call:
// sends and group changes made while it runs are tracked, and its Completion waits for them.
struct invocation_state : target_sink, std::enable_shared_from_this<invocation_state> {
  std::weak_ptr<connection_runtime> runtime;
  const method_entry* method = nullptr;
  std::string method_name;
  std::optional<std::string> id;
  bool streaming = false;
  bool blocks_queue = false;
  bool deferred = false;  // c.defer() was called
  bool finished = false;  // outcome known
  bool emitted = false;   // Completion written (or dropped: no id, or the connection is gone)
  bool cancelled = false;
  std::size_t pending_ops = 0;
  std::optional<std::string> error;
  std::optional<value> result;
  std::chrono::steady_clock::time_point started;
  std::vector<std::function<void()>> on_cancel;

  void send(send_target t, encoded_ptr m) override;
  void invoke(std::string connection_id, client_invocation inv, std::function<void(client_result)> cb) override;
  void change_group(bool add, std::string connection_id, std::string group, std::function<void()> done) override;
  std::chrono::milliseconds default_timeout() const override;
  std::optional<std::string> caller() const override;

  std::shared_ptr<connection_runtime> lock() const { return runtime.lock(); }
};

// A client-to-server stream (one of an invocation's `streamIds`).
struct upload_state {
  std::string id;
  std::weak_ptr<invocation_state> owner;  // set when the invocation starts
  bool started = false;                   // its invocation started: unconsumed items are dropped, not kept
  bool completed = false;
  std::vector<value> buffered;
  std::function<void(value)> on_item;
  std::function<void(const std::optional<std::string>&)> on_complete;
  std::optional<std::optional<std::string>> completion;  // the client's completion, once it arrived
  std::weak_ptr<connection_runtime> runtime;
};

class connection_runtime : public std::enable_shared_from_this<connection_runtime> {
 public:
  // `inflight` counts the inbound batches handed to the actor and not processed yet (see hub_host).
  connection_runtime(caf::event_based_actor* self, std::shared_ptr<const served_hub> served, router_actor router,
                     hub_connection_ptr conn, std::shared_ptr<std::atomic<std::size_t>> inflight);

  // -- driven by the actor --------------------------------------------------------------------------------
  void start();  // register with the router, then on_connected
  void on_batch(std::vector<hub_message>& batch);  // one inbound batch: also takes it off `inflight`
  void on_closed(std::optional<std::string> error);
  caf::result<client_result> on_client_invocation(client_invocation& inv);
  void on_result_expired(const std::string& id);
  void run_scheduled(scheduled_call& call);
  bool closed() const noexcept { return closed_; }

  // -- used by hub_call, deferred, stream_writer, incoming_stream, sinks -----------------------------------
  caf::event_based_actor* self() const noexcept { return alive_ ? self_ : nullptr; }
  const hub& definition() const noexcept { return served_->definition; }
  const connection_limits& limits() const noexcept { return served_->limits; }
  const hub_connection_ptr& connection() const noexcept { return conn_; }
  const connection_info& info() const noexcept { return conn_->info(); }
  const router_actor& router() const noexcept { return router_; }

  void write(const encoded_ptr& m);  // to this connection's transport
  void route(invocation_state* tracker, send_target t, encoded_ptr m);
  void change_group(invocation_state* tracker, bool add, std::string connection_id, std::string group,
                    std::function<void()> done);
  void invoke_client(invocation_state* tracker, std::string connection_id, client_invocation inv,
                     std::function<void(client_result)> cb);
  void after(const std::shared_ptr<invocation_state>& owner, std::chrono::milliseconds delay,
             std::function<void()> f);

  void finish(invocation_state& inv, std::optional<std::string> error, std::optional<value> result);
  void fail(invocation_state& inv, std::exception_ptr e);
  void cancel(invocation_state& inv);
  void attach_item_handler(upload_state& up, std::function<void(value)> f);
  void attach_completion_handler(upload_state& up, std::function<void(const std::optional<std::string>&)> f);

 private:
  struct queued_invocation {
    bool stream_invocation = false;
    std::optional<std::string> id;
    std::string target;
    array arguments;
    std::vector<std::string> stream_ids;
    std::vector<std::shared_ptr<upload_state>> uploads;  // one per stream id, registered on arrival
  };

  void enqueue(queued_invocation q);
  void pump();
  void begin(queued_invocation& q);
  void reject(const queued_invocation& q, std::string error);
  void op_done(invocation_state& inv);
  void try_emit(invocation_state& inv);
  void on_stream_item(stream_item_message& m);
  void on_completion(completion_message& m);
  void on_cancel_invocation(const cancel_invocation_message& m);
  void upload_completed(upload_state& up, const std::optional<std::string>& error);
  void apply_upload_error(upload_state& up);
  void guarded(const std::weak_ptr<invocation_state>& owner, const std::function<void()>& f);
  void protocol_failure(const std::string& error);
  void teardown();

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
  std::shared_ptr<const served_hub> served_;
  router_actor router_;
  hub_connection_ptr conn_;
  bool alive_ = true;
  bool closed_ = false;
  bool connected_ran_ = false;
  bool pumping_ = false;  // guards pump() against re-entry from synchronous completions
  std::shared_ptr<invocation_state> current_;  // the running queue-blocking invocation
  // Invocations waiting behind current_; null while none is (most connections never queue anything, and an
  // empty std::deque would already hold a 512-byte block).
  std::unique_ptr<std::list<queued_invocation>> queue_;
  std::shared_ptr<std::atomic<std::size_t>> inflight_;
  std::unique_ptr<registries> regs_;  // null until a stream, upload or client result needs it
};

}  // namespace actorhub::detail
