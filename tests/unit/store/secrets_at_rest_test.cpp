// The history database keeps command lines for days: it is 0600 in a 0700 directory, what an older
// memsleuth left looser is tightened, and command lines are stored redacted unless told otherwise.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include "../temp_db.hpp"
#include "store/file_modes.hpp"
#include "store/history.hpp"
#include "store/writer.hpp"
#include "util/redact.hpp"

using namespace ms;
using namespace ms::store;
using ms::test_support::TempDb;

namespace {

mode_t mode_of(const std::string& p) {
  struct stat st {};
  EXPECT_EQ(::stat(p.c_str(), &st), 0) << p;
  return st.st_mode & 07777;
}

Snapshot one_process(int64_t t, std::vector<std::string> argv) {
  Snapshot s;
  s.time = t;
  s.boot_time = 1700000000;
  s.cgroup_version = CgroupVersion::kV1;
  s.meminfo.items = {{"MemTotal", 8ull << 30}, {"MemFree", 1ull << 30}, {"MemAvailable", 2ull << 30}};
  Process p;
  p.pid = 42;
  p.ppid = 1;
  p.start_time = 1000;
  p.comm = "psql";
  p.cmdline = std::move(argv);
  p.rss_bytes = 64 << 20;
  p.memory_cgroup = "/system.slice/backup.service";
  s.processes = {p};
  return s;
}

std::string stored_cmdline(const std::string& db) {
  auto h = History::open(db);
  EXPECT_TRUE(h);
  auto m = (*h)->at(100).value();
  EXPECT_TRUE(m);
  std::string out;
  for (const auto& a : m->snapshot.processes.at(0).cmdline) out += (out.empty() ? "" : " ") + a;
  return out;
}

void write_one(const std::string& db, WriterOptions o, std::vector<std::string> argv) {
  auto w = StoreWriter::open(db, o);
  ASSERT_TRUE(w) << w.error().describe();
  auto s = one_process(100, std::move(argv));
  SampleInput in;
  in.snapshot = &s;
  in.processes = {0};
  ASSERT_TRUE((*w)->write_sample(in));
}

struct Umask {
  mode_t old;
  explicit Umask(mode_t m) : old(::umask(m)) {}
  ~Umask() { ::umask(old); }
};

}  // namespace

TEST(SecretsAtRest, NewDatabaseIs0600InA0700Directory) {
  Umask um(022);  // the usual umask, which would give 0644 and 0755
  TempDb t;
  std::string dir = t.dir + "/var/lib/memsleuth", db = dir + "/history.db";
  auto w = StoreWriter::open(db);
  ASSERT_TRUE(w) << w.error().describe();
  EXPECT_EQ(mode_of(dir), 0700u);
  EXPECT_EQ(mode_of(t.dir + "/var/lib"), 0755u);  // parents are shared system directories
  EXPECT_EQ(mode_of(db), 0600u);
  auto s = one_process(100, {"psql"});
  SampleInput in;
  in.snapshot = &s;
  in.processes = {0};
  ASSERT_TRUE((*w)->write_sample(in));
  EXPECT_EQ(mode_of(db + "-wal"), 0600u);
  EXPECT_EQ(mode_of(db + "-shm"), 0600u);
}

TEST(SecretsAtRest, TightensWhatAnOlderMemsleuthCreated) {
  Umask um(022);
  TempDb t;
  std::string dir = t.dir + "/memsleuth", db = dir + "/history.db";
  std::filesystem::create_directory(dir);
  ::chmod(dir.c_str(), 0755);  // as the kubelet creates a DirectoryOrCreate hostPath
  write_one(db, {}, {"psql"});
  ::chmod(dir.c_str(), 0755);
  ::chmod(db.c_str(), 0644);
  auto w = StoreWriter::open(db);
  ASSERT_TRUE(w);
  EXPECT_EQ(mode_of(dir), 0700u);
  EXPECT_EQ(mode_of(db), 0600u);
  std::string notes;
  for (const auto& n : (*w)->notes()) notes += n + "\n";
  EXPECT_NE(notes.find("tightened " + dir + " from 0755 to 0700"), std::string::npos) << notes;
  EXPECT_NE(notes.find("tightened " + db + " from 0644 to 0600"), std::string::npos) << notes;
}

TEST(SecretsAtRest, WarnsAboutADirectoryThatIsNotItsOwn) {
  Umask um(022);
  TempDb t;
  std::string dir = t.dir + "/shared", db = dir + "/history.db";
  std::filesystem::create_directory(dir);
  ::chmod(dir.c_str(), 0755);
  auto notes = prepare_db_location(db);
  ASSERT_TRUE(notes);
  EXPECT_EQ(mode_of(dir), 0755u);  // not memsleuth's: left alone
  EXPECT_EQ(mode_of(db), 0600u);
  ASSERT_EQ(notes->size(), 1u);
  EXPECT_NE(notes->front().find("warning: " + dir + " is 0755"), std::string::npos) << notes->front();
}

TEST(SecretsAtRest, LeavesAForeignFileAsItIs) {
  TempDb t;
  std::string db = t.dir + "/h.db";
  write_one(db, {}, {"psql"});
  ::chmod(db.c_str(), 0644);
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to give the file to another user";
  ASSERT_EQ(::chown(db.c_str(), 65534, 65534), 0);
  auto notes = tighten_db_files(db);
  EXPECT_EQ(mode_of(db), 0644u);
  ASSERT_FALSE(notes.empty());
  EXPECT_NE(notes.front().find("owned by uid 65534"), std::string::npos) << notes.front();
}

TEST(SecretsAtRest, CommandLinesAreStoredRedacted) {
  TempDb t;
  write_one(t.path, {}, {"psql", "--password=hunter2", "postgres://app:pw@db/x", "PGPASSWORD=x"});
  std::string got = stored_cmdline(t.path);
  EXPECT_EQ(got, "psql --password=<redacted> postgres://app:<redacted>@db/x PGPASSWORD=<redacted>");
  // Nothing of the secrets is anywhere in the file (identity rows, provenance, frames).
  std::ifstream f(t.path, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(f)), {});
  std::ifstream wal(t.path + "-wal", std::ios::binary);
  bytes += std::string((std::istreambuf_iterator<char>(wal)), {});
  EXPECT_EQ(bytes.find("hunter2"), std::string::npos);
}

TEST(SecretsAtRest, NoRedactKeepsThem) {
  TempDb t;
  WriterOptions o;
  o.redact_secrets = false;
  write_one(t.path, o, {"psql", "--password=hunter2"});
  EXPECT_EQ(stored_cmdline(t.path), "psql --password=hunter2");
}
