// Static files (see static_files.hpp).
#include "net/transport/static_files.hpp"

#include <fstream>
#include <iterator>
#include <system_error>

#include "net/transport/http_util.hpp"

namespace actorhub::transport {

namespace fs = std::filesystem;

namespace {

constexpr std::uintmax_t max_static_file = 64ull * 1024 * 1024;

http_response not_found() {
  http_response r;
  r.status = 404;
  r.body = "Not Found";
  return r;
}

// Every segment must be a plain name: no "..", no ".", no backslashes or NULs, no drive-like names.
bool safe_relative(std::string_view rel, fs::path& out) {
  while (!rel.empty()) {
    auto slash = rel.find('/');
    std::string_view seg = rel.substr(0, slash);
    rel = slash == std::string_view::npos ? std::string_view{} : rel.substr(slash + 1);
    if (seg.empty()) continue;
    if (seg == "." || seg == "..") return false;
    if (seg.find('\\') != std::string_view::npos || seg.find('\0') != std::string_view::npos ||
        seg.find(':') != std::string_view::npos)
      return false;
    out /= std::string(seg);
  }
  return true;
}

}  // namespace

std::string_view content_type_for(const fs::path& file) noexcept {
  std::string ext = to_lower(file.extension().string());
  if (ext == ".html" || ext == ".htm") return "text/html; charset=utf-8";
  if (ext == ".js" || ext == ".mjs") return "text/javascript; charset=utf-8";
  if (ext == ".css") return "text/css; charset=utf-8";
  if (ext == ".json" || ext == ".map") return "application/json";
  if (ext == ".png") return "image/png";
  if (ext == ".svg") return "image/svg+xml";
  if (ext == ".ico") return "image/x-icon";
  if (ext == ".jpg" || ext == ".jpeg") return "image/jpeg";
  if (ext == ".gif") return "image/gif";
  if (ext == ".wasm") return "application/wasm";
  if (ext == ".woff2") return "font/woff2";
  if (ext == ".txt") return "text/plain; charset=utf-8";
  return "application/octet-stream";
}

std::optional<http_response> serve_static_file(std::string_view prefix, const fs::path& dir, std::string_view path) {
  if (path.substr(0, prefix.size()) != prefix) return std::nullopt;
  std::string_view rel = path.substr(prefix.size());
  // "/static" must not match "/staticfoo": the prefix ends at a segment boundary.
  if (!prefix.empty() && prefix.back() != '/' && !rel.empty() && rel.front() != '/') return std::nullopt;
  fs::path relative;
  if (!safe_relative(rel, relative)) return not_found();
  std::error_code ec;
  fs::path root = fs::canonical(dir, ec);
  if (ec) return not_found();
  fs::path file = root / relative;
  if (fs::is_directory(file, ec)) file /= "index.html";
  fs::path real = fs::canonical(file, ec);
  if (ec) return not_found();
  // Symlinks must not lead out of the directory either.
  auto r = real.lexically_relative(root);
  if (r.empty() || *r.begin() == "..") return not_found();
  if (!fs::is_regular_file(real, ec) || fs::file_size(real, ec) > max_static_file) return not_found();
  std::ifstream in(real, std::ios::binary);
  if (!in) return not_found();
  http_response res;
  res.status = 200;
  res.content_type = std::string(content_type_for(real));
  res.body.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  return res;
}

}  // namespace actorhub::transport
