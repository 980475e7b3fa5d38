#include "probe/journal_tail.hpp"

#include <cstring>
#include <type_traits>

#ifdef MEMSLEUTH_HAVE_JOURNAL
#include <dlfcn.h>
#include <systemd/sd-journal.h>
#endif

namespace ms {

#ifdef MEMSLEUTH_HAVE_JOURNAL

namespace {

// libsystemd is loaded when a journal is first opened, not linked: it and what it pulls in
// (libgcrypt, liblzma, libzstd, liblz4, libcap) cost every command ~2 ms of start-up (page faults
// and relocations), and only the commands that read the kubelet's journal need it. A host or image
// without libsystemd0 then still runs memsleuth, without the journal (reported by open()).
struct SdJournal {
  decltype(&sd_journal_open_directory) open_directory = nullptr;
  decltype(&sd_journal_close) close = nullptr;
  decltype(&sd_journal_add_match) add_match = nullptr;
  decltype(&sd_journal_add_disjunction) add_disjunction = nullptr;
  decltype(&sd_journal_set_data_threshold) set_data_threshold = nullptr;
  decltype(&sd_journal_get_fd) get_fd = nullptr;
  decltype(&sd_journal_seek_realtime_usec) seek_realtime_usec = nullptr;
  decltype(&sd_journal_process) process = nullptr;
  decltype(&sd_journal_next) next = nullptr;
  decltype(&sd_journal_get_realtime_usec) get_realtime_usec = nullptr;
  decltype(&sd_journal_get_data) get_data = nullptr;
  std::string error;  // why it could not be loaded; empty when loaded
};

const SdJournal& sd() {
  static const SdJournal api = [] {
    SdJournal a;
    void* h = ::dlopen("libsystemd.so.0", RTLD_NOW | RTLD_LOCAL);  // never closed: used to the end
    if (!h) {
      const char* e = ::dlerror();
      a.error = e ? e : "libsystemd.so.0 not found";
      return a;
    }
    auto load = [&](auto& fn, const char* name) {
      fn = reinterpret_cast<std::remove_reference_t<decltype(fn)>>(::dlsym(h, name));
      if (!fn && a.error.empty()) a.error = std::string("libsystemd.so.0 has no ") + name;
    };
    load(a.open_directory, "sd_journal_open_directory");
    load(a.close, "sd_journal_close");
    load(a.add_match, "sd_journal_add_match");
    load(a.add_disjunction, "sd_journal_add_disjunction");
    load(a.set_data_threshold, "sd_journal_set_data_threshold");
    load(a.get_fd, "sd_journal_get_fd");
    load(a.seek_realtime_usec, "sd_journal_seek_realtime_usec");
    load(a.process, "sd_journal_process");
    load(a.next, "sd_journal_next");
    load(a.get_realtime_usec, "sd_journal_get_realtime_usec");
    load(a.get_data, "sd_journal_get_data");
    return a;
  }();
  return api;
}

// The value of FIELD=value data returned by sd_journal_get_data, or empty when absent.
std::string field(sd_journal* j, const char* name, size_t cap) {
  const void* data = nullptr;
  size_t len = 0;
  if (sd().get_data(j, name, &data, &len) < 0 || !data) return {};
  size_t skip = std::strlen(name) + 1;  // "NAME="
  if (len < skip) return {};
  std::string v(static_cast<const char*>(data) + skip, len - skip);
  if (v.size() > cap) v.resize(cap);
  return v;
}

}  // namespace

struct JournalTail::Impl {
  sd_journal* j = nullptr;
  Options opts;
  ~Impl() {
    if (j) sd().close(j);
  }
};

bool JournalTail::supported() { return sd().error.empty(); }

Result<JournalTail> JournalTail::open(const std::string& root, const std::vector<std::string>& units,
                                      const std::vector<std::string>& identifiers, Options opts, int64_t now_us) {
  const SdJournal& api = sd();
  if (!api.error.empty()) return fail(Error::invalid("the journal cannot be read: " + api.error));
  auto impl = std::make_unique<Impl>();
  impl->opts = opts;
  // SD_JOURNAL_OS_ROOT: `root` is an OS tree; its /var/log/journal and /run/log/journal are read.
  int r = api.open_directory(&impl->j, root.c_str(), SD_JOURNAL_OS_ROOT);
  if (r < 0) return fail(Error::from_errno(root + "/var/log/journal", -r));
  bool first = true;
  auto match = [&](const std::string& kv) -> int {
    if (!first) api.add_disjunction(impl->j);
    first = false;
    return api.add_match(impl->j, kv.data(), kv.size());
  };
  for (const auto& u : units)
    if ((r = match("_SYSTEMD_UNIT=" + u)) < 0) return fail(Error::invalid("journal match for unit " + u + " failed"));
  for (const auto& i : identifiers)
    if ((r = match("SYSLOG_IDENTIFIER=" + i)) < 0)
      return fail(Error::invalid("journal match for identifier " + i + " failed"));
  api.set_data_threshold(impl->j, opts.max_message + 64);
  // An inotify watch on the journal directories: sd_journal_process() then notices new and
  // rotated files (a journal read without it only ever sees the files present at open).
  api.get_fd(impl->j);
  int64_t start = now_us - opts.backlog_us;
  if (start < 0) start = 0;
  if ((r = api.seek_realtime_usec(impl->j, static_cast<uint64_t>(start))) < 0)
    return fail(Error::from_errno(root + "/var/log/journal", -r));
  return JournalTail(std::move(impl));
}

std::vector<JournalEntry> JournalTail::poll() {
  std::vector<JournalEntry> out;
  if (!impl_ || !impl_->j) return out;
  sd().process(impl_->j);
  while (out.size() < impl_->opts.max_entries_per_poll) {
    int r = sd().next(impl_->j);
    if (r <= 0) break;  // 0: at the end for now; < 0: a corrupt or vanished file, try again next poll
    JournalEntry e;
    uint64_t usec = 0;
    if (sd().get_realtime_usec(impl_->j, &usec) >= 0) e.realtime_us = static_cast<int64_t>(usec);
    e.message = field(impl_->j, "MESSAGE", impl_->opts.max_message);
    e.identifier = field(impl_->j, "SYSLOG_IDENTIFIER", 256);
    e.unit = field(impl_->j, "_SYSTEMD_UNIT", 256);
    out.push_back(std::move(e));
  }
  return out;
}

#else  // built without libsystemd

struct JournalTail::Impl {};

bool JournalTail::supported() { return false; }

Result<JournalTail> JournalTail::open(const std::string&, const std::vector<std::string>&,
                                      const std::vector<std::string>&, Options, int64_t) {
  return fail(Error::invalid("this memsleuth was built without libsystemd: the journal cannot be read"));
}

std::vector<JournalEntry> JournalTail::poll() { return {}; }

#endif

JournalTail::JournalTail(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
JournalTail::JournalTail(JournalTail&&) noexcept = default;
JournalTail& JournalTail::operator=(JournalTail&&) noexcept = default;
JournalTail::~JournalTail() = default;

}  // namespace ms
