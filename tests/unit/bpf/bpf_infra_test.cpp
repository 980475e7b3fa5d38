// The BPF layer's plumbing: pins, iterator reads, error reasons; and (as root, on a kernel with
// BTF, in a build with BPF) that a skeleton built by cmake/bpf.cmake loads, runs and can be pinned.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "probe/bpf/bpf.hpp"
#if MEMSLEUTH_HAVE_BPF
#include "probe/bpf/skeleton.hpp"
#include "test_iter.skel.h"
#endif

namespace fs = std::filesystem;
using namespace ms;

namespace {

struct TempDir {
  std::string path;
  TempDir() {
    char tmpl[] = "/tmp/ms-bpf-test-XXXXXX";
    path = ::mkdtemp(tmpl);
  }
  ~TempDir() { fs::remove_all(path); }
};

}  // namespace

TEST(BpfInfra, BuiltSaysWhyNot) {
  if (bpf::built())
    EXPECT_TRUE(bpf::not_built_reason().empty());
  else
    EXPECT_FALSE(bpf::not_built_reason().empty());
}

TEST(BpfInfra, PlainDirectoryIsNotBpffs) {
  TempDir d;
  auto r = bpf::check_bpffs(d.path);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, Error::Kind::kInvalidArgument);
  EXPECT_NE(r.error().describe().find("bpffs is not mounted"), std::string::npos) << r.error().describe();
  EXPECT_NE(r.error().describe().find(d.path), std::string::npos);

  auto missing = bpf::check_bpffs(d.path + "/nope");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().kind, Error::Kind::kNotFound);
}

TEST(BpfInfra, PinDirOnlyOnBpffs) {
  TempDir d;
  auto r = bpf::make_pin_dir(d.path + "/memsleuth");
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().describe().find("not a bpf filesystem"), std::string::npos) << r.error().describe();
  auto deep = bpf::make_pin_dir(d.path + "/no/such/memsleuth");
  ASSERT_FALSE(deep);
  EXPECT_EQ(deep.error().kind, Error::Kind::kNotFound) << deep.error().describe();
}

TEST(BpfInfra, OpenPinnedIterNamesThePath) {
  auto r = bpf::open_pinned_iter("/nonexistent/memsleuth/tasks");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, Error::Kind::kNotFound);
  EXPECT_NE(r.error().describe().find("/nonexistent/memsleuth/tasks"), std::string::npos);
}

TEST(BpfInfra, IterBufReadsEverythingAcrossGrowth) {
  // A file longer than the first buffer (256 KiB) and not a multiple of the read size.
  TempDir d;
  std::string path = d.path + "/data";
  std::string want;
  for (int i = 0; want.size() < 700 * 1024; ++i) want += std::to_string(i) + ",";
  {
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT, 0600);
    ASSERT_GE(fd, 0);
    ASSERT_EQ(::write(fd, want.data(), want.size()), static_cast<ssize_t>(want.size()));
    ::close(fd);
  }
  bpf::IterBuf buf;
  for (int round = 0; round < 2; ++round) {  // a second read replaces the first
    bpf::UniqueFd fd(::open(path.c_str(), O_RDONLY));
    ASSERT_TRUE(buf.read_all(fd.get()));
    EXPECT_EQ(buf.view(), want);
  }
  bpf::UniqueFd bad(::open(d.path.c_str(), O_RDONLY | O_DIRECTORY));
  auto r = buf.read_all(bad.get());
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().describe().find("reading a BPF iterator"), std::string::npos);
  EXPECT_EQ(buf.read_errno(), EISDIR) << "the failed read's errno, kept for the caller";
  bpf::UniqueFd again(::open(path.c_str(), O_RDONLY));
  ASSERT_TRUE(buf.read_all(again.get()));
  EXPECT_EQ(buf.read_errno(), 0);
}

TEST(BpfInfra, ErrorCarriesLibbpfWords) {
  Error e = bpf::bpf_error("loading BPF object x", EPERM, "libbpf: failed to load");
  EXPECT_EQ(e.kind, Error::Kind::kPermission);
  EXPECT_EQ(e.describe(), std::string("loading BPF object x: ") + std::strerror(EPERM) + " (libbpf: failed to load)");
}

#if MEMSLEUTH_HAVE_BPF
namespace {

bool can_load(std::string* why) {
  if (::geteuid() != 0) {
    *why = "not root";
    return false;
  }
  if (::access("/sys/kernel/btf/vmlinux", R_OK) != 0) {
    *why = "no /sys/kernel/btf/vmlinux";
    return false;
  }
  return true;
}

std::vector<uint32_t> pids_of(std::string_view records) {
  std::vector<uint32_t> pids(records.size() / sizeof(uint32_t));
  std::memcpy(pids.data(), records.data(), pids.size() * sizeof(uint32_t));
  return pids;
}

}  // namespace

TEST(BpfInfraLive, SkeletonLoadsRunsAndPins) {
  std::string why;
  if (!can_load(&why)) GTEST_SKIP() << why;
  bpf::Skeleton<test_iter> skel("test_iter");
  ASSERT_TRUE(skel.open_and_load()) << skel.open_and_load().error().describe();
  auto attached = skel.attach();
  ASSERT_TRUE(attached) << attached.error().describe();

  auto it = bpf::iter_create(skel->links.leaders, "test_iter");
  ASSERT_TRUE(it) << it.error().describe();
  bpf::IterBuf buf;
  ASSERT_TRUE(buf.read_all(it->get()));
  auto pids = pids_of(buf.view());
  EXPECT_NE(std::find(pids.begin(), pids.end(), static_cast<uint32_t>(::getpid())), pids.end());
  EXPECT_NE(std::find(pids.begin(), pids.end(), 2u), pids.end()) << "kthreadd";

  // Pinned in a bpffs of our own (each mount is a new instance): the pin reads like the link.
  TempDir d;
  if (::mount("bpf", d.path.c_str(), "bpf", 0, nullptr) != 0)
    GTEST_SKIP() << "cannot mount bpffs: " << std::strerror(errno);
  struct Unmount {
    std::string p;
    ~Unmount() { ::umount2(p.c_str(), MNT_DETACH); }
  } unmount{d.path};
  ASSERT_TRUE(bpf::check_bpffs(d.path));
  std::string dir = d.path + "/memsleuth";
  ASSERT_TRUE(bpf::make_pin_dir(dir));
  ASSERT_TRUE(bpf::make_pin_dir(dir)) << "an existing pin directory is fine";
  std::string pin = dir + "/leaders";
  auto pinned_once = bpf::pin_fd(bpf_link__fd(skel->links.leaders), pin);
  ASSERT_TRUE(pinned_once) << pinned_once.error().describe();
  ASSERT_TRUE(bpf::pin_fd(bpf_link__fd(skel->links.leaders), pin)) << "re-pinning replaces";
  auto pinned = bpf::open_pinned_iter(pin);
  ASSERT_TRUE(pinned) << pinned.error().describe();
  ASSERT_TRUE(buf.read_all(pinned->get()));
  pids = pids_of(buf.view());
  EXPECT_NE(std::find(pids.begin(), pids.end(), static_cast<uint32_t>(::getpid())), pids.end());
  ASSERT_TRUE(bpf::unpin(pin));
  ASSERT_TRUE(bpf::unpin(pin)) << "a missing pin is no error";
  EXPECT_FALSE(bpf::open_pinned_iter(pin));
}

TEST(BpfInfraLive, LoadFailureSaysWhy) {
  std::string why;
  if (!can_load(&why)) GTEST_SKIP() << why;
  // A program the verifier must refuse cannot be written here; a map too large for the kernel
  // stands in: the load fails and the error carries libbpf's reason, nothing reaches stderr.
  bpf::Skeleton<test_iter> skel("test_iter");
  ASSERT_TRUE(skel.open());
  bpf_program__set_type(skel->progs.leaders, BPF_PROG_TYPE_SOCKET_FILTER);  // iter section, wrong type
  testing::internal::CaptureStderr();
  auto r = skel.load();
  std::string err = testing::internal::GetCapturedStderr();
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().describe().find("loading BPF object test_iter"), std::string::npos);
  EXPECT_NE(r.error().describe().find("libbpf"), std::string::npos) << r.error().describe();
  EXPECT_EQ(err, "");
}
#endif
