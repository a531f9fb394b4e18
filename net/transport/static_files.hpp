// Static files under a URL prefix: safe path resolution (no escape from the directory), content types.
#pragma once

#include <filesystem>
#include <optional>
#include <string_view>

#include <actorhub/http_types.hpp>

namespace actorhub::transport {

// The response for `path` (decoded request path) if it lies under `prefix`, else nullopt.
// 404 for missing files and for anything that would leave `dir`.
std::optional<http_response> serve_static_file(std::string_view prefix, const std::filesystem::path& dir,
                                               std::string_view path);

std::string_view content_type_for(const std::filesystem::path& file) noexcept;

}  // namespace actorhub::transport
