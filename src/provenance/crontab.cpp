#include "provenance/crontab.hpp"

#include <array>
#include <cctype>
#include <fmt/format.h>

#include "util/text.hpp"

namespace ms {

namespace {

struct FieldSpec {
  const char* name;
  int lo, hi;
  const char* const* names;  // 3-letter names accepted in place of numbers, index = value - name_base
  int name_base;
  int name_count;
};

constexpr const char* kMonths[] = {"jan", "feb", "mar", "apr", "may", "jun",
                                   "jul", "aug", "sep", "oct", "nov", "dec"};
constexpr const char* kDays[] = {"sun", "mon", "tue", "wed", "thu", "fri", "sat"};

constexpr std::array<FieldSpec, 5> kFields{{
    {"minute", 0, 59, nullptr, 0, 0},
    {"hour", 0, 23, nullptr, 0, 0},
    {"day-of-month", 1, 31, nullptr, 0, 0},
    {"month", 1, 12, kMonths, 1, 12},
    {"day-of-week", 0, 7, kDays, 0, 7},
}};

// The @keywords of vixie cron (Debian) and cronie.
constexpr std::array<std::string_view, 8> kKeywords{"@reboot", "@yearly",  "@annually", "@monthly",
                                                    "@weekly", "@daily",   "@midnight", "@hourly"};

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::optional<int> field_value(std::string_view v, const FieldSpec& f) {
  if (auto n = parse_u64(v)) return *n <= 1000 ? std::optional<int>(static_cast<int>(*n)) : std::nullopt;
  if (f.names && v.size() == 3) {
    std::string l = lower(v);
    for (int i = 0; i < f.name_count; ++i)
      if (l == f.names[i]) return i + f.name_base;
  }
  return std::nullopt;
}

// One comma-separated item: "*", "*/5", "1-5", "1-10/2", "mon", "~" (cronie random).
bool valid_item(std::string_view item, const FieldSpec& f) {
  if (item.empty()) return false;
  std::string_view range = item, step;
  if (auto slash = item.find('/'); slash != std::string_view::npos) {
    range = item.substr(0, slash);
    step = item.substr(slash + 1);
    auto s = parse_u64(step);
    if (!s || *s == 0) return false;
  }
  if (range == "*" || range == "~") return true;
  auto dash = range.find('-');
  auto in = [&](std::optional<int> v) { return v && *v >= f.lo && *v <= f.hi; };
  if (dash == std::string_view::npos) return in(field_value(range, f));
  return in(field_value(range.substr(0, dash), f)) && in(field_value(range.substr(dash + 1), f));
}

bool valid_field(std::string_view field, const FieldSpec& f) {
  for (auto item : split(field, ','))
    if (!valid_item(item, f)) return false;
  return true;
}

// Splits off the next whitespace-delimited token; rest keeps its inner spacing.
std::string_view next_token(std::string_view& rest) {
  size_t b = 0;
  while (b < rest.size() && (rest[b] == ' ' || rest[b] == '\t')) ++b;
  size_t e = b;
  while (e < rest.size() && rest[e] != ' ' && rest[e] != '\t') ++e;
  std::string_view tok = rest.substr(b, e - b);
  rest.remove_prefix(e);
  return tok;
}

// cron turns the first unescaped % into the end of the command (the rest is stdin) and \% into %.
std::string cron_command(std::string_view rest) {
  std::string out;
  for (size_t i = 0; i < rest.size(); ++i) {
    if (rest[i] == '\\' && i + 1 < rest.size() && rest[i + 1] == '%') {
      out += '%';
      ++i;
    } else if (rest[i] == '%') {
      break;
    } else {
      out += rest[i];
    }
  }
  return std::string(trim(out));
}

// NAME=value or NAME = "value"; cron strips one level of matching quotes.
std::optional<EnvAssignment> parse_env(std::string_view line, int n) {
  auto eq = line.find('=');
  if (eq == std::string_view::npos) return std::nullopt;
  std::string_view name = trim(line.substr(0, eq));
  if (name.empty() || name.find_first_of(" \t") != std::string_view::npos) return std::nullopt;
  std::string_view value = trim(line.substr(eq + 1));
  if (value.size() >= 2 && (value.front() == '"' || value.front() == '\'') && value.back() == value.front())
    value = value.substr(1, value.size() - 2);
  return EnvAssignment{n, std::string(name), std::string(value)};
}

bool starts_entry(char c) { return std::isdigit(static_cast<unsigned char>(c)) || c == '*' || c == '@'; }

}  // namespace

Crontab parse_crontab(std::string_view text, CrontabFlavor flavor, std::string_view path) {
  Crontab tab;
  for_each_line(text, [&](std::string_view raw, int n) {
    if (!raw.empty() && raw.back() == '\r') raw.remove_suffix(1);
    std::string_view line = trim(raw);
    if (line.empty() || line.front() == '#') return;
    auto bad = [&](std::string msg) { tab.problems.push_back(Error::malformed(std::string(path), n, std::move(msg))); };
    if (!starts_entry(line.front())) {
      if (auto env = parse_env(line, n)) tab.env.push_back(std::move(*env));
      else bad(fmt::format("neither a schedule nor NAME=value: '{}'", line.substr(0, 60)));
      return;
    }
    CronEntry e;
    e.line = n;
    e.raw = std::string(line);
    std::string_view rest = line;
    if (line.front() == '@') {
      std::string kw = lower(next_token(rest));
      bool known = false;
      for (auto k : kKeywords) known = known || kw == k;
      if (!known) return bad(fmt::format("unknown schedule keyword '{}'", kw));
      e.schedule = kw;
    } else {
      for (const auto& f : kFields) {
        std::string_view tok = next_token(rest);
        if (tok.empty()) return bad(fmt::format("line ends before the {} field", f.name));
        if (!valid_field(tok, f)) return bad(fmt::format("bad {} field '{}'", f.name, tok));
        if (!e.schedule.empty()) e.schedule += ' ';
        e.schedule += tok;
      }
    }
    if (flavor == CrontabFlavor::kSystem) {
      std::string_view user = next_token(rest);
      if (user.empty()) return bad("no user field (system crontabs name the user after the schedule)");
      e.user = std::string(user);
    }
    e.command = cron_command(rest);
    if (e.command.empty()) return bad("no command");
    tab.entries.push_back(std::move(e));
  });
  return tab;
}

Anacrontab parse_anacrontab(std::string_view text, std::string_view path) {
  Anacrontab tab;
  for_each_line(text, [&](std::string_view raw, int n) {
    if (!raw.empty() && raw.back() == '\r') raw.remove_suffix(1);
    std::string_view line = trim(raw);
    if (line.empty() || line.front() == '#') return;
    auto bad = [&](std::string msg) { tab.problems.push_back(Error::malformed(std::string(path), n, std::move(msg))); };
    if (!starts_entry(line.front())) {
      if (auto env = parse_env(line, n)) tab.env.push_back(std::move(*env));
      else bad(fmt::format("neither a job nor NAME=value: '{}'", line.substr(0, 60)));
      return;
    }
    AnacronJob j;
    j.line = n;
    j.raw = std::string(line);
    std::string_view rest = line;
    j.period = std::string(next_token(rest));
    if (j.period == "@daily") j.period_days = 1;
    else if (j.period == "@weekly") j.period_days = 7;
    else if (j.period == "@monthly") j.period_days = 30;
    else if (j.period == "@yearly" || j.period == "@annually") j.period_days = 365;
    else if (auto d = parse_u64(j.period); d && *d > 0 && *d < 100000) j.period_days = static_cast<int>(*d);
    else return bad(fmt::format("bad period '{}'", j.period));
    std::string_view delay = next_token(rest);
    auto dv = parse_u64(delay);
    if (!dv || *dv > 100000) return bad(fmt::format("bad delay '{}'", delay));
    j.delay_minutes = static_cast<int>(*dv);
    j.job_id = std::string(next_token(rest));
    if (j.job_id.empty()) return bad("no job identifier");
    if (j.job_id.find('/') != std::string::npos) return bad(fmt::format("job identifier '{}' contains '/'", j.job_id));
    j.command = std::string(trim(rest));
    if (j.command.empty()) return bad("no command");
    tab.jobs.push_back(std::move(j));
  });
  return tab;
}

std::string describe_cron_schedule(std::string_view schedule) {
  if (schedule == "@daily" || schedule == "@midnight") return "daily at 00:00";
  if (schedule == "@hourly") return "hourly at minute 0";
  if (schedule == "@weekly") return "weekly, Sunday 00:00";
  if (schedule == "@monthly") return "monthly, day 1 00:00";
  if (schedule == "@yearly" || schedule == "@annually") return "yearly, Jan 1 00:00";
  if (schedule == "@reboot") return "at boot";
  auto f = split_ws(schedule);
  if (f.size() != 5) return std::string(schedule);
  auto m = parse_u64(f[0]), h = parse_u64(f[1]);
  bool every_day = f[2] == "*" && f[3] == "*" && f[4] == "*";
  if (m && h && every_day) return fmt::format("daily at {:02}:{:02}", *h, *m);
  if (m && f[1] == "*" && every_day) return fmt::format("hourly at minute {}", *m);
  if (m && h && f[2] == "*" && f[3] == "*") return fmt::format("{:02}:{:02} on day-of-week {}", *h, *m, f[4]);
  if (m && h && f[3] == "*" && f[4] == "*") return fmt::format("{:02}:{:02} on day {} of the month", *h, *m, f[2]);
  return std::string(schedule);
}

std::string describe_anacron_schedule(const AnacronJob& job, const Anacrontab& tab) {
  std::string every = job.period_days ? (*job.period_days == 1 ? std::string("every day")
                                                               : fmt::format("every {} days", *job.period_days))
                                      : job.period;
  std::string s = fmt::format("anacron: {}, {} min after anacron starts", every, job.delay_minutes);
  for (const auto& e : tab.env) {
    if (e.name == "START_HOURS_RANGE") s += fmt::format(", only between hours {}", e.value);
    if (e.name == "RANDOM_DELAY") s += fmt::format(", plus up to {} min random delay", e.value);
  }
  return s;
}

}  // namespace ms
