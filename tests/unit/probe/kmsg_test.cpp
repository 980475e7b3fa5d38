#include <gtest/gtest.h>

#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <string>

#include "probe/kmsg.hpp"

using namespace ms;

TEST(Kmsg, RecordWithDictionaryAndEscapes) {
  auto r = parse_kmsg_record("3,1234,7063247407,-;a\\x0ab \\\\ c\n SUBSYSTEM=memory\n DEVICE=+x\n");
  ASSERT_TRUE(r) << r.error().describe();
  EXPECT_EQ(r->facility, 0);
  EXPECT_EQ(r->level, 3);
  EXPECT_EQ(r->seq, 1234u);
  EXPECT_EQ(r->usec, 7063247407u);
  EXPECT_EQ(r->flag, '-');
  EXPECT_EQ(r->text, "a\nb \\\\ c");
  ASSERT_EQ(r->dict.size(), 2u);
  EXPECT_EQ(r->dict[0].first, "SUBSYSTEM");
  EXPECT_EQ(r->dict[0].second, "memory");
}

TEST(Kmsg, RejectsGarbage) {
  EXPECT_FALSE(parse_kmsg_record("no semicolon"));
  EXPECT_FALSE(parse_kmsg_record("x,1,2,-;t"));
  EXPECT_FALSE(parse_kmsg_record("6,1;t"));
}

TEST(Kmsg, Btime) {
  EXPECT_EQ(parse_btime("cpu  1 2 3\nbtime 1700000000\nprocesses 5\n"), 1700000000);
  EXPECT_FALSE(parse_btime("cpu 1\n"));
}

TEST(Kmsg, ReaderDrainsAFileAndCountsGaps) {
  char tmpl[] = "/tmp/kmsgtestXXXXXX";
  int fd = mkstemp(tmpl);
  ASSERT_GE(fd, 0);
  std::string data = "6,1,10,-;first\n SUBSYSTEM=x\n6,4,20,-;second\ngarbage\n6,5,30,-;third";
  ASSERT_EQ(write(fd, data.data(), data.size()), static_cast<ssize_t>(data.size()));
  close(fd);
  auto rd = KmsgReader::open_path(tmpl);
  ASSERT_TRUE(rd);
  auto recs = rd->read_available();
  ASSERT_TRUE(recs);
  ASSERT_EQ(recs->size(), 3u);
  EXPECT_EQ((*recs)[0].dict.size(), 1u);
  EXPECT_EQ((*recs)[2].text, "third");
  EXPECT_EQ(rd->lost(), 2u);  // seq 2 and 3 never seen
  EXPECT_EQ(rd->malformed(), 1u);
  auto again = rd->read_available();
  ASSERT_TRUE(again);
  EXPECT_TRUE(again->empty());
  unlink(tmpl);
}

TEST(Kmsg, LiveRingReadsWithoutBlocking) {
  HostPaths paths;
  auto rd = KmsgReader::open(paths);
  if (!rd) GTEST_SKIP() << "no /dev/kmsg access: " << rd.error().describe();
  auto recs = rd->read_available();
  ASSERT_TRUE(recs) << recs.error().describe();
  EXPECT_FALSE(recs->empty());
  for (size_t i = 1; i < recs->size(); ++i) EXPECT_GT((*recs)[i].seq, (*recs)[i - 1].seq);
}
