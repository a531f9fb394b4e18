// The process log: one line per event on stderr, prefixed with the time (UTC) and "actorhub". Events that can
// repeat (a full file table, a refused peer) are logged once per key, so a flood never floods the log.
#pragma once

#include <string_view>

namespace actorhub::log {

void warning(std::string_view text);
void info(std::string_view text);
// Logs `text` only the first time `key` is seen in this process.
void once(std::string_view key, std::string_view text);

}  // namespace actorhub::log
