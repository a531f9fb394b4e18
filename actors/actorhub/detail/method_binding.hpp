// Turns a typed handler `R(hub_call&, Args...)` (or `void(hub_call&, stream_writer, Args...)`) into a
// method_entry: argument count, stream parameter count and an invoker doing the from_value/to_value work.
#pragma once

#include <tuple>
#include <type_traits>
#include <utility>

#include <actorhub/convert.hpp>
#include <actorhub/deferred.hpp>
#include <actorhub/detail/method.hpp>
#include <actorhub/hub_call.hpp>
#include <actorhub/incoming_stream.hpp>
#include <actorhub/stream_writer.hpp>

namespace actorhub::detail {

template <class... Ts>
struct type_list {};

template <class F>
struct callable_traits : callable_traits<decltype(&F::operator())> {};
template <class C, class R, class... A>
struct callable_traits<R (C::*)(A...) const> {
  using result = R;
  using args = type_list<A...>;
};
template <class C, class R, class... A>
struct callable_traits<R (C::*)(A...)> {
  using result = R;
  using args = type_list<A...>;
};
template <class R, class... A>
struct callable_traits<R (*)(A...)> {
  using result = R;
  using args = type_list<A...>;
};
template <class R, class... A>
struct callable_traits<R(A...)> : callable_traits<R (*)(A...)> {};

template <class T>
inline constexpr bool is_stream_param = std::is_same_v<std::decay_t<T>, incoming_stream>;

struct arg_cursor {
  array& args;
  std::vector<incoming_stream>& streams;
  std::size_t next_arg = 0;
  std::size_t next_stream = 0;
};

template <class T>
std::decay_t<T> take_arg(arg_cursor& c) {
  using D = std::decay_t<T>;
  if constexpr (is_stream_param<D>) {
    return c.streams[c.next_stream++];
  } else {
    return from_value<D>::convert(c.args[c.next_arg++]);
  }
}

template <class R>
call_outcome outcome_of(R&& r) {
  using D = std::decay_t<R>;
  if constexpr (std::is_same_v<D, deferred>) {
    return {call_outcome::kind::deferred, {}};
  } else {
    return {call_outcome::kind::result, to_value<D>::convert(std::forward<R>(r))};
  }
}

template <bool Stream, class F, class R, class... Args>
call_outcome call_bound(F& f, hub_call& call, stream_writer* writer, arg_cursor& cur) {
  // Braced initialisation evaluates the arguments left to right, matching the wire order.
  std::tuple<std::decay_t<Args>...> bound{take_arg<Args>(cur)...};
  auto apply = [&](auto&&... prefix) -> call_outcome {
    if constexpr (std::is_void_v<R>) {
      std::apply([&](auto&... a) { f(prefix..., std::move(a)...); }, bound);
      return {};
    } else {
      return outcome_of(std::apply([&](auto&... a) -> R { return f(prefix..., std::move(a)...); }, bound));
    }
  };
  if constexpr (Stream) {
    return apply(call, *writer);
  } else {
    (void)writer;
    return apply(call);
  }
}

template <class F, class R, class First, class... Args>
method_entry bind_method(std::string name, F f, type_list<First, Args...>) {
  static_assert(std::is_same_v<First, hub_call&>, "a hub method's first parameter must be `actorhub::hub_call&`");
  method_entry e;
  e.name = std::move(name);
  e.stream_count = (0 + ... + (is_stream_param<Args> ? 1 : 0));
  e.arg_count = sizeof...(Args) - e.stream_count;
  e.invoke = [f = std::move(f)](hub_call& call, array& args, std::vector<incoming_stream>& streams,
                                stream_writer*) mutable {
    arg_cursor cur{args, streams};
    return call_bound<false, F, R, Args...>(f, call, nullptr, cur);
  };
  return e;
}

template <class F, class R, class First, class Second, class... Args>
method_entry bind_stream(std::string name, F f, type_list<First, Second, Args...>) {
  static_assert(std::is_same_v<First, hub_call&>, "a stream method's first parameter must be `actorhub::hub_call&`");
  static_assert(std::is_same_v<std::decay_t<Second>, stream_writer>,
                "a stream method's second parameter must be `actorhub::stream_writer`");
  static_assert(std::is_void_v<R>, "a stream method returns void; it ends the stream through its stream_writer");
  method_entry e;
  e.name = std::move(name);
  e.streaming = true;
  e.stream_count = (0 + ... + (is_stream_param<Args> ? 1 : 0));
  e.arg_count = sizeof...(Args) - e.stream_count;
  e.invoke = [f = std::move(f)](hub_call& call, array& args, std::vector<incoming_stream>& streams,
                                stream_writer* writer) mutable {
    arg_cursor cur{args, streams};
    return call_bound<true, F, R, Args...>(f, call, writer, cur);
  };
  return e;
}

}  // namespace actorhub::detail
