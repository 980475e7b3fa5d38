// libFuzzer target: every byte string is an /etc/passwd; malformed lines are skipped, the rest named.
#include "attribution/passwd.hpp"
#include "fuzz_input.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto users = ms::UserNames::parse(ms::fuzz::text(data, size));
  for (uint32_t uid : {0u, 1u, 33u, 65534u, 1000u, 4294967295u}) (void)users.name(uid);
  return 0;
}
