// `explain PID --at` after a process's death: the last recorded state, with how it ended.
#include "render/recorded_explain.hpp"

#include <gtest/gtest.h>

using namespace ms;

namespace {

store::ExitedProcess killed_hog() {
  store::ExitedProcess x;
  Snapshot& s = x.moment.snapshot;
  s.time = 1800000103;
  s.boot_time = 1800000000;
  Cgroup c;
  c.path = "/uxtest";
  c.limit_known = true;
  c.limit_bytes = 200ull << 20;
  s.cgroups = {c};
  Process p;
  p.pid = 9;
  p.ppid = 1;
  p.comm = "hog";
  p.cmdline = {"python3", "hog.py"};
  p.rss_bytes = 150ull << 20;
  p.memory_cgroup = "/uxtest";
  s.processes = {p};
  Owner o;
  o.kind = OwnerKind::kCgroup;
  o.cgroup = "/uxtest";
  x.moment.process_owners = {o};
  x.moment.process_provenance = {R"({"ancestry":[{"pid":1,"comm":"systemd"}]})"};
  x.moment.process_first_seen = {1800000101};
  x.index = 0;
  x.last_read = 1800000103;
  store::RecordedExit e;
  e.time = 1800000105;
  e.reason = "Memory cgroup out of memory";
  e.scope = "memcg";
  e.memcg = "/uxtest";
  e.limit_bytes = 200ull << 20;
  e.usage_bytes = 200ull << 20;
  e.rss_bytes = 206ll << 20;
  x.exit = e;
  return x;
}

}  // namespace

TEST(RecordedExplain, AVictimAfterItsDeathSaysHowItEnded) {
  auto x = killed_hog();
  std::string text = render_exited_text(x);
  EXPECT_EQ(
      text.rfind("EXITED   OOM-killed by the kernel at 2027-01-15T08:01:45Z (Memory cgroup out of memory: /uxtest at "
                 "its limit of 200Mi (usage 200Mi)), holding 206Mi\n",
                 0),
      0u)
      << text;
  EXPECT_NE(text.find("as read at 2027-01-15T08:01:43Z"), std::string::npos) << text;
  EXPECT_NE(text.find("PID 9 (hog)"), std::string::npos) << text;
  EXPECT_NE(text.find("OWNER    /uxtest [cgroup]"), std::string::npos) << text;
  EXPECT_NE(text.find("effective limit 200Mi by /uxtest"), std::string::npos) << text;
  Json j = exited_to_json(x);
  EXPECT_EQ(j["exit"]["killed_by"], "oom-killer");
  EXPECT_EQ(j["exit"]["limit_bytes"], 200ull << 20);
  EXPECT_EQ(j["last_read"], "2027-01-15T08:01:43Z");
  EXPECT_EQ(j["pid"], 9);
}

// On a terminal the dead process's story fits its width like everything else (was one long line).
TEST(RecordedExplain, AVictimAfterItsDeathFitsTheTerminal) {
  auto x = killed_hog();
  TextLayout narrow;
  narrow.width = 60;
  std::string text = render_exited_text(x, narrow);
  size_t start = 0, lines = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    std::string_view line(text.data() + start, end - start);
    EXPECT_LE(display_width(line), 60u) << "'" << line << "'";
    start = end + 1;
    ++lines;
  }
  EXPECT_GT(lines, 8u);
  EXPECT_EQ(text.rfind("EXITED   OOM-killed by the kernel at 2027-01-15T08:01:45Z", 0), 0u) << text;
  EXPECT_NE(text.find("\n         "), std::string::npos) << "continuation lines are indented: " << text;
}
