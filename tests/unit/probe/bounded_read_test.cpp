// Every file read is bounded and non-blocking (probe/fs.hpp, docs/hardening.md "Reading files"): a
// FIFO, a device or a huge file planted where memsleuth expects a kernel file neither hangs nor
// blinds it, and each is named in the warnings.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>

#include "../../support/fixture_paths.hpp"
#include "../../support/hang_guard.hpp"
#include "probe/fs.hpp"
#include "probe/parsers.hpp"
#include "probe/sample_reader.hpp"
#include "probe/snapshot_reader.hpp"

using namespace ms;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

// A copy of a fixture tree in a temporary directory, to plant things in.
struct TreeCopy {
  std::string base;
  HostPaths paths;
  explicit TreeCopy(const std::string& fixture) {
    char tmpl[] = "/tmp/ms-bounded-XXXXXX";
    base = ::mkdtemp(tmpl);
    HostPaths src = test_fixtures::fixture_paths(fixture);
    fs::copy(fs::path(src.procfs).parent_path(), base, fs::copy_options::recursive | fs::copy_options::copy_symlinks);
    paths.procfs = base + "/proc";
    paths.sysfs = base + "/sys";
    paths.rootfs = base + "/root";
  }
  ~TreeCopy() { fs::remove_all(base); }
  // Replaces a file with a FIFO.
  void fifo(const std::string& path) const {
    fs::remove(path);
    ASSERT_EQ(::mkfifo(path.c_str(), 0644), 0) << path;
  }
};

bool any_names(const std::vector<std::string>& warnings, const std::string& what, const std::string& why) {
  for (const auto& w : warnings)
    if (w.find(what) != std::string::npos && w.find(why) != std::string::npos) return true;
  return false;
}

std::string all(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& x : v) s += x + "\n";
  return s;
}

}  // namespace

TEST(BoundedRead, ReadFileRefusesAFifoAndADeviceWithoutBlocking) {
  TreeCopy t("v1-cgroupfs-docker");
  std::string f = t.base + "/planted";
  t.fifo(f);
  // A writer holds the FIFO open: a blocking read would wait for data forever.
  int w = ::open(f.c_str(), O_RDWR | O_NONBLOCK);
  ASSERT_GE(w, 0);
  ASSERT_TRUE(test_support::finishes_within(10s, [&] { (void)read_file(f, FileKind::kConfig); }));
  auto r = read_file(f, FileKind::kConfig);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().describe().find(f), std::string::npos);
  EXPECT_NE(r.error().describe().find("not a regular file"), std::string::npos) << r.error().describe();
  ::close(w);
  // /dev/zero never ends: refused before it is read at all.
  auto z = read_file("/dev/zero", FileKind::kKernel);
  ASSERT_FALSE(z);
  EXPECT_NE(z.error().describe().find("not a regular file"), std::string::npos);
}

TEST(BoundedRead, ReadBufChecksEachFileUnlessTheFilesystemIsTheKernels) {
  TreeCopy t("v1-cgroupfs-docker");
  t.fifo(t.base + "/f");
  int dir = ::open(t.base.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  ASSERT_GE(dir, 0);
  EXPECT_FALSE(is_kernel_fs(dir));
  ReadBuf b;
  int err = 0;
  EXPECT_FALSE(b.read_at(dir, "f", err));
  EXPECT_EQ(err, kNotRegularFile);
  // Unchecked (as on procfs), O_NONBLOCK still keeps a FIFO from blocking: it reads as empty.
  b.set_check_regular(false);
  ASSERT_TRUE(test_support::finishes_within(10s, [&] {
    int e = 0;
    (void)b.read_at(dir, "f", e);
  }));
  ::close(dir);
  int proc = ::open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  EXPECT_TRUE(is_kernel_fs(proc));
  ::close(proc);
}

TEST(BoundedRead, EachKindIsCutAtItsCapWithAWarningNamingTheFile) {
  TreeCopy t("v1-cgroupfs-docker");
  // A 20 MiB meminfo: its first lines are real, the rest is padding that never ends in time.
  std::string mi = t.paths.proc("meminfo");
  std::string real;
  {
    std::ifstream in(mi);
    std::stringstream ss;
    ss << in.rdbuf();
    real = ss.str();
  }
  {
    std::ofstream out(mi, std::ios::trunc);
    out << real;
    std::string pad = "Padding" + std::string(40, 'x') + ":  1 kB\n";
    for (size_t n = real.size(); n < (size_t{20} << 20); n += pad.size()) out << pad;
  }
  auto r = read_file(mi, FileKind::kKernel);
  ASSERT_FALSE(r);  // without a warnings channel a cut file is an error, never used silently
  EXPECT_NE(r.error().describe().find("larger than"), std::string::npos);
  std::vector<std::string> warnings;
  r = read_file(mi, FileKind::kKernel, &warnings);
  ASSERT_TRUE(r);
  EXPECT_LE(r->size(), file_cap(FileKind::kKernel));
  EXPECT_EQ(r->back(), '\n');  // cut at a line end
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_NE(warnings[0].find(mi), std::string::npos) << warnings[0];
  // The snapshot reads it, says so, and still has the real fields.
  SnapshotOptions o;
  o.statvfs_tmpfs = false;
  auto s = read_snapshot(t.paths, o);
  ASSERT_TRUE(s) << s.error().describe();
  EXPECT_EQ(s->meminfo.get("MemTotal"), uint64_t{8} << 30);
  EXPECT_TRUE(any_names(s->warnings, mi, "larger than")) << all(s->warnings);
  // A file of exactly the cap is whole, not cut.
  std::string exact = t.base + "/exact";
  {
    std::ofstream out(exact);
    out << std::string(file_cap(FileKind::kKernel) - 1, 'a') << '\n';
  }
  warnings.clear();
  r = read_file(exact, FileKind::kKernel, &warnings);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->size(), file_cap(FileKind::kKernel));
  EXPECT_TRUE(warnings.empty());
}

// The kinds of path the audit planted FIFOs at, in a fixture tree: none hangs the snapshot, each is
// a warning naming the file (meminfo, which the snapshot cannot do without, is an error naming it).
TEST(BoundedRead, FifosInAFixtureTreeNeitherHangNorPassUnnamed) {
  TreeCopy t("v1-cgroupfs-docker");
  std::string stat = t.paths.sys("fs/cgroup/memory/kubepods/memory.stat");
  std::string cmdline = t.paths.proc("1010/cmdline");
  std::string status = t.paths.proc("1011/status");
  t.fifo(stat);
  t.fifo(cmdline);
  t.fifo(status);
  // Writers keep them open, so a read that blocked would block for good.
  std::vector<int> writers;
  for (const auto& f : {stat, cmdline, status}) writers.push_back(::open(f.c_str(), O_RDWR | O_NONBLOCK));
  SnapshotOptions o;
  o.statvfs_tmpfs = false;
  ASSERT_TRUE(test_support::finishes_within(20s, [&] { (void)read_snapshot(t.paths, o); }));
  auto s = read_snapshot(t.paths, o);
  ASSERT_TRUE(s) << s.error().describe();
  EXPECT_TRUE(any_names(s->warnings, stat, "not a regular file")) << all(s->warnings);
  EXPECT_TRUE(any_names(s->warnings, cmdline, "not a regular file")) << all(s->warnings);
  EXPECT_TRUE(any_names(s->warnings, status, "not a regular file")) << all(s->warnings);
  const Process* p = s->find_process(1010);
  ASSERT_TRUE(p);  // the process is still there, without its command line
  EXPECT_TRUE(p->cmdline.empty());
  // The recorder's reader: the same files through kept fds.
  ASSERT_TRUE(test_support::finishes_within(20s, [&] {
    SampleReader r(t.paths);
    (void)r.read();
    (void)r.read();
  }));
  // meminfo itself.
  t.fifo(t.paths.proc("meminfo"));
  writers.push_back(::open(t.paths.proc("meminfo").c_str(), O_RDWR | O_NONBLOCK));
  ASSERT_TRUE(test_support::finishes_within(20s, [&] { (void)read_snapshot(t.paths, o); }));
  auto bad = read_snapshot(t.paths, o);
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().describe().find(t.paths.proc("meminfo")), std::string::npos) << bad.error().describe();
  SampleReader r(t.paths);
  ASSERT_TRUE(test_support::finishes_within(20s, [&] {
    SampleReader r2(t.paths);
    (void)r2.read();
  }));
  EXPECT_FALSE(r.read());
  for (int w : writers) ::close(w);
}

TEST(BoundedRead, NumbersThatWouldWrapAreLeftOutWithAWarning) {
  auto st = parse_proc_status(
      "Name:\tx\nUid:\t0\t0\t0\t0\nVmSize:\t1 kB\nVmRSS:\t18446744073709551 kB\nRssAnon:\t5 kB\n", "/proc/7/status");
  ASSERT_TRUE(st);
  EXPECT_FALSE(st->vm_rss);  // not 442721857769028600
  EXPECT_EQ(st->rss_anon, 5u * 1024);
  ASSERT_EQ(st->warnings.size(), 1u);
  EXPECT_NE(st->warnings[0].find("/proc/7/status:4"), std::string::npos) << st->warnings[0];
  EXPECT_NE(st->warnings[0].find("18446744073709551"), std::string::npos);
  std::vector<std::string> w;
  auto mi = parse_meminfo("MemTotal: 1024 kB\nMemFree: 18446744073709551 kB\n", "/proc/meminfo", &w);
  ASSERT_TRUE(mi);
  EXPECT_FALSE(mi->get("MemFree"));
  ASSERT_EQ(w.size(), 1u);
  EXPECT_NE(w[0].find("/proc/meminfo:2"), std::string::npos);
  EXPECT_FALSE(parse_meminfo("MemTotal: 1024 kB\nMemFree: 18446744073709551 kB\n", "/proc/meminfo"));
  // MemTotal 0 or absent: nothing can be computed from such a node.
  auto zero = parse_meminfo("MemTotal: 0 kB\nMemFree: 0 kB\n", "/proc/meminfo");
  ASSERT_FALSE(zero);
  EXPECT_NE(zero.error().describe().find("MemTotal is 0"), std::string::npos);
  EXPECT_FALSE(parse_meminfo("MemFree: 1 kB\n", "/proc/meminfo"));
  EXPECT_FALSE(parse_smaps_rollup("x [rollup]\nRss: 18446744073709551 kB\nPss: 1 kB\n", "smaps_rollup"));
  // Through the snapshot: the process keeps its other fields and the warning names the file.
  TreeCopy t("v1-cgroupfs-docker");
  std::string path = t.paths.proc("1010/status");
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  std::string text = ss.str();
  size_t at = text.find("VmRSS:");
  ASSERT_NE(at, std::string::npos);
  text.replace(at, text.find('\n', at) - at, "VmRSS:\t18446744073709551 kB");
  std::ofstream(path, std::ios::trunc) << text;
  SnapshotOptions o;
  o.statvfs_tmpfs = false;
  auto s = read_snapshot(t.paths, o);
  ASSERT_TRUE(s);
  const Process* p = s->find_process(1010);
  ASSERT_TRUE(p);
  EXPECT_FALSE(p->rss_bytes);
  EXPECT_EQ(p->comm, "nginx");
  EXPECT_TRUE(any_names(s->warnings, path, "does not fit")) << all(s->warnings);
}
