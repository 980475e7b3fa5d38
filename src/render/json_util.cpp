#include "render/json_util.hpp"

#include "util/escape.hpp"

namespace ms {

Json jstr(std::string_view s) { return Json(utf8_sanitize(s)); }
Json jstr(const std::string& s) { return jstr(std::string_view(s)); }
Json jstr(const char* s) { return jstr(std::string_view(s)); }
Json jstr_opt(const std::optional<std::string>& s) { return s ? jstr(*s) : Json(nullptr); }

std::string dump_json(const Json& j, int indent) {
  return j.dump(indent, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace ms
