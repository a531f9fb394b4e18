// Transport requests for connections hosted by another client endpoint (no sticky sessions): when a request names
// an `id` this endpoint does not know, the locator (installed by whoever knows the other endpoints: the cluster
// layer) may name the endpoint that hosts it, and the request is served there through a reverse proxy inside this
// endpoint, invisibly to the client. HTTP requests (SSE streams, long polls, POST sends, DELETE) are forwarded and
// their responses relayed as they stream; a WebSocket upgrade is forwarded, its 101 (or refusal) relayed, and then
// both TCP streams are spliced byte for byte until either side closes.
//
// Bounds: per direction at most 64 KiB read and not yet written (a side is read only while the other side's write
// has room), plus one small read buffer; every wait has a deadline (connect 3 s -> 502, an upstream write or a
// client write without progress for send_timeout, an upstream that sends nothing for poll_timeout + 30 s); no
// thread blocks. Beast-free: plain Asio and strings.
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include <boost/asio/ip/tcp.hpp>

#include <actorhub/http_types.hpp>

namespace actorhub::transport {

struct server_state;
struct hub_entry;

// token -> "host:port" of the client endpoint hosting it, or nullopt (unknown: the request gets 404 here).
using locator_fn = std::function<std::optional<std::string>(std::string_view token)>;

class forward_proxy;

// The locator and the live proxies of one endpoint (thread-safe).
class forwarding {
 public:
  void set_locator(locator_fn f);
  std::shared_ptr<const locator_fn> locator() const;

  void add(forward_proxy* p, std::weak_ptr<forward_proxy> w);
  void remove(forward_proxy* p);
  // Ends every live proxy (both sockets closed): the endpoint is stopping.
  void abort_all();
  std::size_t live() const;

 private:
  mutable std::mutex mu_;
  std::shared_ptr<const locator_fn> locator_;
  std::unordered_map<forward_proxy*, std::weak_ptr<forward_proxy>> live_;
};

// The address a request to a hub's transport endpoint must be forwarded to, or nullopt to serve it here: it names
// an `id` this endpoint does not know, it was not forwarded already, and the locator knows where the id lives.
std::optional<std::string> forward_address(server_state& st, const http_request& req);

// Serves `req` (already read; `body` moved in) through the client endpoint at `address`. Takes over the client's
// socket; `buffered` holds bytes the client sent after the request (pipelined, or WebSocket frames). When the
// relayed response leaves the client's connection reusable (`keep_alive`), the socket goes back to a new HTTP
// session. `version`: the request's HTTP version (10, 11).
void start_forward(boost::asio::ip::tcp::socket client, std::shared_ptr<server_state> st, const hub_entry& hub,
                   http_request req, unsigned version, bool keep_alive, bool upgrade, std::string address,
                   std::string buffered);

}  // namespace actorhub::transport
