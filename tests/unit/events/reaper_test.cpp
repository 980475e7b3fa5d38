// A completed kill waits for its "oom_reaper: reaped process" line (events/oom_assembler.hpp):
// offline (whole file), by the log's own clock, and streaming (/dev/kmsg records with tick()).
#include <gtest/gtest.h>

#include <string>

#include "events/event_stream.hpp"
#include "events/oom_lines.hpp"

using namespace ms;

namespace {

constexpr int64_t kRef = 1795780800LL * 1000000;  // 2026-11-27T12:00:00Z
constexpr int64_t kSec = 1'000'000;

LineContext ctx() {
  LineContext c;
  c.reference_us = kRef;
  return c;
}

std::string killed(int pid, const std::string& comm) {
  return "Memory cgroup out of memory: Killed process " + std::to_string(pid) + " (" + comm +
         ") total-vm:1000kB, anon-rss:400kB, file-rss:4kB, shmem-rss:0kB";
}
std::string reaped(int pid, const std::string& comm) {
  return "oom_reaper: reaped process " + std::to_string(pid) + " (" + comm + "), now anon-rss:0kB, file-rss:0kB, shmem-rss:0kB";
}
std::string trigger(const std::string& comm) {
  return comm + " invoked oom-killer: gfp_mask=0xcc0(GFP_KERNEL), order=0, oom_score_adj=0";
}

KmsgRecord rec(uint64_t seq, uint64_t usec, const std::string& text, char flag = '-') {
  KmsgRecord r;
  r.seq = seq;
  r.usec = usec;
  r.text = text;
  r.flag = flag;
  return r;
}

}  // namespace

TEST(ReaperLine, PidAndCommWithParentheses) {
  auto r = parse_reaper_line("oom_reaper: reaped process 15925 ((resolved)), now anon-rss:0kB, file-rss:0kB, shmem-rss:0kB");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->pid, 15925);
  EXPECT_EQ(r->comm, "(resolved)");
  // A comm holding the fixed ", now " still ends at the last one.
  r = parse_reaper_line("oom_reaper: reaped process 7 (a, now b), now anon-rss:0kB");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->comm, "a, now b");
  // Cut before the comm closes: pid only, never a guessed comm.
  r = parse_reaper_line("oom_reaper: reaped process 7 (runc:[2:IN");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->pid, 7);
  EXPECT_FALSE(r->comm);
  EXPECT_FALSE(parse_reaper_line("oom_reaper: reaped process x (a)"));
  EXPECT_FALSE(parse_reaper_line("Killed process 7 (a) total-vm:1kB"));
}

TEST(ReaperHold, ReaperAfterTheNextReportBeganStillMatches) {
  // 5.18+: the reaper runs 2 s after the kill, so a second report may already be under way.
  std::string text = "[100.000000] " + trigger("a") + "\n" + "[100.100000] " + killed(10, "a") + "\n" +
                     "[101.000000] " + trigger("b") + "\n" + "[101.500000] " + killed(20, "b") + "\n" +
                     "[102.100000] " + reaped(10, "a") + "\n" + "[103.500000] " + reaped(20, "b") + "\n";
  auto ev = parse_events(text, ctx());
  ASSERT_EQ(ev.size(), 2u);
  EXPECT_EQ(ev[0].oom.victim.pid, 10);
  EXPECT_TRUE(ev[0].oom.reaped);
  EXPECT_EQ(ev[1].oom.victim.pid, 20);
  EXPECT_TRUE(ev[1].oom.reaped);
  EXPECT_FALSE(ev[0].incomplete);
}

TEST(ReaperHold, OtherPidOrCommDoesNotMatch) {
  std::string text = "[100.000000] " + killed(10, "a") + "\n" +  //
                     "[100.100000] " + reaped(11, "a") + "\n" +  // another pid
                     "[100.200000] " + reaped(10, "b") + "\n";   // the pid reused by another comm
  auto ev = parse_events(text, ctx());
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_FALSE(ev[0].oom.reaped);
}

TEST(ReaperHold, StreamHoldsKillUntilReaperLine) {
  EventStream s(ctx());
  s.feed_line("[100.000000] " + killed(10, "a"));
  EXPECT_TRUE(s.take().empty());  // waiting for the reaper
  EXPECT_EQ(s.waiting_kills(), 1u);
  s.feed_line("[100.200000] some other kernel line");
  EXPECT_TRUE(s.take().empty());
  s.feed_line("[102.000000] " + reaped(10, "a"));
  auto ev = s.take();
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_TRUE(ev[0].oom.reaped);
  EXPECT_EQ(s.waiting_kills(), 0u);
}

TEST(ReaperHold, LateReaperLineItselfStillMatches) {
  // A loaded machine: the reaper line is the first line after the kill and comes 6 s later.
  EventStream s(ctx());
  s.feed_line("[100.000000] " + killed(10, "a"));
  s.feed_line("[106.000000] " + reaped(10, "a"));
  auto ev = s.take();
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_TRUE(ev[0].oom.reaped);
}

TEST(ReaperHold, LaterLineBeyondGraceReleasesUnreapedKill) {
  // The victim exited by itself (no reaper line): a line of the same log 5 s later ends the wait.
  EventStream s(ctx());
  s.feed_line("[100.000000] " + killed(10, "a"));
  s.feed_line("[104.900000] unrelated");
  EXPECT_TRUE(s.take().empty());
  s.feed_line("[105.100001] unrelated");
  auto ev = s.take();
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].oom.victim.pid, 10);
  EXPECT_FALSE(ev[0].oom.reaped);
  // A line far older than the kill (a reboot, a second excerpt) ends it too.
  s.feed_line("[200.000000] " + killed(11, "a"));
  s.feed_line("[1.000000] after reboot");
  ev = s.take();
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].oom.victim.pid, 11);
}

TEST(ReaperHold, RecordsBehindAWaitingKillKeepTheirOrder) {
  EventStream s(ctx());
  s.feed_line("[100.000000] " + killed(10, "a"));
  s.feed_line("[100.500000] memory: usage 8kB, limit 8kB, failcnt 1");  // a cut report, no victim
  s.feed_line("[101.000000] " + trigger("c"));                          // closes it
  EXPECT_TRUE(s.take().empty());
  s.feed_line("[101.500000] " + reaped(10, "a"));
  auto ev = s.take();
  ASSERT_EQ(ev.size(), 2u);
  EXPECT_EQ(ev[0].oom.victim.pid, 10);
  EXPECT_TRUE(ev[0].oom.reaped);
  EXPECT_EQ(ev[1].oom.memory.limit_kb, 8u);
  s.finish();
  ev = s.take();
  ASSERT_EQ(ev.size(), 1u);  // the open report of "c", incomplete
  EXPECT_EQ(ev[0].oom.invoker_comm, "c");
  EXPECT_TRUE(ev[0].incomplete);
}

TEST(ReaperHold, KmsgStreamTicks) {
  LineContext c = ctx();
  c.boot_time_s = 1'700'000'000;
  EventStream s(c);
  // Poll 1 (caller clock 0 s): a whole report whose reaper line has not come yet.
  s.feed_kmsg(rec(1, 100 * kSec, trigger("hog")));
  s.feed_kmsg(rec(2, 100 * kSec + 10, killed(42, "hog")));
  s.tick(0);
  EXPECT_TRUE(s.take().empty());
  // Poll 2 (1 s later): still within the grace.
  s.tick(1 * kSec);
  EXPECT_TRUE(s.take().empty());
  // Poll 3: the reaper line arrives, the kill leaves at once with reaped set.
  s.feed_kmsg(rec(3, 102 * kSec, reaped(42, "hog")));
  s.tick(2 * kSec);
  auto ev = s.take();
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_TRUE(ev[0].oom.reaped);
  EXPECT_FALSE(ev[0].incomplete);
  EXPECT_EQ(ev[0].time_us, (1'700'000'000LL + 100) * kSec + 10);

  // A kill never reaped leaves once it has waited kReaperGraceUs of caller time, not before.
  s.feed_kmsg(rec(4, 200 * kSec, killed(43, "hog")));
  s.tick(10 * kSec);  // first tick that sees it
  EXPECT_TRUE(s.take().empty());
  s.tick(10 * kSec + OomAssembler::kReaperGraceUs - 1);
  EXPECT_TRUE(s.take().empty());
  s.tick(10 * kSec + OomAssembler::kReaperGraceUs);
  ev = s.take();
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].oom.victim.pid, 43);
  EXPECT_FALSE(ev[0].oom.reaped);
}

TEST(ReaperHold, KmsgStreamReportSplitAcrossPollsIsNotCut) {
  EventStream s(ctx());
  // A poll ended inside the report; the rest comes with the next poll, 7 s later.
  s.feed_kmsg(rec(1, 100 * kSec, trigger("hog")));
  s.tick(0);
  s.feed_kmsg(rec(2, 100 * kSec + 5, "memory: usage 65536kB, limit 65536kB, failcnt 9"));
  s.tick(7 * kSec);
  EXPECT_TRUE(s.take().empty());
  s.tick(8 * kSec);  // one more quiet poll: the report's clock restarted at its last line
  s.feed_kmsg(rec(3, 100 * kSec + 9, killed(42, "hog")));
  s.feed_kmsg(rec(4, 100 * kSec + 99, reaped(42, "hog")));
  s.tick(9 * kSec);
  auto ev = s.take();
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].oom.invoker_comm, "hog");
  EXPECT_EQ(ev[0].oom.memory.limit_kb, 65536u);
  EXPECT_EQ(ev[0].oom.victim.pid, 42);
  EXPECT_FALSE(ev[0].incomplete);
}

TEST(ReaperHold, KmsgStreamClosesADeadReport) {
  // The ring lost the end of a report: it is closed, incomplete, after a quiet grace period.
  EventStream s(ctx());
  s.feed_kmsg(rec(1, 100 * kSec, trigger("hog")));
  s.tick(0);
  EXPECT_TRUE(s.take().empty());
  s.tick(OomAssembler::kReaperGraceUs);
  auto ev = s.take();
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_TRUE(ev[0].incomplete);
  EXPECT_EQ(ev[0].oom.invoker_comm, "hog");
}

TEST(ReaperHold, KmsgContinuationFragmentsJoin) {
  // Kernels before 4.9: one pr_cont() line as a 'c' record and '+' records.
  EventStream s(ctx());
  s.feed_kmsg(rec(1, 100 * kSec, "Task in /kubepods/besteffort/podu/c1", 'c'));
  s.feed_kmsg(rec(2, 100 * kSec, " killed as a result of limit of ", '+'));
  s.feed_kmsg(rec(3, 100 * kSec, "/kubepods/besteffort/podu", '+'));
  s.feed_kmsg(rec(4, 100 * kSec + 5, "Memory cgroup out of memory: Kill process 9 (x) score 1 or sacrifice child"));
  s.finish();
  auto ev = s.take();
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].oom.legacy_task_in, "/kubepods/besteffort/podu/c1");
  EXPECT_EQ(ev[0].oom.legacy_limit_of, "/kubepods/besteffort/podu");
  EXPECT_EQ(ev[0].oom.selected_pid, 9);
}
