// ReadBuf (probe/fs.hpp): the probe's read buffer (no zero-fill, grows only), and where each mode stops.
#include <gtest/gtest.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "probe/fs.hpp"
#include "util/text.hpp"

using namespace ms;

namespace {

struct TempDir {
  std::string path;
  TempDir() {
    char tmpl[] = "/tmp/ms-readbuf-XXXXXX";
    path = ::mkdtemp(tmpl);
  }
  ~TempDir() { std::filesystem::remove_all(path); }
  void put(const char* name, const std::string& text) const { std::ofstream(path + "/" + name) << text; }
};

std::string numbered_lines(int n) {
  std::string s;
  for (int i = 0; i < n; ++i) s += std::to_string(100000 + i) + "\n";
  return s;
}

}  // namespace

TEST(ReadBuf, EveryModeReadsARegularFileWholeBeyondItsFirstCapacity) {
  TempDir d;
  std::string big = numbered_lines(20000);  // 140,000 bytes: the 16 KiB buffer grows several times
  d.put("big", big);
  d.put("empty", "");
  int dir = ::open(d.path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  ASSERT_GE(dir, 0);
  ReadBuf b;
  for (auto mode : {ReadBuf::Mode::kRecord, ReadBuf::Mode::kSeq, ReadBuf::Mode::kSeqShortIsEnd}) {
    int err = 0;
    ASSERT_TRUE(b.read_at(dir, "big", err, mode));
    EXPECT_EQ(b.view(), big);
    ASSERT_TRUE(b.read_at(dir, "empty", err, mode));
    EXPECT_TRUE(b.empty());
    // A smaller file after a bigger one: only its own bytes.
    d.put("small", "42\n");
    ASSERT_TRUE(b.read_at(dir, "small", err, mode));
    EXPECT_EQ(b.view(), "42\n");
  }
  int err = 0;
  EXPECT_FALSE(b.read_at(dir, "missing", err));
  EXPECT_EQ(err, ENOENT);
  EXPECT_TRUE(b.empty());
  ::close(dir);
}

// A kept fd re-read with pread: each reading is the whole file as it is now, from offset 0,
// whatever the fd's own offset, and grows the buffer as read_at does.
TEST(ReadBuf, PreadRereadsAKeptFdFromTheStart) {
  TempDir d;
  d.put("kept", "1\n");
  int fd = ::open((d.path + "/kept").c_str(), O_RDONLY | O_CLOEXEC);
  ASSERT_GE(fd, 0);
  ReadBuf b;
  int err = 0;
  ASSERT_TRUE(b.pread(fd, err));
  EXPECT_EQ(b.view(), "1\n");
  std::string big = numbered_lines(20000);
  {
    std::ofstream out(d.path + "/kept", std::ios::trunc);  // in place: the same inode
    out << big;
  }
  for (auto mode : {ReadBuf::Mode::kRecord, ReadBuf::Mode::kSeq}) {
    ASSERT_TRUE(b.pread(fd, err, mode));
    EXPECT_EQ(b.view(), big);
  }
  ASSERT_TRUE(b.read(fd, err));  // read(2) from where the fd stands (0: pread moved nothing)
  EXPECT_EQ(b.view(), big);
  ASSERT_TRUE(b.read(fd, err));
  EXPECT_TRUE(b.empty());  // at the end now
  ASSERT_TRUE(b.pread(fd, err));
  EXPECT_EQ(b.view(), big);
  ::close(fd);
  EXPECT_FALSE(b.pread(fd, err));
  EXPECT_EQ(err, EBADF);
}

TEST(ReadBuf, ShortReadEndOfAMultiRecordSeqFileLosesNoRecord) {
  // /proc/kallsyms is a seq file of short records (one symbol each), megabytes in all: every read
  // stops at the page-sized seq buffer a little short of a page, and kSeqShortIsEnd must take that
  // for "more to come", not for the end, up to the last short read.
  int proc = ::open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  ASSERT_GE(proc, 0);
  ReadBuf a, b;
  int err = 0;
  ASSERT_TRUE(a.read_at(proc, "kallsyms", err, ReadBuf::Mode::kSeq));
  ASSERT_TRUE(b.read_at(proc, "kallsyms", err, ReadBuf::Mode::kSeqShortIsEnd));
  ::close(proc);
  size_t longest = 0;
  for_each_line(a.view(), [&](std::string_view line, int) { longest = std::max(longest, line.size()); });
  if (a.view().size() <= 4096 || longest > 200) GTEST_SKIP() << "no kallsyms of many short records here";
  EXPECT_EQ(b.view().size(), a.view().size());
  EXPECT_TRUE(b.view() == a.view());
}
