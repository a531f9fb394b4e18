// The hub definition: a name, options, and the method table.
#include <actorhub/hub.hpp>

namespace actorhub {

hub::hub(std::string name, hub_options options) : name_(std::move(name)), options_(options) {}

hub& hub::on_connected(connected_handler f) {
  connected_ = std::move(f);
  return *this;
}

hub& hub::on_disconnected(disconnected_handler f) {
  disconnected_ = std::move(f);
  return *this;
}

const detail::method_entry* hub::find(const std::string& method) const {
  auto i = methods_.find(method);
  return i == methods_.end() ? nullptr : &i->second;
}

void hub::observe_durations(const std::function<std::function<void(double)>(const std::string&)>& make) {
  for (auto& [name, entry] : methods_) entry.observe_duration = make(name);
}

void hub::add(detail::method_entry e) {
  auto i = methods_.find(e.name);
  if (i != methods_.end()) {
    e.index = i->second.index;  // a replaced method keeps its number
    i->second = std::move(e);
    return;
  }
  e.index = methods_.size();
  auto name = e.name;
  methods_.emplace(std::move(name), std::move(e));
}

}  // namespace actorhub
