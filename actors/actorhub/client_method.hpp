// A method the clients implement, with its parameter types (and, for client results, its return type): the
// typed counterpart of ASP.NET Core's Hub<T> client interface. Declare a client's methods once and sends are
// checked by the compiler:
//
//   struct chat_client {
//     static constexpr actorhub::client_method<void(std::string, std::string)> receive_message{"ReceiveMessage"};
//     static constexpr actorhub::client_method<int(std::string)> confirm{"Confirm"};
//   };
//   c.clients().all().send(chat_client::receive_message, name, text);   // two strings, or it does not compile
//   c.clients().client(id).invoke(chat_client::confirm, [](actorhub::result<int> r) { ... }, "sure?");
#pragma once

namespace actorhub {

template <class Signature>
struct client_method;

template <class R, class... Args>
struct client_method<R(Args...)> {
  constexpr explicit client_method(const char* method_name) : name(method_name) {}
  const char* name;
};

}  // namespace actorhub
