// A victim whose comm (or cgroup path) holds a newline: /dev/kmsg writes it as \x0a, as it writes
// the line ends of a multi-line printk. Real-shaped records: the 6.12 VM's memcg OOM kill
// (tests/fixtures/vm-6.12/root/dev/kmsg) with its comm renamed.
#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

#include "events/event_stream.hpp"
#include "probe/fs.hpp"
#include "probe/kmsg.hpp"

using namespace ms;

namespace {

// The records of the kill, seq 372..472, as /dev/kmsg gave them.
std::string kill_records() {
  auto t = read_file(std::string(MEMSLEUTH_SOURCE_DIR) + "/tests/fixtures/vm-6.12/root/dev/kmsg", FileKind::kLog);
  EXPECT_TRUE(t);
  std::string out;
  std::istringstream in(*t);
  std::string line;
  bool on = false;
  while (std::getline(in, line)) {
    if (line.find(",372,") != std::string::npos) on = true;
    if (on && (line.empty() || line[0] != ' ')) out += line + "\n";
    if (line.find(",472,") != std::string::npos) break;
  }
  return out;
}

std::string replace_all(std::string s, const std::string& from, const std::string& to) {
  for (size_t i = s.find(from); i != std::string::npos; i = s.find(from, i + to.size())) s.replace(i, from.size(), to);
  return s;
}

std::vector<Event> through_kmsg_reader(const std::string& records) {
  char tmpl[] = "/tmp/ms-kmsg-XXXXXX";
  int fd = ::mkstemp(tmpl);
  EXPECT_GE(fd, 0);
  EXPECT_EQ(::write(fd, records.data(), records.size()), static_cast<ssize_t>(records.size()));
  ::close(fd);
  auto r = KmsgReader::open_path(tmpl);
  EXPECT_TRUE(r);
  auto recs = r->read_available();
  ::unlink(tmpl);
  EXPECT_TRUE(recs);
  EventStream s(LineContext{});
  for (const auto& rec : *recs) s.feed_kmsg(rec);
  s.finish();
  return s.take();
}

const Event* the_kill(const std::vector<Event>& ev) {
  for (const auto& e : ev)
    if (e.kind == EventKind::kOomKill) return &e;
  return nullptr;
}

}  // namespace

TEST(KmsgEscapes, AVictimCommWithANewlineKeepsItsMemory) {
  std::string recs = kill_records();
  ASSERT_NE(recs.find("Killed process 332 (memhog)"), std::string::npos);
  // The kernel escapes the newline of "mem\nhog" in every record that prints the comm.
  recs = replace_all(recs, "memhog", "mem\\x0ahog");
  for (const auto& ev : {through_kmsg_reader(recs), parse_events(recs, LineContext{})}) {
    const Event* e = the_kill(ev);
    ASSERT_TRUE(e);
    EXPECT_FALSE(e->incomplete) << (e->missing.empty() ? "" : e->missing.front());
    const OomKill* k = &e->oom;
    EXPECT_EQ(k->victim.comm, "mem\nhog");
    EXPECT_EQ(k->victim.pid, 332);
    EXPECT_EQ(k->victim.anon_rss_kb, 32640u);
    EXPECT_EQ(k->victim.shmem_rss_kb, 548u);
    EXPECT_EQ(k->invoker_comm, "mem\nhog");
    ASSERT_FALSE(k->tasks.empty());
    EXPECT_EQ(k->tasks[0].name, "mem\nhog");
    // The multi-line memcg stats of the same kill are still split into lines.
    EXPECT_FALSE(k->memcg_stats.empty());
  }
}

TEST(KmsgEscapes, ACgroupPathWithANewlineStaysOnePath) {
  std::string recs = kill_records();
  const std::string scope = "cri-containerd-9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a29180716253443526170819a0b1c2d.scope";
  recs = replace_all(recs, scope, "odd\\x0aname.scope");
  auto ev = through_kmsg_reader(recs);
  const Event* e = the_kill(ev);
  ASSERT_TRUE(e);
  const OomKill* k = &e->oom;
  ASSERT_TRUE(k->task_memcg);
  EXPECT_NE(k->task_memcg->find("/odd\nname.scope"), std::string::npos) << *k->task_memcg;
  EXPECT_EQ(k->victim.anon_rss_kb, 32640u);
  ASSERT_TRUE(k->stats_path);
  EXPECT_NE(k->stats_path->find("/odd\nname.scope"), std::string::npos) << *k->stats_path;
}
