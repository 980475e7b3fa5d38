#include "events/log_line.hpp"

#include <ctime>
#include <nlohmann/json.hpp>

#include "util/text.hpp"
#include "util/time_input.hpp"

namespace ms {

const char* to_string(LineFormat f) {
  switch (f) {
    case LineFormat::kKmsg: return "kmsg";
    case LineFormat::kDmesg: return "dmesg";
    case LineFormat::kDmesgHuman: return "dmesg-T";
    case LineFormat::kSyslog: return "syslog";
    case LineFormat::kSyslogIso: return "syslog-iso";
    case LineFormat::kJournalJson: return "journal-json";
    case LineFormat::kTalos: return "talos";
    case LineFormat::kVmware: return "vmware";
    case LineFormat::kKlog: return "klog";
    case LineFormat::kPlain: break;
  }
  return "plain";
}

namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }

size_t count_digits(std::string_view s, size_t pos) {
  size_t n = 0;
  while (pos + n < s.size() && is_digit(s[pos + n])) ++n;
  return n;
}

size_t skip_spaces(std::string_view s, size_t pos) {
  while (pos < s.size() && (s[pos] == ' ' || s[pos] == '\t')) ++pos;
  return pos;
}

// Year-less local time (syslog, klog, dmesg without -T year): the latest year that is not in the
// future of the reference (one day of slack for clock skew between hosts).
std::optional<int64_t> yearless_local_us(int mon, int day, int h, int mi, int s, int64_t frac_us, int64_t ref_us) {
  std::time_t ref = static_cast<std::time_t>(ref_us / 1000000);
  std::tm tm{};
  localtime_r(&ref, &tm);
  int year = tm.tm_year + 1900;
  auto t = local_seconds(year, mon, day, h, mi, s);
  if (t && *t > ref + 86400) t = local_seconds(year - 1, mon, day, h, mi, s);
  if (!t) return std::nullopt;
  return *t * 1000000 + frac_us;
}

// "HH:MM:SS[.frac]" at pos; returns end position.
std::optional<size_t> parse_hms(std::string_view s, size_t pos, int& h, int& mi, int& sec, int64_t& frac_us) {
  if (pos + 8 > s.size() || s[pos + 2] != ':' || s[pos + 5] != ':') return std::nullopt;
  auto hh = parse_u64(s.substr(pos, 2)), mm = parse_u64(s.substr(pos + 3, 2)), ss = parse_u64(s.substr(pos + 6, 2));
  if (!hh || !mm || !ss) return std::nullopt;
  h = static_cast<int>(*hh);
  mi = static_cast<int>(*mm);
  sec = static_cast<int>(*ss);
  frac_us = 0;
  size_t p = pos + 8;
  if (p < s.size() && s[p] == '.') {
    ++p;
    int64_t scale = 100000;
    while (p < s.size() && is_digit(s[p])) {
      frac_us += (s[p] - '0') * scale;
      scale /= 10;
      ++p;
    }
  }
  return p;
}

// An ISO 8601 timestamp token at the start of s (up to the first space or ']'): length and value.
std::optional<std::pair<size_t, int64_t>> iso_token(std::string_view s) {
  if (s.size() < 19 || !is_digit(s[0]) || s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != ' ')) return std::nullopt;
  size_t end = 10;
  if (s[10] == ' ') return std::nullopt;  // "YYYY-MM-DD HH:MM" is not a log prefix we know
  while (end < s.size() && s[end] != ' ' && s[end] != ']' && s[end] != '\t') ++end;
  auto us = parse_iso8601_us(s.substr(0, end));
  if (!us) return std::nullopt;
  return std::make_pair(end, *us);
}

// "host ident[pid]: " after a syslog timestamp; sets host/ident and returns the message start.
std::optional<size_t> syslog_host_ident(std::string_view s, size_t pos, LogLine& out) {
  pos = skip_spaces(s, pos);
  size_t host_end = s.find(' ', pos);
  if (host_end == std::string_view::npos || host_end == pos) return std::nullopt;
  size_t id_start = host_end + 1;
  size_t colon = s.find(": ", id_start);
  size_t colon_end = colon == std::string_view::npos ? std::string_view::npos : colon + 2;
  if (colon == std::string_view::npos && !s.empty() && s.back() == ':') {
    colon = s.size() - 1;
    colon_end = s.size();
  }
  if (colon == std::string_view::npos) return std::nullopt;
  std::string_view ident = s.substr(id_start, colon - id_start);
  if (ident.empty() || ident.find(' ') != std::string_view::npos) return std::nullopt;
  size_t br = ident.find('[');
  out.host = std::string(s.substr(pos, host_end - pos));
  out.ident = std::string(br == std::string_view::npos ? ident : ident.substr(0, br));
  return colon_end;
}

bool strip_bsd_syslog(std::string_view& s, LogLine& out, const LineContext& ctx) {
  // "Mmm dd HH:MM:SS[.frac] host ident[pid]: "
  if (s.size() < 16) return false;
  auto mon = month_from_abbrev(s.substr(0, 3));
  if (!mon || s[3] != ' ') return false;
  size_t p = skip_spaces(s, 4);
  size_t nd = count_digits(s, p);
  if (nd == 0 || nd > 2) return false;
  int day = static_cast<int>(*parse_u64(s.substr(p, nd)));
  p += nd;
  if (p >= s.size() || s[p] != ' ') return false;
  int h, mi, sec;
  int64_t frac;
  auto e = parse_hms(s, p + 1, h, mi, sec, frac);
  if (!e) return false;
  LogLine tmp;
  auto msg = syslog_host_ident(s, *e, tmp);
  if (!msg) return false;
  out.format = LineFormat::kSyslog;
  out.host = tmp.host;
  out.ident = tmp.ident;
  out.wall_us = yearless_local_us(*mon, day, h, mi, sec, frac, ctx.reference_us);
  s.remove_prefix(*msg);
  return true;
}

bool strip_iso_syslog(std::string_view& s, LogLine& out) {
  auto tok = iso_token(s);
  if (!tok || tok->first >= s.size() || s[tok->first] != ' ') return false;
  LogLine tmp;
  auto msg = syslog_host_ident(s, tok->first + 1, tmp);
  if (!msg) return false;
  out.format = LineFormat::kSyslogIso;
  out.host = tmp.host;
  out.ident = tmp.ident;
  out.wall_us = tok->second;
  s.remove_prefix(*msg);
  return true;
}

bool strip_vmware(std::string_view& s, LogLine& out) {
  // "2023-12-04T10:49:30.127Z In(05) vcpu-5 - Guest: "
  auto tok = iso_token(s);
  if (!tok) return false;
  size_t g = s.find(" Guest: ", tok->first);
  size_t in = s.find(" In(", tok->first);
  if (g == std::string_view::npos || in != tok->first) return false;
  out.format = LineFormat::kVmware;
  out.wall_us = tok->second;
  s.remove_prefix(g + 8);
  return true;
}

bool strip_talos(std::string_view& s, LogLine& out) {
  // "[<node>: ]kern: <level>: [<iso>]: "
  size_t k = s.find("kern:");
  if (k == std::string_view::npos || k > 64) return false;
  std::optional<std::string> host;
  if (k > 0) {
    if (k < 2 || s.substr(k - 2, 2) != ": ") return false;
    host = std::string(s.substr(0, k - 2));
    if (host->find(' ') != std::string::npos) return false;
  }
  size_t p = skip_spaces(s, k + 5);
  size_t lvl_end = s.find(':', p);
  if (lvl_end == std::string_view::npos) return false;
  p = skip_spaces(s, lvl_end + 1);
  if (p >= s.size() || s[p] != '[') return false;
  auto tok = iso_token(s.substr(p + 1));
  if (!tok || p + 1 + tok->first + 2 > s.size() || s.substr(p + 1 + tok->first, 2) != "]:") return false;
  out.format = LineFormat::kTalos;
  out.host = host;
  out.ident = "kernel";
  out.wall_us = tok->second;
  s.remove_prefix(std::min(s.size(), p + 1 + tok->first + 3));
  return true;
}

bool strip_kmsg(std::string_view& s, LogLine& out) {
  // "pri,seq,usec,flags;" (cat /dev/kmsg)
  size_t semi = s.find(';');
  if (semi == std::string_view::npos || semi > 64) return false;
  auto f = split(s.substr(0, semi), ',');
  if (f.size() < 4) return false;
  auto pri = parse_u64(f[0]);
  auto seq = parse_u64(f[1]);
  auto usec = parse_u64(f[2]);
  if (!pri || !seq || !usec) return false;
  out.format = LineFormat::kKmsg;
  out.level = static_cast<int>(*pri & 7);
  out.uptime_us = *usec;
  out.ident = "kernel";
  s.remove_prefix(semi + 1);
  return true;
}

// Inner kernel prefixes, in any combination: "<6>", "[  123.456789]", "[Thu May  9 14:52:38 2024]".
void strip_kernel_prefixes(std::string_view& s, LogLine& out) {
  for (int round = 0; round < 3; ++round) {
    if (s.size() >= 3 && s[0] == '<' && is_digit(s[1])) {
      size_t close = s.find('>');
      if (close != std::string_view::npos && close <= 4 && count_digits(s, 1) == close - 1) {
        out.level = static_cast<int>(*parse_u64(s.substr(1, close - 1)) & 7);
        s.remove_prefix(close + 1);
        continue;
      }
    }
    if (!s.empty() && s[0] == '[') {
      size_t p = skip_spaces(s, 1);
      size_t nd = count_digits(s, p);
      if (nd > 0 && p + nd < s.size() && s[p + nd] == '.') {
        size_t nf = count_digits(s, p + nd + 1);
        size_t close = p + nd + 1 + nf;
        if (nf > 0 && close < s.size() && s[close] == ']') {
          auto secs = parse_u64(s.substr(p, nd));
          int64_t frac = 0, scale = 100000;
          for (size_t i = 0; i < nf && i < 6; ++i, scale /= 10) frac += (s[p + nd + 1 + i] - '0') * scale;
          if (secs) {
            out.uptime_us = *secs * 1000000 + static_cast<uint64_t>(frac);
            if (out.format == LineFormat::kPlain) out.format = LineFormat::kDmesg;
            s.remove_prefix(close + 1);
            if (!s.empty() && s[0] == ' ') s.remove_prefix(1);
            continue;
          }
        }
      }
      // dmesg -T / --ctime: "[Www Mmm dd HH:MM:SS YYYY]"
      if (s.size() >= 26 && s[4] == ' ' && s[8] == ' ') {
        auto mon = month_from_abbrev(s.substr(5, 3));
        size_t dp = skip_spaces(s, 9);
        size_t nd2 = count_digits(s, dp);
        int h, mi, sec;
        int64_t frac;
        if (mon && nd2 >= 1 && nd2 <= 2) {
          auto e = parse_hms(s, dp + nd2 + 1, h, mi, sec, frac);
          if (e && *e + 6 <= s.size() && s[*e] == ' ' && s[*e + 5] == ']') {
            auto y = parse_u64(s.substr(*e + 1, 4));
            auto day = parse_u64(s.substr(dp, nd2));
            if (y && day) {
              auto t = local_seconds(static_cast<int>(*y), *mon, static_cast<int>(*day), h, mi, sec);
              if (t && !out.wall_us) out.wall_us = *t * 1000000;
              if (out.format == LineFormat::kPlain) out.format = LineFormat::kDmesgHuman;
              s.remove_prefix(*e + 6);
              if (!s.empty() && s[0] == ' ') s.remove_prefix(1);
              continue;
            }
          }
        }
      }
    }
    break;
  }
}

// klog: "Lmmdd hh:mm:ss.uuuuuu threadid file:line] msg"
void strip_klog(std::string_view& s, LogLine& out, const LineContext& ctx) {
  if (s.size() < 22) return;
  char sev = s[0];
  if (sev != 'I' && sev != 'W' && sev != 'E' && sev != 'F') return;
  if (count_digits(s, 1) != 4 || s[5] != ' ') return;
  int h, mi, sec;
  int64_t frac;
  auto e = parse_hms(s, 6, h, mi, sec, frac);
  if (!e) return;
  size_t p = skip_spaces(s, *e);
  size_t nd = count_digits(s, p);
  if (nd == 0) return;
  p = skip_spaces(s, p + nd);
  size_t close = s.find("] ", p);
  size_t sp = s.find(' ', p);
  if (close == std::string_view::npos || (sp != std::string_view::npos && sp < close)) return;
  int mon = static_cast<int>(*parse_u64(s.substr(1, 2)));
  int day = static_cast<int>(*parse_u64(s.substr(3, 2)));
  out.klog = true;
  out.klog_severity = sev;
  if (!out.wall_us) out.wall_us = yearless_local_us(mon, day, h, mi, sec, frac, ctx.reference_us);
  if (out.format == LineFormat::kPlain) out.format = LineFormat::kKlog;
  s.remove_prefix(close + 2);
}

bool parse_journal_json(std::string_view s, LogLine& out, std::string& message) {
  auto j = nlohmann::json::parse(s, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return false;
  auto str = [&](const char* key) -> std::optional<std::string> {
    auto it = j.find(key);
    if (it == j.end() || !it->is_string()) return std::nullopt;
    return it->get<std::string>();
  };
  auto it = j.find("MESSAGE");
  if (it == j.end()) return false;
  if (it->is_string()) {
    message = it->get<std::string>();
  } else if (it->is_array()) {  // journald stores non-UTF-8 messages as a byte array
    for (const auto& b : *it)
      if (b.is_number_unsigned()) message += static_cast<char>(b.get<unsigned>() & 0xff);
  } else {
    return false;
  }
  out.format = LineFormat::kJournalJson;
  if (auto rt = str("__REALTIME_TIMESTAMP")) {
    if (auto v = parse_u64(*rt)) out.wall_us = static_cast<int64_t>(*v);
  }
  if (auto mono = str("_SOURCE_MONOTONIC_TIMESTAMP")) {
    if (auto v = parse_u64(*mono)) out.uptime_us = *v;
  }
  out.host = str("_HOSTNAME");
  out.ident = str("SYSLOG_IDENTIFIER");
  if (!out.ident && str("_TRANSPORT") == std::optional<std::string>("kernel")) out.ident = "kernel";
  if (auto pr = str("PRIORITY")) {
    if (auto v = parse_u64(*pr)) out.level = static_cast<int>(*v & 7);
  }
  return true;
}

}  // namespace

LogLine parse_log_line(std::string_view raw, const LineContext& ctx) {
  LogLine out;
  std::string_view s = raw;
  while (!s.empty() && (s.back() == '\r' || s.back() == '\n' || s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  // Artefacts of lines pasted into issues: "> " quotes, `back-ticks`.
  while (!s.empty() && s[0] == '>') {
    s.remove_prefix(1);
    if (!s.empty() && s[0] == ' ') s.remove_prefix(1);
  }
  if (s.size() >= 2 && s.front() == '`' && s.back() == '`') s = s.substr(1, s.size() - 2);
  else if (!s.empty() && s.front() == '`') s.remove_prefix(1);
  while (!s.empty() && (s[0] == ' ' || s[0] == '\t')) s.remove_prefix(1);

  std::string json_message;
  if (!s.empty() && s[0] == '{' && parse_journal_json(s, out, json_message)) {
    s = json_message;
  } else if (strip_kmsg(s, out) || strip_vmware(s, out) || strip_talos(s, out) || strip_bsd_syslog(s, out, ctx) ||
             strip_iso_syslog(s, out)) {
  }
  strip_kernel_prefixes(s, out);
  strip_klog(s, out, ctx);
  if (!out.wall_us && out.uptime_us && ctx.boot_time_s)
    out.wall_us = *ctx.boot_time_s * 1000000 + static_cast<int64_t>(*out.uptime_us);
  out.text = std::string(s);
  return out;
}

}  // namespace ms
