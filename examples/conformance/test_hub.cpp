// /testhub: the test hub of CONTRACT.md §5 (detailed errors on).
#include "hubs.hpp"

#include <chrono>
#include <cstdint>
#include <memory>

namespace conformance {

using namespace actorhub;

namespace {

// Counter(count, delayMs): writes i, waits delayMs, writes i + 1, ... then completes (one timer at a time).
struct counter_step {
  hub_call call;
  stream_writer writer;
  int count;
  int delay_ms;
  int i;

  void operator()() const {
    if (writer.done()) return;
    if (i >= count) return writer.complete();
    writer.write(i);
    call.after(std::chrono::milliseconds(delay_ms), counter_step{call, writer, count, delay_ms, i + 1});
  }
};

void notify_cancel(hub_call& c, stream_writer& w) {
  w.on_cancel([c] { c.clients().caller().send("StreamCanceled"); });
}

value complex_object() {
  return object{
      {"String", "hello world"},
      {"IntArray", array{1, 2, 3}},
      {"ByteArray", bytes{1, 2, 3}},
      {"Guid", "00010203-0405-0607-0706-050403020100"},
      {"DateTime", timestamp{946684800, 0}},  // 2000-01-01T00:00:00Z
  };
}

void add_connection_methods(hub& h, std::string server_name) {
  h.on("GetCallerConnectionId", [](hub_call& c) { return c.connection_id(); });
  h.on("GetServerName", [name = std::move(server_name)](hub_call&) { return name; });
  h.on("GetActiveTransportName", [](hub_call& c) { return c.info().transport; });
  h.on("GetNumRedirects", [](hub_call& c) -> std::int64_t {
    auto v = c.info().query_value("numRedirects");
    if (!v) return 0;
    try {
      return std::stoll(*v);
    } catch (...) {
      return 0;
    }
  });
  h.on("GetHeader", [](hub_call& c, std::string name) { return c.info().header(name); });
  h.on("GetCookie", [](hub_call& c, std::string name) { return c.info().cookie(name); });
}

void add_value_methods(hub& h) {
  h.on("ThrowException", [](hub_call&, std::string msg) { throw invocation_error("InvalidOperationException", msg); });
  h.on("InvokeWithString", [](hub_call& c, std::string msg) { c.clients().caller().send("Message", msg); });
  h.on("SendCustomObject", [](hub_call& c, value obj) { c.clients().caller().send("CustomObject", obj); });
  h.on("EchoComplexObject", [](hub_call&, value obj) { return obj; });
  h.on("SendComplexObject", [](hub_call&) { return complex_object(); });
}

void add_stream_methods(hub& h) {
  h.stream("Stream", [](hub_call&, stream_writer w) {
    for (auto s : {"a", "b", "c"}) w.write(std::string(s));
    w.complete();
  });
  h.stream("EmptyStream", [](hub_call&, stream_writer w) { w.complete(); });
  h.stream("Counter", [](hub_call& c, stream_writer w, int count, int delay_ms) {
    notify_cancel(c, w);
    counter_step{c, w, count, delay_ms < 0 ? 0 : delay_ms, 0}();
  });
  h.stream("InfiniteStream", [](hub_call& c, stream_writer w) { notify_cancel(c, w); });
  h.stream("StreamThrowException", [](hub_call&, stream_writer, std::string msg) {
    throw invocation_error("InvalidOperationException", msg);
  });
  h.on("StreamingConcat", [](hub_call& c, incoming_stream<std::string> in) {
    auto d = c.defer();
    auto text = std::make_shared<std::string>();
    in.on_item([text](std::string s) { *text += s; });
    in.on_complete([d, text](const std::optional<std::string>& error) {
      if (!error) d.resolve(*text);
    });
    return d;
  });
  h.stream("StreamEcho", [](stream_writer w, incoming_stream<> in) {
    in.on_item([w](value v) { w.write_value(std::move(v)); });
    in.on_complete([w](const std::optional<std::string>& error) {
      if (!error) w.complete();
    });
  });
}

void add_send_methods(hub& h) {
  h.on("SendToAll", [](hub_call& c, std::string msg) { c.clients().all().send("Send", msg); });
  h.on("SendToOthers", [](hub_call& c, std::string msg) { c.clients().others().send("Send", msg); });
  h.on("SendToCaller", [](hub_call& c, std::string msg) { c.clients().caller().send("Send", msg); });
  h.on("SendToConnection", [](hub_call& c, std::string id, std::string msg) {
    c.clients().client(id).send("Send", msg);
  });
  h.on("SendToUser", [](hub_call& c, std::string user, std::string msg) { c.clients().user(user).send("Send", msg); });
  h.on("SendToGroup", [](hub_call& c, std::string group, std::string msg) {
    c.clients().group(group).send("Send", msg);
  });
  h.on("SendToOthersInGroup", [](hub_call& c, std::string group, std::string msg) {
    c.clients().others_in_group(group).send("Send", msg);
  });
}

void add_group_methods(hub& h) {
  h.on("JoinGroup", [](hub_call& c, std::string group) { c.groups().add(c.connection_id(), group); });
  h.on("LeaveGroup", [](hub_call& c, std::string group) { c.groups().remove(c.connection_id(), group); });
  h.on("AddToGroup", [](hub_call& c, std::string id, std::string group) { c.groups().add(id, group); });
  h.on("RemoveFromGroup", [](hub_call& c, std::string id, std::string group) { c.groups().remove(id, group); });
}

}  // namespace

hub make_test_hub(std::string server_name) {
  hub_options o;
  o.detailed_errors = true;
  hub h("testhub", o);
  add_identity_methods(h);
  add_connection_methods(h, std::move(server_name));
  add_value_methods(h);
  add_stream_methods(h);
  add_send_methods(h);
  add_group_methods(h);
  return h;
}

}  // namespace conformance
