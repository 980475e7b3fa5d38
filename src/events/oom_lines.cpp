#include "events/oom_lines.hpp"

#include <algorithm>

#include "util/text.hpp"

namespace ms {

namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// "123kB" / "123KB" / "123" -> 123
std::optional<uint64_t> kb_value(std::string_view v) {
  if (ends_with(v, "kB") || ends_with(v, "KB")) v.remove_suffix(2);
  return parse_u64(v);
}

std::optional<int64_t> leading_int(std::string_view s, size_t* len = nullptr) {
  size_t n = 0;
  if (n < s.size() && s[n] == '-') ++n;
  while (n < s.size() && is_digit(s[n])) ++n;
  if (len) *len = n;
  return parse_i64(s.substr(0, n));
}

}  // namespace

std::optional<OomTrigger> parse_oom_trigger(std::string_view text) {
  static constexpr std::string_view kMark = " invoked oom-killer:";
  size_t at = text.find(kMark);
  if (at == std::string_view::npos) return std::nullopt;
  OomTrigger t;
  t.comm = std::string(text.substr(0, at));  // comm may hold spaces ("CPU 11/KVM")
  for (auto part : split(text.substr(at + kMark.size()), ',')) {
    part = trim(part);
    size_t eq = part.find('=');
    if (eq == std::string_view::npos) continue;
    auto key = part.substr(0, eq), val = part.substr(eq + 1);
    if (key == "gfp_mask") t.gfp_mask = std::string(val);
    else if (key == "order") t.order = parse_i64(val);
    else if (key == "oom_score_adj") t.oom_score_adj = parse_i64(val);
  }
  return t;
}

bool parse_oom_summary(std::string_view text, OomKill& k) {
  static constexpr std::string_view kHead = "oom-kill:";
  size_t h = text.find(kHead);
  if (h == std::string_view::npos) return false;
  std::string_view s = text.substr(h + kHead.size());
  // Values may hold commas (nodemask "0-1,3", cgroup names) and the comm is attacker-controlled, so
  // anchor on the fixed keys in kernel order and parse the task/pid/uid tail from the end.
  auto find_from = [&](std::string_view key, size_t from) { return s.find(key, from); };
  size_t p_constraint = s.rfind("constraint=", 0) == 0 ? 0 : std::string_view::npos;
  size_t p_nodemask = find_from(",nodemask=", 0);
  size_t p_cpuset = find_from(",cpuset=", p_nodemask == std::string_view::npos ? 0 : p_nodemask);
  size_t p_mems = find_from(",mems_allowed=", p_cpuset == std::string_view::npos ? 0 : p_cpuset);
  size_t after_mems = p_mems == std::string_view::npos ? 0 : p_mems;
  size_t p_oom_memcg = find_from(",oom_memcg=", after_mems);
  size_t p_global = find_from(",global_oom", after_mems);
  size_t p_task_memcg = find_from(",task_memcg=", after_mems);
  size_t p_uid = s.rfind(",uid=");
  size_t p_pid = p_uid == std::string_view::npos ? s.rfind(",pid=") : s.rfind(",pid=", p_uid);
  size_t p_task = p_task_memcg == std::string_view::npos ? std::string_view::npos : s.find(",task=", p_task_memcg + 1);
  if (p_task == std::string_view::npos && p_task_memcg == std::string_view::npos) p_task = s.find(",task=");
  // Each value ends where the next anchor that exists begins.
  std::vector<size_t> starts = {p_constraint, p_nodemask, p_cpuset, p_mems, p_oom_memcg, p_global, p_task_memcg, p_task, p_pid, p_uid};
  auto value = [&](size_t pos, size_t key_len) -> std::optional<std::string> {
    if (pos == std::string_view::npos) return std::nullopt;
    size_t begin = pos + key_len;
    size_t end = s.size();
    for (size_t st : starts)
      if (st != std::string_view::npos && st > pos && st < end) end = st;
    if (begin > end) return std::nullopt;
    return std::string(s.substr(begin, end - begin));
  };
  k.constraint = value(p_constraint, 11);
  k.nodemask = value(p_nodemask, 10);
  k.cpuset = value(p_cpuset, 8);
  k.mems_allowed = value(p_mems, 14);
  if (auto v = value(p_oom_memcg, 11)) k.oom_memcg = v;
  if (p_global != std::string_view::npos) k.global_oom_marker = true;
  if (auto v = value(p_task_memcg, 12)) k.task_memcg = v;
  if (auto v = value(p_task, 6)) k.victim.comm = v;
  if (auto v = value(p_pid, 5)) k.victim.pid = parse_i64(*v);
  if (auto v = value(p_uid, 5)) k.victim.uid = parse_i64(trim(*v));
  return true;
}

std::optional<KillLine> parse_kill_line(std::string_view text) {
  size_t at = std::string_view::npos, mark_len = 0;
  bool selected = false;
  for (auto [mark, sel] : {std::pair<std::string_view, bool>{"Killed process ", false}, {"Kill process ", true},
                           {"kill process ", true}}) {
    size_t p = text.find(mark);
    if (p != std::string_view::npos && (p == 0 || text[p - 1] == ' ')) {
      at = p;
      mark_len = mark.size();
      selected = sel;
      break;
    }
  }
  if (at == std::string_view::npos) return std::nullopt;
  KillLine k;
  k.selected = selected;
  std::string_view reason = trim(text.substr(0, at));
  if (ends_with(reason, ":")) reason.remove_suffix(1);
  if (!reason.empty()) k.reason = std::string(reason);
  std::string_view s = text.substr(at + mark_len);
  size_t n = 0;
  auto pid = leading_int(s, &n);
  if (!pid) return std::nullopt;
  k.victim.pid = pid;
  s.remove_prefix(n);
  // RHEL6: "Killed process 11726, UID 498, (mysqld) total-vm:..."
  if (starts_with(s, ", UID ")) {
    size_t un = 0;
    k.victim.uid = leading_int(s.substr(6), &un);
    s.remove_prefix(6 + un);
    if (starts_with(s, ",")) s.remove_prefix(1);
  }
  if (!starts_with(s, " (")) {
    k.cut = true;
    return k;
  }
  s.remove_prefix(2);
  // The comm may itself hold parentheses ("(resolved)" prints as "((resolved))"): it ends at the last
  // ')' before the first fixed field that follows it.
  size_t limit = s.size();
  for (std::string_view follow : {" total-vm:", ", total-vm:", " score ", ", UID ", ", now "}) {
    size_t f = s.find(follow);
    if (f != std::string_view::npos && f < limit) limit = f;
  }
  size_t close = s.substr(0, limit).rfind(')');
  if (close == std::string_view::npos) {
    k.cut = true;
    return k;
  }
  k.victim.comm = std::string(s.substr(0, close));
  std::string rest(s.substr(close + 1));
  std::replace(rest.begin(), rest.end(), ',', ' ');
  auto toks = split_ws(rest);
  for (size_t i = 0; i < toks.size(); ++i) {
    std::string_view t = toks[i];
    if (t == "UID" && i + 1 < toks.size()) {
      k.victim.uid = parse_i64(toks[++i]);
      continue;
    }
    if (t == "score" && i + 1 < toks.size()) {
      k.score = parse_i64(toks[++i]);
      continue;
    }
    size_t c = t.find(':');
    if (c == std::string_view::npos) continue;
    auto key = t.substr(0, c), val = t.substr(c + 1);
    if (key == "total-vm") k.victim.total_vm_kb = kb_value(val);
    else if (key == "anon-rss") k.victim.anon_rss_kb = kb_value(val);
    else if (key == "file-rss") k.victim.file_rss_kb = kb_value(val);
    else if (key == "shmem-rss") k.victim.shmem_rss_kb = kb_value(val);
    else if (key == "UID") k.victim.uid = parse_i64(val);
    else if (key == "pgtables") k.victim.pgtables_kb = kb_value(val);
    else if (key == "oom_score_adj") k.victim.oom_score_adj = parse_i64(val);
  }
  return k;
}

std::optional<ReaperLine> parse_reaper_line(std::string_view text) {
  static constexpr std::string_view kMark = "oom_reaper: reaped process ";
  size_t at = text.find(kMark);
  if (at == std::string_view::npos) return std::nullopt;
  std::string_view s = text.substr(at + kMark.size());
  size_t n = 0;
  auto pid = leading_int(s, &n);
  if (!pid) return std::nullopt;
  ReaperLine r;
  r.pid = *pid;
  s.remove_prefix(n);
  if (!starts_with(s, " (")) return r;
  s.remove_prefix(2);
  // The comm ends at the last ')' before the fixed ", now " (the last one: a comm may hold it too).
  size_t now = s.rfind(", now ");
  size_t close = s.substr(0, now).rfind(')');
  if (now != std::string_view::npos && close != std::string_view::npos) r.comm = std::string(s.substr(0, close));
  return r;
}

std::optional<std::pair<std::string, std::string>> parse_task_in_line(std::string_view text) {
  static constexpr std::string_view kHead = "Task in ";
  static constexpr std::string_view kMid = " killed as a result of limit of ";
  if (!starts_with(text, kHead)) return std::nullopt;
  size_t mid = text.find(kMid);
  if (mid == std::string_view::npos) return std::nullopt;
  return std::make_pair(std::string(text.substr(kHead.size(), mid - kHead.size())),
                        std::string(text.substr(mid + kMid.size())));
}

std::optional<std::pair<std::string, MemcgCounter>> parse_memcg_counter(std::string_view text) {
  size_t colon = text.find(": usage ");
  if (colon == std::string_view::npos) return std::nullopt;
  std::string_view name = text.substr(0, colon);
  if (name != "memory" && name != "memory+swap" && name != "kmem" && name != "swap") return std::nullopt;
  MemcgCounter c;
  std::string rest(text.substr(colon + 2));
  std::replace(rest.begin(), rest.end(), ',', ' ');
  auto toks = split_ws(rest);
  for (size_t i = 0; i + 1 < toks.size(); i += 2) {
    if (toks[i] == "usage") c.usage_kb = kb_value(toks[i + 1]);
    else if (toks[i] == "limit") c.limit_kb = kb_value(toks[i + 1]);
    else if (toks[i] == "failcnt") c.failcnt = parse_u64(toks[i + 1]);
  }
  return std::make_pair(std::string(name), c);
}

std::optional<MemcgStatsLine> parse_memcg_stats_line(std::string_view text) {
  static constexpr std::string_view kHead = "Memory cgroup stats for ";
  if (!starts_with(text, kHead)) return std::nullopt;
  std::string_view s = text.substr(kHead.size());
  MemcgStatsLine out;
  if (ends_with(s, ":")) {
    out.path = std::string(s.substr(0, s.size() - 1));
    return out;
  }
  size_t sep = s.find(": ");
  if (sep == std::string_view::npos) {
    out.path = std::string(s);
    out.path_cut = true;
    return out;
  }
  out.path = std::string(s.substr(0, sep));
  for (auto tok : split_ws(s.substr(sep + 2))) {
    size_t c = tok.find(':');
    if (c == std::string_view::npos) continue;
    auto v = tok.substr(c + 1);
    bool kb = ends_with(v, "KB") || ends_with(v, "kB");
    auto n = kb_value(v);
    if (!n) continue;  // the line may end mid-value
    if (out.stats.size() < 64) out.stats.emplace_back(std::string(tok.substr(0, c)), kb ? *n * 1024 : *n);
  }
  return out;
}

std::optional<std::pair<std::string, uint64_t>> parse_memcg_stat_kv(std::string_view text) {
  size_t sp = text.find(' ');
  if (sp == std::string_view::npos || sp == 0) return std::nullopt;
  auto key = text.substr(0, sp);
  for (char c : key)
    if (!((c >= 'a' && c <= 'z') || c == '_' || is_digit(c))) return std::nullopt;
  auto v = parse_u64(text.substr(sp + 1));
  if (!v) return std::nullopt;
  return std::make_pair(std::string(key), *v);
}

std::optional<std::vector<std::string>> parse_task_header(std::string_view text) {
  if (!starts_with(text, "[")) return std::nullopt;
  size_t close = text.find(']');
  if (close == std::string_view::npos || trim(text.substr(1, close - 1)) != "pid") return std::nullopt;
  std::vector<std::string> cols;
  for (auto c : split_ws(text.substr(close + 1))) cols.emplace_back(c);
  if (cols.empty() || cols.back() != "name") return std::nullopt;
  return cols;
}

std::optional<OomTask> parse_task_row(std::string_view text, const std::vector<std::string>& columns) {
  if (!starts_with(text, "[")) return std::nullopt;
  size_t close = text.find(']');
  if (close == std::string_view::npos) return std::nullopt;
  auto pid = parse_i64(trim(text.substr(1, close - 1)));
  if (!pid) return std::nullopt;
  // Walk the numbers after the pid, remembering where each token starts so the name (which may
  // hold spaces: "npm start") is the untouched rest of the line.
  std::string_view s = text.substr(close + 1);
  std::vector<std::pair<size_t, std::string_view>> toks;
  size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
    if (i >= s.size()) break;
    size_t b = i;
    while (i < s.size() && s[i] != ' ' && s[i] != '\t') ++i;
    toks.emplace_back(b, s.substr(b, i - b));
  }
  size_t numeric = 0;
  while (numeric < toks.size() && parse_i64(toks[numeric].second)) ++numeric;
  std::vector<std::string> cols = columns;
  if (!cols.empty()) {
    if (cols.back() == "name") cols.pop_back();
  } else {
    // No header seen (the excerpt starts inside the table): infer the era from the count.
    static const std::vector<std::string> k7 = {"uid", "tgid", "total_vm", "rss", "pgtables", "swapents", "oom_score_adj"};
    static const std::vector<std::string> k8 = {"uid", "tgid", "total_vm", "rss", "nr_ptes", "nr_pmds", "swapents", "oom_score_adj"};
    static const std::vector<std::string> k10 = {"uid",       "tgid",     "total_vm",       "rss",      "rss_anon",
                                                 "rss_file",  "rss_shmem", "pgtables_bytes", "swapents", "oom_score_adj"};
    // A numeric name is possible; prefer the widest layout that still leaves a name.
    if (numeric >= 11 || (numeric == 10 && toks.size() > 10)) cols = k10;
    else if (numeric >= 9 || (numeric == 8 && toks.size() > 8)) cols = k8;
    else if (numeric >= 7) cols = k7;
    else return std::nullopt;
  }
  if (numeric < cols.size()) return std::nullopt;  // cut row
  OomTask t;
  t.pid = *pid;
  for (size_t c = 0; c < cols.size(); ++c) {
    std::string_view v = toks[c].second;
    const std::string& name = cols[c];
    auto u = parse_u64(v);
    if (name == "uid") t.uid = parse_i64(v);
    else if (name == "tgid") t.tgid = parse_i64(v);
    else if (name == "total_vm") t.total_vm_pages = u;
    else if (name == "rss") t.rss_pages = u;
    else if (name == "rss_anon") t.rss_anon_pages = u;
    else if (name == "rss_file") t.rss_file_pages = u;
    else if (name == "rss_shmem") t.rss_shmem_pages = u;
    else if (name == "pgtables_bytes") t.pgtables_bytes = u;
    else if (name == "nr_ptes") t.nr_ptes = u;
    else if (name == "swapents") t.swapents = u;
    else if (name == "oom_score_adj") t.oom_score_adj = parse_i64(v);
  }
  if (cols.size() < toks.size()) t.name = std::string(s.substr(toks[cols.size()].first));
  else return std::nullopt;  // no name: the row was cut
  return t;
}

std::optional<int64_t> parse_cpu_pid_line(std::string_view text) {
  if (!starts_with(text, "CPU: ")) return std::nullopt;
  size_t p = text.find(" PID: ");
  if (p == std::string_view::npos) return std::nullopt;
  return leading_int(text.substr(p + 6));
}

std::optional<std::pair<std::string, std::string>> parse_cpuset_line(std::string_view text) {
  size_t c = text.rfind(" cpuset=");
  size_t m = text.rfind(" mems_allowed=");
  if (c == std::string_view::npos || m == std::string_view::npos || m < c) return std::nullopt;
  if (text.find("oom-kill:") != std::string_view::npos) return std::nullopt;
  return std::make_pair(std::string(text.substr(c + 8, m - c - 8)), std::string(text.substr(m + 14)));
}

}  // namespace ms
