#pragma once
// A copy of a fixture tree that tests change between SampleReader samples, as a kernel would: in
// place (same inode), so kept fds see the new content. Shared by the SampleReader tests.
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "probe/snapshot_reader.hpp"

namespace ms::testing {

namespace fs = std::filesystem;

struct TempTree {
  fs::path dir;
  explicit TempTree(const std::string& fixture) {
    char tmpl[] = "/tmp/ms-sample-reader-XXXXXX";
    dir = ::mkdtemp(tmpl);
    fs::copy(fs::path(MEMSLEUTH_SOURCE_DIR) / "tests/fixtures" / fixture, dir,
             fs::copy_options::recursive | fs::copy_options::copy_symlinks);
  }
  ~TempTree() {
    std::error_code ec;
    fs::remove_all(dir, ec);
  }
  HostPaths paths() const {
    HostPaths p;
    p.procfs = (dir / "proc").string();
    p.sysfs = (dir / "sys").string();
    p.rootfs = (dir / "root").string();
    return p;
  }
  fs::path proc(const std::string& rel) const { return dir / "proc" / rel; }
  fs::path memcg(const std::string& rel) const {
    fs::path base = dir / "sys/fs/cgroup/memory";
    if (!fs::exists(base)) base = dir / "sys/fs/cgroup";
    return rel.empty() ? base : base / rel;
  }
};

inline std::string slurp(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}
// In place (same inode), as the kernel changes a file: kept fds see the new content.
inline void write(const fs::path& p, const std::string& text) {
  std::ofstream out(p, std::ios::trunc);
  out << text;
}

inline Snapshot one_shot(const HostPaths& paths) {
  SnapshotOptions so;
  so.links = false;
  so.statvfs_tmpfs = false;
  so.threads = 1;
  auto s = read_snapshot(paths, so);
  EXPECT_TRUE(s) << (s ? "" : s.error().describe());
  return s ? std::move(*s) : Snapshot{};
}

inline void set_rss(const TempTree& t, int pid, uint64_t pages) {
  std::string statm = slurp(t.proc(std::to_string(pid) + "/statm"));
  std::istringstream in(statm);
  std::vector<std::string> f;
  for (std::string w; in >> w;) f.push_back(w);
  ASSERT_GE(f.size(), 4u);
  f[1] = std::to_string(pages);
  std::string out;
  for (const auto& w : f) out += (out.empty() ? "" : " ") + w;
  write(t.proc(std::to_string(pid) + "/statm"), out + "\n");
  std::string status = slurp(t.proc(std::to_string(pid) + "/status"));
  std::istringstream sin(status);
  std::string res;
  for (std::string line; std::getline(sin, line);) {
    if (line.rfind("VmRSS:", 0) == 0) line = "VmRSS:\t" + std::to_string(pages * 4) + " kB";
    if (line.rfind("RssAnon:", 0) == 0) line = "RssAnon:\t" + std::to_string(pages * 4) + " kB";
    if (line.rfind("RssFile:", 0) == 0) line = "RssFile:\t0 kB";
    if (line.rfind("RssShmem:", 0) == 0) line = "RssShmem:\t0 kB";
    res += line + "\n";
  }
  write(t.proc(std::to_string(pid) + "/status"), res);
  // stat's rss (field 24), read instead of statm when no fd is kept
  std::string stat = slurp(t.proc(std::to_string(pid) + "/stat"));
  size_t close = stat.rfind(')');
  std::istringstream fin(stat.substr(close + 2));
  std::vector<std::string> sf;
  for (std::string w; fin >> w;) sf.push_back(w);
  sf[21] = std::to_string(pages);
  std::string rest;
  for (const auto& w : sf) rest += " " + w;
  write(t.proc(std::to_string(pid) + "/stat"), stat.substr(0, close + 1) + rest + "\n");
}

// New process: a copy of `from` under a new pid, with its own start time.
inline void spawn(const TempTree& t, int from, int pid) {
  fs::copy(t.proc(std::to_string(from)), t.proc(std::to_string(pid)), fs::copy_options::recursive | fs::copy_options::copy_symlinks);
  std::string stat = slurp(t.proc(std::to_string(pid) + "/stat"));
  stat = std::to_string(pid) + stat.substr(stat.find(' '));
  // field 22 (start time): the 20th field after the comm's ')'
  size_t close = stat.rfind(')');
  std::istringstream in(stat.substr(close + 2));
  std::vector<std::string> f;
  for (std::string w; in >> w;) f.push_back(w);
  f[19] = std::to_string(std::stoull(f[19]) + 777);
  std::string rest;
  for (const auto& w : f) rest += " " + w;
  write(t.proc(std::to_string(pid) + "/stat"), stat.substr(0, close + 1) + rest + "\n");
}

// exec: new comm (stat, status, comm), new argv, new text size.
inline void exec_as(const TempTree& t, int pid, const std::string& comm) {
  std::string d = std::to_string(pid);
  std::string stat = slurp(t.proc(d + "/stat"));
  size_t open = stat.find('('), close = stat.rfind(')');
  write(t.proc(d + "/stat"), stat.substr(0, open + 1) + comm + stat.substr(close));
  std::string status = slurp(t.proc(d + "/status"));
  write(t.proc(d + "/status"), "Name:\t" + comm + status.substr(status.find('\n')));
  write(t.proc(d + "/comm"), comm + "\n");
  std::string argv = comm + std::string(1, '\0') + "--new" + std::string(1, '\0');
  write(t.proc(d + "/cmdline"), argv);
  std::string statm = slurp(t.proc(d + "/statm"));
  std::istringstream in(statm);
  std::vector<std::string> f;
  for (std::string w; in >> w;) f.push_back(w);
  f[3] = std::to_string(std::stoull(f[3]) + 1);
  std::string out;
  for (const auto& w : f) out += (out.empty() ? "" : " ") + w;
  write(t.proc(d + "/statm"), out + "\n");
}

// A leaf cgroup of the tree (relative path), found by its memory.stat and no subdirectory.
inline std::string leaf_cgroup(const TempTree& t, const std::string& containing) {
  for (auto& e : fs::recursive_directory_iterator(t.memcg(""))) {
    if (!e.is_directory()) continue;
    bool leaf = true;
    for (auto& k : fs::directory_iterator(e.path())) leaf &= !k.is_directory();
    std::string rel = fs::relative(e.path(), t.memcg("")).string();
    if (leaf && rel.find(containing) != std::string::npos) return rel;
  }
  return "";
}

// A kernel counts RSS in pages: statm, stat and status agree. Hand-written fixture values that are
// not a whole number of pages (status 450 kB) are rounded down the way the kernel would count them.
inline void whole_pages(const TempTree& t) {
  for (auto& e : fs::directory_iterator(t.dir / "proc")) {
    std::string name = e.path().filename().string();
    if (name.empty() || !std::isdigit(static_cast<unsigned char>(name[0])) || !fs::exists(e.path() / "statm")) continue;
    std::string status = slurp(e.path() / "status");
    size_t at = status.find("VmRSS:");
    if (at == std::string::npos) continue;
    uint64_t kb = std::stoull(status.substr(at + 6));
    if (kb % 4 != 0) set_rss(t, std::stoi(name), kb / 4);
  }
}

}  // namespace ms::testing
