#include "probe/kmsg.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

#include "probe/fs.hpp"
#include "util/text.hpp"

namespace ms {

std::string kmsg_unescape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 3 < s.size() && s[i + 1] == 'x') {
      int a = hex(s[i + 2]), b = hex(s[i + 3]);
      if (a >= 0 && b >= 0) {
        out += static_cast<char>(a * 16 + b);
        i += 3;
        continue;
      }
    }
    out += s[i];
  }
  return out;
}

Result<KmsgRecord> parse_kmsg_record(std::string_view raw) {
  size_t semi = raw.find(';');
  size_t nl0 = raw.find('\n');
  if (semi == std::string_view::npos || (nl0 != std::string_view::npos && nl0 < semi))
    return fail(Error::malformed("/dev/kmsg", 0, "record without ';'"));
  auto head = split(raw.substr(0, semi), ',');
  if (head.size() < 3) return fail(Error::malformed("/dev/kmsg", 0, "record header has fewer than 3 fields"));
  auto pri = parse_u64(head[0]);
  auto seq = parse_u64(head[1]);
  auto usec = parse_u64(head[2]);
  if (!pri || !seq || !usec || *pri > 0xffffff)
    return fail(Error::malformed("/dev/kmsg", 0, "bad record header '" + std::string(raw.substr(0, semi)) + "'"));
  KmsgRecord r;
  r.facility = static_cast<int>(*pri >> 3);
  r.level = static_cast<int>(*pri & 7);
  r.seq = *seq;
  r.usec = *usec;
  if (head.size() >= 4 && !head[3].empty()) r.flag = head[3][0];
  std::string_view rest = raw.substr(semi + 1);
  size_t nl = rest.find('\n');
  r.text = kmsg_unescape(rest.substr(0, nl));
  if (nl != std::string_view::npos) {
    for_each_line(rest.substr(nl + 1), [&](std::string_view line, int) {
      if (line.empty() || line[0] != ' ') return;
      line.remove_prefix(1);
      size_t eq = line.find('=');
      if (eq == std::string_view::npos) return;
      r.dict.emplace_back(std::string(line.substr(0, eq)), kmsg_unescape(line.substr(eq + 1)));
    });
  }
  return r;
}

std::optional<int64_t> parse_btime(std::string_view proc_stat) {
  std::optional<int64_t> bt;
  for_each_line(proc_stat, [&](std::string_view line, int) {
    if (!bt && starts_with(line, "btime ")) {
      if (auto v = parse_u64(trim(line.substr(6)))) bt = static_cast<int64_t>(*v);
    }
  });
  return bt;
}

std::optional<int64_t> read_boot_time(const HostPaths& paths) {
  auto text = read_file(paths.proc("stat"), FileKind::kKernel);
  if (!text) return std::nullopt;
  return parse_btime(*text);
}

Result<KmsgReader> KmsgReader::open(const HostPaths& paths, Start start) {
  return open_path(paths.host("/dev/kmsg"), start);
}

Result<KmsgReader> KmsgReader::open_path(const std::string& path, Start start) {
  int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) return fail(Error::from_errno(path, errno));
  // /dev/kmsg: SEEK_DATA = first record still in the ring (after `dmesg -c` clears), SEEK_END =
  // only records that arrive from now on. Regular files ignore this (the seek just fails).
  if (start == Start::kNewest) (void)::lseek(fd, 0, SEEK_END);
  else (void)::lseek(fd, 0, SEEK_DATA);
  return KmsgReader(fd, path);
}

KmsgReader::KmsgReader(KmsgReader&& o) noexcept
    : fd_(o.fd_),
      path_(std::move(o.path_)),
      lost_(o.lost_),
      malformed_(o.malformed_),
      last_seq_(o.last_seq_),
      carry_(std::move(o.carry_)) {
  o.fd_ = -1;
}

KmsgReader& KmsgReader::operator=(KmsgReader&& o) noexcept {
  if (this != &o) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = o.fd_;
    path_ = std::move(o.path_);
    carry_ = std::move(o.carry_);
    lost_ = o.lost_;
    malformed_ = o.malformed_;
    last_seq_ = o.last_seq_;
    o.fd_ = -1;
  }
  return *this;
}

KmsgReader::~KmsgReader() {
  if (fd_ >= 0) ::close(fd_);
}

void KmsgReader::split_records(std::string_view chunk, std::vector<KmsgRecord>& out) {
  // /dev/kmsg returns one record per read; a regular file holds many, one per line, with
  // dictionary lines starting with a space. Split on record starts.
  size_t pos = 0;
  while (pos < chunk.size()) {
    size_t end = pos;
    for (;;) {
      size_t nl = chunk.find('\n', end);
      if (nl == std::string_view::npos) {
        end = chunk.size();
        break;
      }
      end = nl + 1;
      if (end >= chunk.size() || chunk[end] != ' ') break;
    }
    auto rec = parse_kmsg_record(chunk.substr(pos, end - pos));
    if (rec) {
      if (last_seq_ && rec->seq > *last_seq_ + 1) lost_ += rec->seq - *last_seq_ - 1;
      last_seq_ = rec->seq;
      out.push_back(std::move(*rec));
    } else {
      ++malformed_;
    }
    pos = end;
  }
}

Result<std::vector<KmsgRecord>> KmsgReader::read_available() {
  std::vector<KmsgRecord> out;
  // A record is at most ~8 KiB with its dictionary; a read with a smaller buffer fails with EINVAL.
  std::string buf(16384, '\0');
  for (;;) {
    ssize_t n = ::read(fd_, buf.data(), buf.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN) break;
      if (errno == EPIPE) {  // the record we were about to read was overwritten: skip ahead
        ++lost_;
        continue;
      }
      return fail(Error::from_errno(path_, errno));
    }
    if (n == 0) {  // regular file at EOF: a last record without its newline still counts
      if (!carry_.empty()) split_records(carry_, out);
      carry_.clear();
      break;
    }
    // A regular file may cut a record at the buffer end: keep the unfinished tail for later.
    carry_.append(buf.data(), static_cast<size_t>(n));
    size_t complete = carry_.rfind('\n');
    if (complete == std::string::npos) continue;
    std::string block = carry_.substr(0, complete + 1);
    carry_.erase(0, complete + 1);
    split_records(block, out);
  }
  return out;
}

}  // namespace ms
