// libFuzzer target: every byte string is a system crontab (/etc/crontab, /etc/cron.d/*), a user
// crontab, an anacrontab, and a shell command line as cron hands it to sh -c.
#include "fuzz_input.hpp"
#include "provenance/crontab.hpp"
#include "provenance/shell_words.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto t = ms::fuzz::text(data, size);
  for (auto flavor : {ms::CrontabFlavor::kSystem, ms::CrontabFlavor::kUser}) {
    auto tab = ms::parse_crontab(t, flavor, "/etc/cron.d/fuzz");
    for (const auto& e : tab.entries) {
      (void)ms::describe_cron_schedule(e.schedule);
      auto words = ms::shell_words(e.command);
      (void)ms::is_test_or_assignment(words);
      for (const auto& w : words) (void)ms::word_basename(w);
    }
  }
  auto ana = ms::parse_anacrontab(t, "/etc/anacrontab");
  for (const auto& j : ana.jobs) (void)ms::describe_anacron_schedule(j, ana);
  (void)ms::describe_cron_schedule(t.substr(0, 128));
  return 0;
}
