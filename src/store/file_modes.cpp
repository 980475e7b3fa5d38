#include "store/file_modes.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>

namespace ms::store {

namespace {

bool special(const std::string& p) {
  return p.empty() || p == ":memory:" || p.starts_with("file:");
}

std::string octal(mode_t m) {
  return fmt::format("{:04o}", m & 07777);
}

// mkdir -p, the last component 0700 (ours), the parents as the umask says (shared system dirs).
Result<bool> make_dirs(const std::filesystem::path& dir) {
  struct stat st {};
  if (::stat(dir.c_str(), &st) == 0) return false;
  if (dir.has_parent_path() && dir.parent_path() != dir) {
    auto up = dir.parent_path();
    struct stat ps {};
    if (::stat(up.c_str(), &ps) != 0) {
      std::error_code ec;
      std::filesystem::create_directories(up, ec);
      if (ec) return fail(Error::from_errno(up.string(), ec.value()));
    }
  }
  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) return fail(Error::from_errno(dir.string(), errno));
  ::chmod(dir.c_str(), 0700);
  return true;
}

}  // namespace

Result<std::vector<std::string>> prepare_db_location(const std::string& db_path) {
  std::vector<std::string> notes;
  if (special(db_path)) return notes;
  std::filesystem::path db(db_path);
  std::filesystem::path dir = db.has_parent_path() ? db.parent_path() : std::filesystem::path(".");
  auto made = make_dirs(dir);
  if (!made) return fail(made.error());
  if (*made) {
    notes.push_back(fmt::format("created {} (0700)", dir.string()));
  } else {
    struct stat st {};
    if (::stat(dir.c_str(), &st) == 0 && (st.st_mode & 077) != 0) {
      bool ours = dir.filename().string().find("memsleuth") != std::string::npos && st.st_uid == ::geteuid();
      if (ours && ::chmod(dir.c_str(), st.st_mode & 07700) == 0)
        notes.push_back(fmt::format("tightened {} from {} to {}: the history keeps command lines", dir.string(),
                                    octal(st.st_mode), octal(st.st_mode & 07700)));
      else if ((st.st_mode & 07) != 0)
        notes.push_back(
            fmt::format("warning: {} is {} (open to other users) and not memsleuth's own directory, so it "
                        "is left as it is; the database itself is 0600. Keep the history in a directory "
                        "of its own, e.g. /var/lib/memsleuth",
                        dir.string(), octal(st.st_mode)));
    }
  }
  // An empty file is a new database to SQLite: creating it here gives it 0600 from the first byte
  // (SQLite would create it 0644, and its -wal and -shm take the database's mode).
  int fd = ::open(db_path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd >= 0) {
    ::fchmod(fd, 0600);
    ::close(fd);
  } else if (errno != EEXIST) {
    return fail(Error::from_errno(db_path, errno));
  }
  return notes;
}

std::vector<std::string> tighten_db_files(const std::string& db_path) {
  std::vector<std::string> notes;
  if (special(db_path)) return notes;
  for (const std::string& f : {db_path, db_path + "-wal", db_path + "-shm"}) {
    struct stat st {};
    if (::lstat(f.c_str(), &st) != 0 || !S_ISREG(st.st_mode) || (st.st_mode & 077) == 0) continue;
    if (st.st_uid != ::geteuid()) {
      notes.push_back(fmt::format("warning: {} is {} and owned by uid {}, not by us: left as it is", f,
                                  octal(st.st_mode), st.st_uid));
      continue;
    }
    if (::chmod(f.c_str(), st.st_mode & 07700) == 0)
      notes.push_back(fmt::format("tightened {} from {} to {}", f, octal(st.st_mode), octal(st.st_mode & 07700)));
  }
  return notes;
}

}  // namespace ms::store
