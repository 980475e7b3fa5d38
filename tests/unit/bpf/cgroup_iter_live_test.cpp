// The cgroup iterator on the running kernel (root, BTF, BPF built in, a writable memory hierarchy;
// skipped otherwise): in cgroups made here, charged with page cache and pushed past a limit so that
// failcnt moves, each record says what the cgroup's files say, loaded and through a pin.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>

#include "../../support/own_bpffs.hpp"
#include "probe/bpf/cgroup_iter.hpp"
#include "probe/parsers.hpp"
#include "probe/snapshot_reader.hpp"
#include "util/text.hpp"

using namespace ms;
using ms::testing::OwnBpffs;

namespace {

std::string read_text(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void write_text(const std::string& path, const std::string& text) {
  std::ofstream out(path);
  out << text;
}

uint64_t inode_of(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 ? st.st_ino : 0;
}

// The memory hierarchy's mount, v2 or not; empty when there is none we may write.
CgroupLayout layout() {
  HostPaths paths;
  auto m = read_mounts(paths);
  return m ? detect_cgroup_layout(*m, paths) : CgroupLayout{};
}

std::string why_not_live(const CgroupLayout& l) {
  if (!bpf::built()) return std::string(bpf::not_built_reason());
  if (::geteuid() != 0) return "not root";
  if (::access("/sys/kernel/btf/vmlinux", R_OK) != 0) return "no /sys/kernel/btf/vmlinux";
  if (l.memory_mount.empty() || ::access(l.memory_mount.c_str(), W_OK) != 0) return "no writable memory hierarchy";
  return {};
}

// Cgroups of the test's own under the memory root, removed leaf-first at the end.
struct OwnCgroups {
  std::string top;
  explicit OwnCgroups(const std::string& root) : top(root + "/mst-cgiter-" + std::to_string(::getpid())) {}
  ~OwnCgroups() {
    for (const char* leaf : {"/a/b", "/a"}) ::rmdir((top + leaf).c_str());
    ::rmdir(top.c_str());
  }
};

// Writes `mib` MiB of page cache to `file` from a child placed in `cg`: the pages stay charged to it.
void charge(const std::string& cg, const std::string& file, int mib) {
  pid_t c = ::fork();
  if (c == 0) {
    std::ofstream(cg + "/cgroup.procs") << ::getpid() << '\n';
    int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    std::string block(1 << 20, 'x');
    for (int i = 0; i < mib && fd >= 0; ++i)
      if (::write(fd, block.data(), block.size()) < 0) break;
    ::close(fd);
    ::_exit(0);
  }
  int st = 0;
  ::waitpid(c, &st, 0);
}

}  // namespace

TEST(CgroupIterLive, RecordsSayWhatTheFilesSay) {
  CgroupLayout l = layout();
  if (auto why = why_not_live(l); !why.empty()) GTEST_SKIP() << why;
  bool v2 = l.memory_on_v2;
  int root_fd = ::open(l.memory_mount.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  ASSERT_GE(root_fd, 0);
  auto it = bpf::CgroupIter::load(root_fd, v2);
  ::close(root_fd);
  if (!it && it.error().describe().find("attaching") != std::string::npos)
    GTEST_SKIP() << "this kernel's cgroup iterator does not take this hierarchy: " << it.error().describe();
  ASSERT_TRUE(it) << it.error().describe();

  OwnCgroups own(l.memory_mount);
  std::string a = own.top + "/a", b = a + "/b";
  ASSERT_EQ(::mkdir(own.top.c_str(), 0755), 0) << std::strerror(errno);
  if (v2) write_text(own.top + "/cgroup.subtree_control", "+memory");
  ASSERT_EQ(::mkdir(a.c_str(), 0755), 0);
  if (v2) write_text(a + "/cgroup.subtree_control", "+memory");
  ASSERT_EQ(::mkdir(b.c_str(), 0755), 0);
  const char* limit_file = v2 ? "/memory.max" : "/memory.limit_in_bytes";
  const char* usage_file = v2 ? "/memory.current" : "/memory.usage_in_bytes";
  const char* swap_file = v2 ? "/memory.swap.max" : "/memory.memsw.limit_in_bytes";
  write_text(a + limit_file, std::to_string(64 << 20));
  bool swap_files = ::access((a + swap_file).c_str(), F_OK) == 0;
  if (swap_files) write_text(a + swap_file, std::to_string(96 << 20));
  write_text(b + limit_file, std::to_string(4 << 20));
  // 8 MiB of page cache in a; 16 MiB through b's 4 MiB limit: reclaim, and v1's failcnt moves.
  std::string tmp_a = "/var/tmp/mst-cgiter-a-" + std::to_string(::getpid());
  std::string tmp_b = "/var/tmp/mst-cgiter-b-" + std::to_string(::getpid());
  charge(a, tmp_a, 8);
  charge(b, tmp_b, 16);

  OwnBpffs bpffs;
  if (bpffs.ok) {
    ASSERT_TRUE((*it)->pin(bpffs.path + "/memsleuth"));
  }
  for (bool pinned : {false, true}) {
    if (pinned && !bpffs.ok) continue;
    // Usage is the one number that can move between a file read and the walk: taken when the file
    // read the same before and after the walk.
    bool compared = false;
    for (int attempt = 0; attempt < 20 && !compared; ++attempt) {
      std::string before_a = read_text(a + usage_file), before_b = read_text(b + usage_file);
      bpf::IterBuf buf;
      auto r = pinned ? bpf::read_pinned_cgroups(bpffs.path + "/memsleuth", buf) : (*it)->read(buf);
      ASSERT_TRUE(r) << r.error().describe();
      if (before_a != read_text(a + usage_file) || before_b != read_text(b + usage_file)) continue;
      bpf::CgroupWalk w;
      auto parsed = bpf::parse_cgroup_walk(buf.view(), w);
      ASSERT_TRUE(parsed) << parsed.error().describe();
      EXPECT_EQ(w.v2, v2);
      EXPECT_EQ(w.page_size, static_cast<uint32_t>(::sysconf(_SC_PAGESIZE)));
      EXPECT_EQ(w.root_id, inode_of(l.memory_mount)) << "the walk starts at the hierarchy's root";
      ASSERT_FALSE(w.cgroups.empty());
      EXPECT_TRUE(w.cgroups.front().root);
      EXPECT_EQ(w.cgroups.front().id, w.root_id);
      for (const std::string& dir : {a, b}) {
        SCOPED_TRACE(dir + (pinned ? " (pinned)" : " (loaded)"));
        const auto* c = w.find(inode_of(dir));
        ASSERT_NE(c, nullptr);
        EXPECT_FALSE(c->root);
        EXPECT_EQ(c->usage_pages * w.page_size, *parse_u64(trim(read_text(dir + usage_file))));
        EXPECT_EQ(cgroup_limit_from_pages(c->max_pages, w.page_size), *parse_cgroup_limit(read_text(dir + limit_file), "f"));
        if (swap_files) {
          ASSERT_TRUE(c->swap_max_pages);
          EXPECT_EQ(cgroup_limit_from_pages(*c->swap_max_pages, w.page_size),
                    *parse_cgroup_limit(read_text(dir + swap_file), "f"));
        }
        if (!v2) {
          ASSERT_TRUE(c->failcnt);
          EXPECT_EQ(*c->failcnt, *parse_u64(trim(read_text(dir + "/memory.failcnt"))));
        }
      }
      const auto* ca = w.find(inode_of(a));
      ASSERT_NE(ca, nullptr);
      EXPECT_GE(ca->usage_pages * w.page_size, uint64_t{8} << 20) << "the page cache written from a";
      EXPECT_EQ(ca->max_pages * w.page_size, uint64_t{64} << 20);
      if (!v2) {
        EXPECT_GT(w.find(inode_of(b))->failcnt.value_or(0), 0u) << "16 MiB through a 4 MiB limit";
      }
      compared = true;
    }
    EXPECT_TRUE(compared) << "the usage moved during every one of 20 walks";
  }
  ::unlink(tmp_a.c_str());
  ::unlink(tmp_b.c_str());
}
