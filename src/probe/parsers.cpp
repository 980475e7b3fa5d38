#include "probe/parsers.hpp"

#include <algorithm>
#include <climits>
#include <fmt/format.h>

#include "util/text.hpp"

namespace ms {

namespace {
std::string P(std::string_view p) { return std::string(p); }

// mountinfo escapes space, tab, newline and backslash as \ooo octal.
std::string unescape_octal(std::string_view s) {
  auto octal = [&](size_t k) { return k < s.size() && s[k] >= '0' && s[k] <= '7'; };
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && octal(i + 1) && octal(i + 2) && octal(i + 3)) {
      out += static_cast<char>((s[i + 1] - '0') * 64 + (s[i + 2] - '0') * 8 + (s[i + 3] - '0'));
      i += 3;
      continue;
    }
    out += s[i];
  }
  return out;
}
}  // namespace

Result<KeyValues> parse_meminfo(std::string_view text, std::string_view path, std::vector<std::string>* warnings) {
  KeyValues kv;
  std::optional<Error> err;
  for_each_line(text, [&](std::string_view line, int n) {
    if (err || trim(line).empty()) return;
    size_t colon = line.find(':');
    if (colon == std::string_view::npos) {
      err = Error::malformed(P(path), n, fmt::format("no ':' in line '{}'", line));
      return;
    }
    auto key = trim(line.substr(0, colon));
    auto fields = split_ws(line.substr(colon + 1));
    if (fields.empty()) {
      err = Error::malformed(P(path), n, fmt::format("no value for '{}'", key));
      return;
    }
    auto v = parse_u64(fields[0]);
    if (!v) {
      err = Error::malformed(P(path), n, fmt::format("bad number '{}' for '{}'", fields[0], key));
      return;
    }
    uint64_t val = *v;
    if (fields.size() > 1) {
      if (fields[1] != "kB") {
        err = Error::malformed(P(path), n, fmt::format("unknown unit '{}' for '{}'", fields[1], key));
        return;
      }
      auto bytes = kib_to_bytes(val);
      if (!bytes) {
        Error e =
            Error::malformed(P(path), n, fmt::format("{} {} kB does not fit in 64 bits of bytes: left out", key, val));
        if (!warnings)
          err = e;
        else
          warnings->push_back(e.describe());
        return;
      }
      val = *bytes;
    }
    kv.items.emplace_back(std::string(key), val);
  });
  if (err) return fail(*err);
  auto total = kv.get("MemTotal");
  if (!total) return fail(Error::malformed(P(path), 0, "no MemTotal field"));
  if (*total == 0) return fail(Error::malformed(P(path), 0, "MemTotal is 0: not a node's memory"));
  return kv;
}

Result<void> parse_flat_keyed_into(std::string_view text, std::string_view path, KeyValues& out) {
  // memory.stat is read for every cgroup of every sample: the keys already held are reused when they
  // come in the same order (a kernel's always do), so a re-read allocates nothing.
  auto is_blank = [](char c) { return c == ' ' || c == '\t'; };
  auto token = [&](std::string_view& rest) {  // next space/tab separated field, as split_ws
    size_t b = 0;
    while (b < rest.size() && is_blank(rest[b])) ++b;
    size_t e = b;
    while (e < rest.size() && !is_blank(rest[e])) ++e;
    std::string_view t = rest.substr(b, e - b);
    rest.remove_prefix(e);
    return t;
  };
  size_t i = 0;
  std::optional<Error> err;
  for_each_line(text, [&](std::string_view line, int n) {
    if (err || trim(line).empty()) return;
    std::string_view rest = line;
    std::string_view key = token(rest), value = token(rest);
    if (value.empty() || !token(rest).empty()) {
      err = Error::malformed(P(path), n, fmt::format("expected 'key value', got '{}'", line));
      return;
    }
    uint64_t v = 0;
    if (auto u = parse_u64(value)) {
      v = *u;
    } else if (!parse_i64(value)) {  // a negative memcg stat is a kernel batching artefact: 0
      err = Error::malformed(P(path), n, fmt::format("bad number '{}' for '{}'", value, key));
      return;
    }
    if (i < out.items.size()) {
      if (out.items[i].first != key) out.items[i].first.assign(key);
      out.items[i].second = v;
    } else {
      out.items.emplace_back(std::string(key), v);
    }
    ++i;
  });
  if (err) {
    out.items.clear();
    return fail(*err);
  }
  out.items.resize(i);
  return {};
}

Result<KeyValues> parse_flat_keyed(std::string_view text, std::string_view path) {
  KeyValues kv;
  kv.items.reserve(static_cast<size_t>(std::count(text.begin(), text.end(), '\n')) + 1);
  if (auto r = parse_flat_keyed_into(text, path, kv); !r) return fail(r.error());
  return kv;
}

Result<Psi> parse_psi(std::string_view text, std::string_view path) {
  Psi psi;
  bool have_some = false;
  std::optional<Error> err;
  for_each_line(text, [&](std::string_view line, int n) {
    if (err || trim(line).empty()) return;
    auto f = split_ws(line);
    if (f.size() != 5 || (f[0] != "some" && f[0] != "full")) {
      err = Error::malformed(P(path), n, fmt::format("unexpected line '{}'", line));
      return;
    }
    PsiLine pl;
    double* dst[3] = {&pl.avg10, &pl.avg60, &pl.avg300};
    const char* names[3] = {"avg10=", "avg60=", "avg300="};
    for (int i = 0; i < 3; ++i) {
      auto kv = f[1 + i];
      auto d = starts_with(kv, names[i]) ? parse_double(kv.substr(std::string_view(names[i]).size())) : std::nullopt;
      if (!d) {
        err = Error::malformed(P(path), n, fmt::format("bad field '{}'", kv));
        return;
      }
      *dst[i] = *d;
    }
    auto t = starts_with(f[4], "total=") ? parse_u64(f[4].substr(6)) : std::nullopt;
    if (!t) {
      err = Error::malformed(P(path), n, fmt::format("bad field '{}'", f[4]));
      return;
    }
    pl.total_us = *t;
    if (f[0] == "some") {
      psi.some = pl;
      have_some = true;
    } else {
      psi.full = pl;
    }
  });
  if (err) return fail(*err);
  if (!have_some) return fail(Error::malformed(P(path), 0, "no 'some' line"));
  return psi;
}

Result<std::vector<SlabCache>> parse_slabinfo(std::string_view text, std::string_view path) {
  std::vector<SlabCache> out;
  std::optional<Error> err;
  for_each_line(text, [&](std::string_view line, int n) {
    if (err || trim(line).empty()) return;
    if (n == 1) {
      if (!starts_with(line, "slabinfo - version: 2."))
        err = Error::malformed(P(path), n, fmt::format("unsupported header '{}'", line));
      return;
    }
    if (line[0] == '#') return;
    auto f = split_ws(line);
    if (f.size() < 4) {
      err = Error::malformed(P(path), n, fmt::format("too few fields in '{}'", line));
      return;
    }
    auto a = parse_u64(f[1]), num = parse_u64(f[2]), sz = parse_u64(f[3]);
    auto bytes = num && sz ? checked_mul(*num, *sz) : std::nullopt;
    if (!a || !bytes) {
      err = Error::malformed(P(path), n, fmt::format("bad numbers in '{}'", line));
      return;
    }
    out.push_back(SlabCache{std::string(f[0]), *a, *num, *sz, *bytes});
  });
  if (err) return fail(*err);
  std::stable_sort(out.begin(), out.end(), [](const SlabCache& x, const SlabCache& y) { return x.bytes > y.bytes; });
  return out;
}

Result<std::vector<Mount>> parse_mountinfo(std::string_view text, std::string_view path) {
  std::vector<Mount> out;
  std::optional<Error> err;
  for_each_line(text, [&](std::string_view line, int n) {
    if (err || trim(line).empty()) return;
    auto f = split_ws(line);
    auto dash = std::find(f.begin(), f.end(), std::string_view("-"));
    if (f.size() < 10 || dash == f.end() || dash - f.begin() < 6 || f.end() - dash < 3) {
      err = Error::malformed(P(path), n, fmt::format("unexpected mountinfo line '{}'", line));
      return;
    }
    Mount m;
    auto id = parse_u64(f[0]), parent = parse_u64(f[1]);
    if (!id || !parent) {
      err = Error::malformed(P(path), n, "bad mount id");
      return;
    }
    m.mount_id = static_cast<int>(*id);
    m.parent_id = static_cast<int>(*parent);
    m.major_minor = f[2];
    m.root = unescape_octal(f[3]);
    m.mount_point = unescape_octal(f[4]);
    m.options = f[5];
    m.fs_type = dash[1];
    m.source = unescape_octal(dash[2]);
    if (dash + 3 < f.end()) m.super_options = dash[3];
    out.push_back(std::move(m));
  });
  if (err) return fail(*err);
  return out;
}

Result<std::vector<CgroupLine>> parse_proc_cgroup(std::string_view text, std::string_view path) {
  std::vector<CgroupLine> out;
  out.reserve(static_cast<size_t>(std::count(text.begin(), text.end(), '\n')) + 1);  // one allocation, not log2(lines)
  std::optional<Error> err;
  for_each_line(text, [&](std::string_view line, int n) {
    if (err || trim(line).empty()) return;
    size_t c1 = line.find(':');
    size_t c2 = c1 == std::string_view::npos ? c1 : line.find(':', c1 + 1);
    if (c2 == std::string_view::npos) {
      err = Error::malformed(P(path), n, fmt::format("expected 'id:controllers:path', got '{}'", line));
      return;
    }
    auto id = parse_u64(line.substr(0, c1));
    if (!id) {
      err = Error::malformed(P(path), n, fmt::format("bad hierarchy id in '{}'", line));
      return;
    }
    // The path is everything after the second ':' (it may itself contain ':').
    out.push_back(CgroupLine{static_cast<int>(*id), std::string(line.substr(c1 + 1, c2 - c1 - 1)),
                             std::string(line.substr(c2 + 1))});
  });
  if (err) return fail(*err);
  return out;
}

std::optional<std::string> memory_cgroup_of(const std::vector<CgroupLine>& lines, bool memory_on_v2) {
  for (const auto& l : lines) {
    if (memory_on_v2) {
      if (l.hierarchy_id == 0 && l.controllers.empty()) return l.path;
      continue;
    }
    std::string_view c = l.controllers;
    while (!c.empty()) {
      size_t comma = c.find(',');
      if (c.substr(0, comma) == "memory") return l.path;
      if (comma == std::string_view::npos) break;
      c.remove_prefix(comma + 1);
    }
  }
  return std::nullopt;
}

namespace {
// Next space/tab separated token of s (advancing s); empty when none is left. No allocation: the
// per-process parsers run thousands of times per snapshot.
std::string_view next_token(std::string_view& s) {
  size_t i = 0;
  while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
  size_t b = i;
  while (i < s.size() && s[i] != ' ' && s[i] != '\t' && s[i] != '\n') ++i;
  std::string_view tok = s.substr(b, i - b);
  s.remove_prefix(i);
  return tok;
}
}  // namespace

Result<ProcStat> parse_proc_stat(std::string_view text, std::string_view path) {
  size_t open = text.find('(');
  size_t close = text.rfind(')');
  if (open == std::string_view::npos || close == std::string_view::npos || close < open)
    return fail(Error::malformed(P(path), 1, "no '(comm)' field"));
  ProcStat s;
  auto pid = parse_u64(trim(text.substr(0, open)));
  if (!pid) return fail(Error::malformed(P(path), 1, "bad pid field"));
  s.pid = static_cast<int>(*pid);
  s.comm.assign(text.substr(open + 1, close - open - 1));
  std::string_view rest = text.substr(close + 1);
  // Fields 3..24 (state .. rss); field k is token k-3.
  std::string_view f[22];
  for (int i = 0; i < 22; ++i) {
    f[i] = next_token(rest);
    if (f[i].empty()) return fail(Error::malformed(P(path), 1, fmt::format("only {} fields after comm", i)));
  }
  s.state = f[0][0];
  auto ppid = parse_i64(f[1]);
  auto flags = parse_u64(f[6]);
  auto thr = parse_i64(f[17]);
  auto start = parse_u64(f[19]);
  auto rss = parse_i64(f[21]);
  if (!ppid || !flags || !thr || !start || !rss) return fail(Error::malformed(P(path), 1, "bad numeric field"));
  s.ppid = static_cast<int>(*ppid);
  s.flags = static_cast<unsigned>(*flags);
  s.num_threads = static_cast<int>(*thr);
  s.start_time = *start;
  s.rss_pages = *rss < 0 ? 0 : static_cast<uint64_t>(*rss);
  return s;
}

Result<ProcStatus> parse_proc_status(std::string_view text, std::string_view path) {
  ProcStatus st;
  int n = 0;
  while (!text.empty()) {
    size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
    ++n;
    size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    std::string_view key = line.substr(0, colon);
    std::string_view rest = line.substr(colon + 1);
    // Dispatch on the first letter before comparing whole keys: status has ~55 lines, we want 9.
    std::optional<uint64_t>* kb = nullptr;
    switch (key.empty() ? 0 : key[0]) {
      case 'U':
        if (key == "Uid") {
          auto v = parse_u64(next_token(rest));
          if (!v) return fail(Error::malformed(P(path), n, "bad Uid"));
          st.uid = static_cast<uint32_t>(*v);
        }
        break;
      case 'V':
        if (key == "VmRSS") kb = &st.vm_rss;
        else if (key == "VmSwap") kb = &st.vm_swap;
        else if (key == "VmSize") st.has_vm_size = true;
        break;
      case 'R':
        if (key == "RssAnon") kb = &st.rss_anon;
        else if (key == "RssFile") kb = &st.rss_file;
        else if (key == "RssShmem") kb = &st.rss_shmem;
        break;
      case 'K':
        if (key == "Kthread") st.kthread = trim(rest) == "1";
        break;
      case 'T':
        if (key == "Threads") {
          if (auto v = parse_u64(trim(rest))) st.threads = static_cast<int>(*v);
        }
        break;
      default: break;
    }
    if (kb) {
      auto v = parse_u64(next_token(rest));
      if (!v) return fail(Error::malformed(P(path), n, fmt::format("bad value for {}", key)));
      *kb = kib_to_bytes(*v);
      if (!*kb)
        st.warnings.push_back(
            Error::malformed(P(path), n,
                             fmt::format("{} {} kB does not fit in 64 bits of bytes: left unknown", key, *v))
                .describe());
    }
  }
  return st;
}

std::vector<std::string> parse_cmdline(std::string_view raw) {
  std::vector<std::string> out;
  if (raw.empty()) return out;
  if (raw.back() == '\0') raw.remove_suffix(1);
  // No intermediate vector of views: one reserve, one string per argument.
  out.reserve(static_cast<size_t>(std::count(raw.begin(), raw.end(), '\0')) + 1);
  for (;;) {
    size_t z = raw.find('\0');
    out.emplace_back(raw.substr(0, z));
    if (z == std::string_view::npos) break;
    raw.remove_prefix(z + 1);
  }
  return out;
}

Result<SmapsRollup> parse_smaps_rollup(std::string_view text, std::string_view path) {
  SmapsRollup r;
  bool any = false;
  std::optional<Error> err;
  for_each_line(text, [&](std::string_view line, int n) {
    if (err) return;
    size_t colon = line.find(':');
    if (colon == std::string_view::npos || line.find(' ') < colon) return;  // header line
    auto key = line.substr(0, colon);
    uint64_t* dst = nullptr;
    if (key == "Rss") dst = &r.rss;
    else if (key == "Pss") dst = &r.pss;
    else if (key == "Private_Clean") dst = &r.private_clean;
    else if (key == "Private_Dirty") dst = &r.private_dirty;
    else if (key == "Swap") dst = &r.swap;
    if (!dst) return;
    auto f = split_ws(line.substr(colon + 1));
    auto v = f.empty() ? std::nullopt : parse_u64(f[0]);
    auto bytes = v ? kib_to_bytes(*v) : std::nullopt;
    if (!bytes) {
      err = Error::malformed(
          P(path), n,
          v ? fmt::format("{} {} kB does not fit in 64 bits of bytes", key, *v) : fmt::format("bad value for {}", key));
      return;
    }
    *dst = *bytes;
    any = true;
  });
  if (err) return fail(*err);
  if (!any) return fail(Error::malformed(P(path), 0, "no Rss/Pss fields"));
  return r;
}

Result<std::optional<uint64_t>> parse_cgroup_limit(std::string_view text, std::string_view path) {
  auto t = trim(text);
  if (t == "max") return std::optional<uint64_t>{};
  auto v = parse_u64(t);
  if (!v) {
    if (parse_i64(t)) return std::optional<uint64_t>{};  // v1 soft_limit "-1" style: unlimited
    return fail(Error::malformed(P(path), 1, fmt::format("bad limit '{}'", t)));
  }
  if (*v >= kUnlimitedThreshold) return std::optional<uint64_t>{};
  return std::optional<uint64_t>{*v};
}

std::optional<uint64_t> cgroup_limit_from_pages(uint64_t max_pages, uint32_t page_size) {
  if (page_size == 0 || max_pages >= static_cast<uint64_t>(LONG_MAX) / page_size) return std::nullopt;
  uint64_t bytes = max_pages * page_size;
  if (bytes >= kUnlimitedThreshold) return std::nullopt;
  return bytes;
}

Result<uint64_t> parse_single_u64(std::string_view text, std::string_view path) {
  auto v = parse_u64(trim(text));
  if (!v) return fail(Error::malformed(P(path), 1, fmt::format("bad number '{}'", trim(text))));
  return *v;
}

}  // namespace ms
