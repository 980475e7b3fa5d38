// libFuzzer target: every byte string is a systemd unit file (sections, continuation lines, quoting,
// comments), read as a timer and as a service, and merged as its own drop-in.
#include "attribution/systemd_units.hpp"
#include "fuzz_input.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto unit = ms::parse_unit_file(ms::fuzz::text(data, size), "/etc/systemd/system/fuzz.timer");
  if (!unit) return 0;
  (void)unit->get("Timer", "OnCalendar");
  (void)unit->get_all("Timer", "OnCalendar");
  (void)unit->get_all("Service", "ExecStart");
  (void)unit->get("Unit", "Description");
  auto copy = *unit;
  copy.merge(*unit);
  (void)copy.get_all("Service", "ExecStart");
  return 0;
}
