#include <gtest/gtest.h>

#include <cstdlib>
#include <ctime>

#include "util/time_input.hpp"

using namespace ms;

namespace {
constexpr int64_t kNow = 1795780800LL * 1000000;  // 2026-11-27T12:00:00Z
}

TEST(TimeInput, Rfc3339) {
  EXPECT_EQ(*parse_time_input("2026-11-27T02:10:00Z", kNow), 1795745400LL * 1000000);
  EXPECT_EQ(*parse_time_input("2026-11-27T03:10:00+01:00", kNow), 1795745400LL * 1000000);
  EXPECT_EQ(*parse_time_input("2026-11-27T02:10:00.5Z", kNow), 1795745400LL * 1000000 + 500000);
}

TEST(TimeInput, LocalCivil) {
  setenv("TZ", "UTC", 1);
  tzset();
  EXPECT_EQ(*parse_time_input("2026-11-27 02:10", kNow), 1795745400LL * 1000000);
  EXPECT_EQ(*parse_time_input("2026-11-27 02:10:30", kNow), 1795745430LL * 1000000);
}

TEST(TimeInput, Relative) {
  EXPECT_EQ(*parse_time_input("-2h", kNow), kNow - 7200LL * 1000000);
  EXPECT_EQ(*parse_time_input("90m", kNow), kNow - 5400LL * 1000000);
  EXPECT_EQ(*parse_time_input("-1d12h", kNow), kNow - 129600LL * 1000000);
  EXPECT_EQ(*parse_time_input("now", kNow), kNow);
}

TEST(TimeInput, UnixSeconds) {
  EXPECT_EQ(*parse_time_input("@1795745400", kNow), 1795745400LL * 1000000);
  EXPECT_EQ(*parse_time_input("@0", kNow), 0);
}

TEST(TimeInput, Rejects) {
  for (const char* bad : {"", "@", "@12x", "@-5", "@1234567890123", "yesterday", "2026-13-01T00:00:00Z", "-2x", "2026-11-27T02:10:00+1", "h"})
    EXPECT_FALSE(parse_time_input(bad, kNow)) << bad;
}
