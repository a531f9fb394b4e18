// See client_result_wire.hpp.
#include "actors/cluster/client_result_wire.hpp"

#include "net/msgpack_value.hpp"

namespace actorhub::cluster {

wire::client_result client_result_to_wire(const client_result& r) {
  wire::client_result w;
  w.status = static_cast<wire::result_status>(r.code);
  if (r.ok()) write_msgpack(r.result, w.result);
  w.error = r.error;
  return w;
}

client_result client_result_from_wire(const wire::client_result& w) {
  client_result r;
  r.code = static_cast<client_result::status>(w.status);
  r.error = w.error;
  std::string err;
  if (r.ok() && !w.result.empty() && !parse_msgpack(w.result, r.result, err))
    return client_result::failure(client_result::status::error, "The client's result could not be read.");
  return r;
}

}  // namespace actorhub::cluster
