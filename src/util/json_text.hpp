#pragma once
// Text from the node (process names, command lines, paths, pod names) in JSON, one scheme for what
// memsleuth prints and what it stores (docs/json.md "Text fields"):
//   - valid UTF-8 is written as it is (a literal backslash stays one backslash);
//   - text that is not valid UTF-8 is written with U+FFFD in place of each invalid byte, and a
//     sibling field `<name>_b64` holds the exact bytes in base64 (RFC 4648). A reader that wants the
//     bytes takes `_b64` when it is there, else the text.
// So byte 0xff and the four characters `\xff` never look alike, and every value round-trips.
// Long text (command lines) is cut at a fixed size with `<name>_truncated: true` and `<name>_bytes`
// (the whole size).
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ms {

// Most bytes of one text field (or one command line, all arguments together) in JSON.
inline constexpr size_t kMaxJsonTextBytes = 64 * 1024;

bool valid_utf8(std::string_view s);
// Each byte that is not part of a valid UTF-8 sequence becomes U+FFFD.
std::string utf8_lossy(std::string_view s);
std::string base64_encode(std::string_view bytes);
// nullopt on anything that is not canonical padded base64.
std::optional<std::string> base64_decode(std::string_view text);
// The longest prefix of s of at most max_bytes that does not split a UTF-8 sequence.
std::string_view utf8_prefix(std::string_view s, size_t max_bytes);

// obj[key] = the text; obj[key + "_b64"] = the bytes when they are not valid UTF-8.
template <class J>
void put_text(J& obj, const std::string& key, std::string_view raw) {
  if (valid_utf8(raw)) {
    obj[key] = std::string(raw);
    return;
  }
  obj[key] = utf8_lossy(raw);
  obj[key + "_b64"] = base64_encode(raw);
}

// null when absent.
template <class J>
void put_text_opt(J& obj, const std::string& key, const std::optional<std::string>& raw) {
  if (raw)
    put_text(obj, key, std::string_view(*raw));
  else
    obj[key] = nullptr;
}

// At most max_bytes of raw; when cut, `_truncated: true` and `_bytes` (the whole size).
template <class J>
void put_text_capped(J& obj, const std::string& key, std::string_view raw, size_t max_bytes = kMaxJsonTextBytes) {
  if (raw.size() <= max_bytes) return put_text(obj, key, raw);
  put_text(obj, key, utf8_prefix(raw, max_bytes));
  obj[key + "_truncated"] = true;
  obj[key + "_bytes"] = raw.size();
}

// An array of texts (argv): `_b64` is an array of the same length when any element is not valid
// UTF-8. Joined with one separator byte, the elements keep at most max_bytes (later arguments
// dropped, the last one kept cut); when cut, `_truncated: true` and `_bytes` (the joined size).
inline size_t joined_size(const std::vector<std::string>& v) {
  size_t n = 0;
  for (size_t i = 0; i < v.size(); ++i) n += v[i].size() + (i ? 1 : 0);
  return n;
}

template <class J>
void put_texts(J& obj, const std::string& key, const std::vector<std::string>& v,
               size_t max_bytes = kMaxJsonTextBytes) {
  const size_t joined = joined_size(v);
  std::vector<std::string_view> kept;
  if (joined <= max_bytes) {
    kept.assign(v.begin(), v.end());
  } else {
    size_t used = 0;
    for (const auto& s : v) {
      size_t sep = kept.empty() ? 0 : 1;
      if (used + sep >= max_bytes) break;
      std::string_view part = utf8_prefix(s, max_bytes - used - sep);
      kept.push_back(part);
      used += sep + part.size();
      if (part.size() < s.size()) break;
    }
  }
  J a = J::array(), b = J::array();
  bool any_invalid = false;
  for (auto s : kept) {
    bool ok = valid_utf8(s);
    any_invalid = any_invalid || !ok;
    a.push_back(ok ? std::string(s) : utf8_lossy(s));
    b.push_back(base64_encode(s));
  }
  obj[key] = std::move(a);
  if (any_invalid) obj[key + "_b64"] = std::move(b);
  if (joined > max_bytes) {
    obj[key + "_truncated"] = true;
    obj[key + "_bytes"] = joined;
  }
}

// The bytes put_text wrote: `_b64` decoded when present and valid, else the text; nullopt when the
// field is absent or not a string.
template <class J>
std::optional<std::string> get_text(const J& obj, const std::string& key) {
  if (!obj.is_object()) return std::nullopt;
  if (auto b = obj.find(key + "_b64"); b != obj.end() && b->is_string())
    if (auto raw = base64_decode(b->template get_ref<const std::string&>())) return raw;
  auto it = obj.find(key);
  if (it == obj.end() || !it->is_string()) return std::nullopt;
  return it->template get<std::string>();
}

}  // namespace ms
