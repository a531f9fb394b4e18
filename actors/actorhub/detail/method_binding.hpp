// Turns a typed handler into a method_entry: argument count, stream parameter count and an invoker doing the
// from_value/to_value work. Handlers:
//   R method(hub_call&, Args...)            or   R method(Args...)
//   void stream(hub_call&, stream_writer, Args...)   or   void stream(stream_writer, Args...)
// where Args may include incoming_stream<T> parameters (bound to the invocation's streamIds in order).
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
struct is_incoming_stream : std::false_type {};
template <class T>
struct is_incoming_stream<incoming_stream<T>> : std::true_type {};
template <class T>
inline constexpr bool is_stream_param = is_incoming_stream<std::decay_t<T>>::value;

template <class T>
inline constexpr bool is_call_param = std::is_same_v<T, hub_call&>;
template <class T>
inline constexpr bool is_writer_param = std::is_same_v<std::decay_t<T>, stream_writer>;

struct arg_cursor {
  array& args;
  std::vector<incoming_stream<value>>& streams;
  std::size_t next_arg = 0;
  std::size_t next_stream = 0;
};

template <class T>
std::decay_t<T> take_arg(arg_cursor& c) {
  using D = std::decay_t<T>;
  if constexpr (is_stream_param<D>) {
    return D(c.streams[c.next_stream++].state());
  } else {
    static_assert(!is_call_param<T>, "hub_call& can only be a handler's first parameter");
    static_assert(!is_writer_param<T>, "stream_writer can only follow hub_call& (or come first) in stream()");
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

// Calls f(prefix..., converted Args...) where prefix is what the handler takes before its wire arguments.
template <class F, class R, class... Args, class... Prefix>
call_outcome call_bound(F& f, arg_cursor& cur, Prefix&... prefix) {
  // Braced initialisation evaluates the arguments left to right, matching the wire order.
  std::tuple<std::decay_t<Args>...> bound{take_arg<Args>(cur)...};
  if constexpr (std::is_void_v<R>) {
    std::apply([&](auto&... a) { f(prefix..., std::move(a)...); }, bound);
    return {};
  } else {
    return outcome_of(std::apply([&](auto&... a) -> R { return f(prefix..., std::move(a)...); }, bound));
  }
}

template <class... Args>
void count_params(method_entry& e) {
  e.stream_count = (0 + ... + (is_stream_param<Args> ? 1 : 0));
  e.arg_count = sizeof...(Args) - e.stream_count;
}

template <class... Ps>
struct first_param {
  using type = void;
};
template <class P, class... Ps>
struct first_param<P, Ps...> {
  using type = P;
};

template <class F, class R, class Call, class... Args>
method_entry bind_method_with_call(method_entry e, F f, type_list<Call, Args...>) {
  count_params<Args...>(e);
  e.invoke = [f = std::move(f)](hub_call& call, array& args, std::vector<incoming_stream<value>>& streams,
                                stream_writer*) mutable {
    arg_cursor cur{args, streams};
    return call_bound<F, R, Args...>(f, cur, call);
  };
  return e;
}

// R(hub_call&, Args...) or R(Args...)
template <class F, class R, class... Params>
method_entry bind_method(std::string name, F f, type_list<Params...>) {
  method_entry e;
  e.name = std::move(name);
  if constexpr (is_call_param<typename first_param<Params...>::type>) {
    return bind_method_with_call<F, R>(std::move(e), std::move(f), type_list<Params...>{});
  } else {
    count_params<Params...>(e);
    e.invoke = [f = std::move(f)](hub_call&, array& args, std::vector<incoming_stream<value>>& streams,
                                  stream_writer*) mutable {
      arg_cursor cur{args, streams};
      return call_bound<F, R, Params...>(f, cur);
    };
    return e;
  }
}

template <class F, class R, class Writer, class... Args>
method_entry bind_stream_with_call(method_entry e, F f, type_list<Writer, Args...>) {
  static_assert(is_writer_param<Writer>, "a stream method's second parameter must be `actorhub::stream_writer`");
  count_params<Args...>(e);
  e.invoke = [f = std::move(f)](hub_call& call, array& args, std::vector<incoming_stream<value>>& streams,
                                stream_writer* writer) mutable {
    arg_cursor cur{args, streams};
    return call_bound<F, R, Args...>(f, cur, call, *writer);
  };
  return e;
}

template <class F, class R, class First, class... Rest>
method_entry bind_stream_params(method_entry e, F f, type_list<First, Rest...>) {
  if constexpr (is_call_param<First>) {
    return bind_stream_with_call<F, R>(std::move(e), std::move(f), type_list<Rest...>{});
  } else {
    static_assert(is_writer_param<First>,
                  "a stream method's parameters start with `stream_writer` (or `hub_call&, stream_writer`)");
    count_params<Rest...>(e);
    e.invoke = [f = std::move(f)](hub_call&, array& args, std::vector<incoming_stream<value>>& streams,
                                  stream_writer* writer) mutable {
      arg_cursor cur{args, streams};
      return call_bound<F, R, Rest...>(f, cur, *writer);
    };
    return e;
  }
}

// void(hub_call&, stream_writer, Args...) or void(stream_writer, Args...)
template <class F, class R, class... Params>
method_entry bind_stream(std::string name, F f, type_list<Params...>) {
  static_assert(std::is_void_v<R>, "a stream method returns void; it ends the stream through its stream_writer");
  static_assert(sizeof...(Params) > 0, "a stream method takes a stream_writer");
  method_entry e;
  e.name = std::move(name);
  e.streaming = true;
  return bind_stream_params<F, R>(std::move(e), std::move(f), type_list<Params...>{});
}

}  // namespace actorhub::detail
