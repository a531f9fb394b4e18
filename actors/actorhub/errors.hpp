// Exceptions a hub method may throw, and how each becomes the error text of a Completion.
#pragma once

#include <exception>
#include <stdexcept>
#include <string>

namespace actorhub {

// Shown to the client in every case (like ASP.NET Core's HubException):
// "An unexpected error occurred invoking 'M' on the server. HubException: <msg>".
class hub_exception : public std::runtime_error {
 public:
  explicit hub_exception(const std::string& msg) : std::runtime_error(msg) {}
};

// An error with an explicit type name. With detailed errors on (hub_options::detailed_errors):
// "An unexpected error occurred invoking 'M' on the server. <type>: <msg>"; otherwise the message is hidden.
class invocation_error : public std::runtime_error {
 public:
  invocation_error(std::string type, const std::string& msg) : std::runtime_error(msg), type_(std::move(type)) {}
  const std::string& type() const noexcept { return type_; }

 private:
  std::string type_;
};

// Thrown by from_value<T> when an argument does not convert: the invocation fails with
// "Failed to invoke 'M' due to an error on the server." (+ " InvalidDataException: ..." with detailed errors).
class conversion_error : public std::runtime_error {
 public:
  explicit conversion_error(const std::string& msg) : std::runtime_error(msg) {}
};

namespace error_text {

// "Failed to invoke 'M' due to an error on the server." plus " <type>: <detail>" when shown.
std::string failed_to_invoke(const std::string& method, const std::string& type, const std::string& detail,
                             bool show_detail);
std::string method_does_not_exist(const std::string& method);
std::string streaming_with_invocation(const std::string& method);      // streaming method, plain Invocation
std::string non_streaming_with_stream(const std::string& method);      // plain method, StreamInvocation
// The Completion error for an exception thrown by (or failing) method `method`.
std::string from_exception(const std::string& method, std::exception_ptr e, bool detailed);
// "An unexpected error occurred invoking 'M' on the server. HubException: <msg>".
std::string hub_error(const std::string& method, const std::string& msg);
// The Close error when on_connected throws: "Connection closed with an error." (+ " <type>: <msg>").
std::string closed_with_error(std::exception_ptr e, bool detailed);

}  // namespace error_text

}  // namespace actorhub
