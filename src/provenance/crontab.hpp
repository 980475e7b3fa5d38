#pragma once
// Pure parsers for crontab(5) and anacrontab(5) text. cron itself skips a bad line and keeps the
// rest, so these do too: every entry that parses is returned, every line that does not is an Error
// (file and line) in `problems`.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "util/result.hpp"

namespace ms {

// /etc/crontab and /etc/cron.d/* carry a user field after the schedule; per-user crontabs
// (/var/spool/cron/crontabs/<user>, /var/spool/cron/<user>) do not.
enum class CrontabFlavor { kSystem, kUser };

struct EnvAssignment {
  int line = 0;
  std::string name, value;
};

struct CronEntry {
  int line = 0;                     // 1-based line in the file
  std::string schedule;             // "25 6 * * *" (fields joined by one space) or "@daily"
  std::optional<std::string> user;  // system crontabs only
  std::string command;              // what cron hands to `sh -c`: text before the first unescaped %
  std::string raw;                  // the line as written (for "the exact line" in reports)
};

struct Crontab {
  std::vector<CronEntry> entries;
  std::vector<EnvAssignment> env;
  std::vector<Error> problems;  // malformed lines, each naming path and line
};

Crontab parse_crontab(std::string_view text, CrontabFlavor flavor, std::string_view path = "crontab");

struct AnacronJob {
  int line = 0;
  std::string period;  // "1", "7", "@monthly" as written
  std::optional<int> period_days;  // 1, 7, 30 for @monthly; nullopt when unparsable
  int delay_minutes = 0;
  std::string job_id;  // "cron.daily": also the timestamp file under /var/spool/anacron
  std::string command;
  std::string raw;
};

struct Anacrontab {
  std::vector<AnacronJob> jobs;
  std::vector<EnvAssignment> env;  // START_HOURS_RANGE, RANDOM_DELAY, SHELL, PATH ...
  std::vector<Error> problems;
};

Anacrontab parse_anacrontab(std::string_view text, std::string_view path = "anacrontab");

// "25 6 * * *" -> "daily at 06:25"; "@daily" -> "daily at 00:00"; anything else is returned as is.
std::string describe_cron_schedule(std::string_view schedule);
// "anacron: every 1 day, 5 min after anacron starts" (+ START_HOURS_RANGE when set).
std::string describe_anacron_schedule(const AnacronJob& job, const Anacrontab& tab);

}  // namespace ms
