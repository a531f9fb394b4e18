// The CAF shell of a connection: maps its messages onto connection_runtime.
//
// Memory: this actor exists once per client connection, so what it holds is paid per connection. Its message
// handlers capture nothing and are ONE behavior object shared by every connection actor (a behavior with six
// handlers capturing the runtime was ~350 bytes per connection); a handler finds its actor through `running`,
// which resume() sets for the thread while the actor runs. CAF invokes handlers only from resume().
#include "actors/detail/connection_actor.hpp"

#include <string>
#include <utility>

#include "caf/actor_config.hpp"
#include "caf/event_based_actor.hpp"

#include "actors/detail/connection.hpp"

#if defined(__SANITIZE_THREAD__)
extern "C" void __tsan_acquire(void* addr);
extern "C" void __tsan_release(void* addr);
#endif

namespace actorhub::detail {

namespace {

#if defined(__SANITIZE_THREAD__)
void tsan_acquire(void* p) { __tsan_acquire(p); }
void tsan_release(void* p) { __tsan_release(p); }
#else
void tsan_acquire(void*) {}
void tsan_release(void*) {}
#endif

class connection_actor final : public caf::event_based_actor {
 public:
  connection_actor(caf::actor_config& cfg, std::shared_ptr<const served_hub> served, router_actor router,
                   hub_connection_ptr conn, std::shared_ptr<std::atomic<std::size_t>> inflight)
      : caf::event_based_actor(cfg),
        rt_(std::make_shared<connection_runtime>(this, std::move(served), std::move(router), std::move(conn),
                                                 std::move(inflight))) {
    // The attach request leaves now, inside hub_host::connect on the transport's thread, not when a scheduler
    // thread first runs this actor: the router registers the connection before anything the client does after
    // its handshake can reach the router (e.g. a client result asked for by id). The answer waits in the
    // mailbox until the actor runs.
    rt_->start();
  }

  const char* name() const override { return "actorhub.connection"; }

  void release_response_table() noexcept {
    if (multiplexed_responses_.empty()) multiplexed_responses_.shrink_to_fit();
  }

  resume_result resume(caf::execution_unit* ctx, size_t max_throughput) override {
    // CAF runs one turn at a time, handing the actor between threads through its (uninstrumented) mailbox
    // atomics; this tells ThreadSanitizer so, since the I/O thread's inline_unit makes such hand-overs common.
    tsan_acquire(this);
    // Saved and restored: an actor run inline from another actor's turn must not leave the outer one unset.
    auto* outer = std::exchange(running, this);
    auto result = caf::event_based_actor::resume(ctx, max_throughput);
    running = outer;
    tsan_release(this);
    return result;
  }

 protected:
  caf::behavior make_behavior() override {
    set_default_handler(caf::drop);
    // A bug of ours must not leave a registered but deaf connection behind: close it and unregister.
    set_exception_handler([](caf::scheduled_actor* self, std::exception_ptr&) -> caf::error {
      auto& rt = *static_cast<connection_actor*>(self)->rt_;
      rt.connection()->close(std::string("Internal server error."));
      rt.on_closed(std::string("Internal server error."));
      return caf::make_error(caf::sec::runtime_error);
    });
    return handlers();
  }

  void on_exit() override {
    // Like a stateful actor's state: released when the actor terminates, not when its last handle goes.
    rt_.reset();
    caf::event_based_actor::on_exit();
  }

 private:
  static connection_actor& self() { return *running; }

  static const caf::behavior& handlers() {
    static const caf::behavior shared{
        [](inbound_batch& b) { self().rt_->on_batch(b.messages); },
        [](closed_atom, bool has_error, std::string& error) {
          self().rt_->on_closed(has_error ? std::optional<std::string>(std::move(error)) : std::nullopt);
        },
        [](invoke_atom, client_invocation& inv) -> caf::result<client_result> {
          return self().rt_->on_client_invocation(inv);
        },
        [](expire_atom, const std::string& id) { self().rt_->on_result_expired(id); },
        [](timer_atom, scheduled_call& call) { self().rt_->run_scheduled(call); },
        [](post_atom, scheduled_call& call) { self().rt_->run_scheduled(call); },
    };
    return shared;
  }

  static thread_local connection_actor* running;

  std::shared_ptr<connection_runtime> rt_;
};

thread_local connection_actor* connection_actor::running = nullptr;

}  // namespace

void release_response_table(caf::event_based_actor* self) noexcept {
  static_cast<connection_actor*>(self)->release_response_table();
}

caf::actor spawn_connection_actor(caf::actor_system& sys, std::shared_ptr<const served_hub> served,
                                  router_actor router, hub_connection_ptr conn,
                                  std::shared_ptr<std::atomic<std::size_t>> inflight) {
  return sys.spawn<connection_actor>(std::move(served), std::move(router), std::move(conn), std::move(inflight));
}

}  // namespace actorhub::detail
