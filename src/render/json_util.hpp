#pragma once
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "util/json_text.hpp"

namespace ms {

using Json = nlohmann::ordered_json;

// Text where no sibling field can carry its bytes (array elements, keys): valid UTF-8, each invalid
// byte as U+FFFD. Fields of an object use put_text (util/json_text.hpp), which keeps the bytes.
Json jstr(std::string_view s);
Json jstr(const std::string& s);
Json jstr(const char* s);
Json jstr_opt(const std::optional<std::string>& s);
template <class T>
Json jopt(const std::optional<T>& v) {
  return v ? Json(*v) : Json(nullptr);
}
// One place that turns JSON into text: pretty when indent >= 0.
std::string dump_json(const Json& j, int indent = 2);

}  // namespace ms
