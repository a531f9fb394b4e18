// idle: connections only hold on; the worker's keep-alive sweep pings them, server Pings are counted.
#include "role.hpp"

namespace bench {
namespace {

class idle_role final : public role {
 public:
  explicit idle_role(worker_context& ctx) : ctx_(ctx) {}
  void on_record(connection&, const incoming& in) override {
    if (in.kind == incoming::ping) ++ctx_.report.c.server_pings;
  }

 private:
  worker_context& ctx_;
};

}  // namespace

std::unique_ptr<role> make_idle_role(worker_context& ctx) { return std::make_unique<idle_role>(ctx); }

}  // namespace bench
