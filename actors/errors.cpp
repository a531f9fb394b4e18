// Error texts of failed invocations; they follow ASP.NET Core SignalR's ErrorMessageHelper word for word.
#include <actorhub/errors.hpp>

namespace actorhub::error_text {

namespace {

std::string unexpected(const std::string& method) {
  return "An unexpected error occurred invoking '" + method + "' on the server.";
}

}  // namespace

std::string failed_to_invoke(const std::string& method, const std::string& type, const std::string& detail,
                             bool show_detail) {
  auto s = "Failed to invoke '" + method + "' due to an error on the server.";
  if (show_detail) s += " " + type + ": " + detail;
  return s;
}

std::string method_does_not_exist(const std::string& method) {
  // HubException: always shown.
  return failed_to_invoke(method, "HubException", "Method does not exist.", true);
}

std::string streaming_with_invocation(const std::string& method) {
  return "The client attempted to invoke the streaming '" + method + "' method with a non-streaming invocation.";
}

std::string non_streaming_with_stream(const std::string& method) {
  return "The client attempted to invoke the non-streaming '" + method + "' method with a streaming invocation.";
}

std::string hub_error(const std::string& method, const std::string& msg) {
  return unexpected(method) + " HubException: " + msg;
}

std::string from_exception(const std::string& method, std::exception_ptr e, bool detailed) {
  try {
    if (e) std::rethrow_exception(e);
  } catch (const hub_exception& x) {
    return hub_error(method, x.what());
  } catch (const conversion_error& x) {
    return failed_to_invoke(method, "InvalidDataException", x.what(), detailed);
  } catch (const invocation_error& x) {
    if (detailed) return unexpected(method) + " " + x.type() + ": " + x.what();
  } catch (const std::exception& x) {
    if (detailed) return unexpected(method) + " Exception: " + x.what();
  } catch (...) {
    if (detailed) return unexpected(method) + " Exception: unknown error";
  }
  return unexpected(method);
}

std::string closed_with_error(std::exception_ptr e, bool detailed) {
  std::string s = "Connection closed with an error.";
  try {
    if (e) std::rethrow_exception(e);
  } catch (const hub_exception& x) {
    s += std::string(" HubException: ") + x.what();
  } catch (const invocation_error& x) {
    if (detailed) s += " " + x.type() + ": " + x.what();
  } catch (const std::exception& x) {
    if (detailed) s += std::string(" Exception: ") + x.what();
  } catch (...) {
  }
  return s;
}

}  // namespace actorhub::error_text
