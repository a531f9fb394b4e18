// A registered hub method, type-erased. Internal.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <vector>

#include <actorhub/value.hpp>

namespace actorhub {
class hub_call;
class stream_writer;
template <class T>
class incoming_stream;
}  // namespace actorhub

namespace actorhub::detail {

struct call_outcome {
  enum class kind { none, result, deferred } what = kind::none;
  value result;
};

// Binds `args` (and `streams`, in order) to the handler's parameters and calls it; conversion errors throw
// conversion_error before the handler runs. `writer` is set for streaming methods.
using method_invoker = std::function<call_outcome(hub_call&, array& args, std::vector<incoming_stream<value>>& streams,
                                                  stream_writer* writer)>;

struct method_entry {
  std::string name;
  std::size_t index = 0;  // position among the hub's methods (0 .. method_count - 1)
  bool streaming = false;
  std::size_t arg_count = 0;     // values in `arguments`
  std::size_t stream_count = 0;  // client-to-server stream parameters (`streamIds`)
  method_invoker invoke;
  std::function<void(double seconds)> observe_duration;  // installed by the runtime (metrics); may be empty
};

}  // namespace actorhub::detail
