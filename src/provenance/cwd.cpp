#include "provenance/cwd.hpp"

#include <cctype>
#include <fmt/format.h>
#include <set>
#include <thread>

#include "probe/fs.hpp"
#include "provenance/updatedb_crawl.hpp"
#include "util/text.hpp"

namespace ms {

Result<std::vector<CwdSample>> sample_cwd(const HostPaths& paths, int pid, std::chrono::milliseconds duration,
                                          int count) {
  if (count < 1) count = 1;
  std::vector<CwdSample> out;
  std::string link = paths.proc(std::to_string(pid) + "/cwd");
  std::string dir = paths.proc(std::to_string(pid));
  auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < count; ++i) {
    if (i > 0) {
      auto due = t0 + duration * i / (count - 1);
      std::this_thread::sleep_until(due);
    }
    CwdSample s;
    s.offset_ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0).count();
    auto r = read_link(link);
    if (r) {
      s.path = std::move(*r);
    } else if (r.error().kind == Error::Kind::kNotFound || !is_dir(dir)) {
      return fail(Error{Error::Kind::kNotFound, dir, 0, "process exited"});
    }
    out.push_back(std::move(s));
  }
  return out;
}

namespace {

bool is_uuid(std::string_view s) {
  if (s.size() != 36) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? (s[i] != '-' && s[i] != '_') : !std::isxdigit(static_cast<unsigned char>(s[i]))) return false;
  }
  return true;
}

std::string norm_uid(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = c == '_' ? '-' : static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string_view strip_deleted(std::string_view p) {
  constexpr std::string_view kDeleted = " (deleted)";
  return ends_with(p, kDeleted) ? p.substr(0, p.size() - kDeleted.size()) : p;
}

}  // namespace

std::optional<std::string> pod_uid_in_path(std::string_view path) {
  constexpr std::string_view kMark = "/kubelet/pods/";
  for (size_t pos = path.find(kMark); pos != std::string_view::npos; pos = path.find(kMark, pos + 1)) {
    std::string_view rest = path.substr(pos + kMark.size());
    std::string_view uid = rest.substr(0, rest.find('/'));
    if (is_uuid(uid)) return norm_uid(uid);
  }
  return std::nullopt;
}

const Mount* mount_for_path(const std::vector<Mount>& mounts, std::string_view path) {
  const Mount* best = nullptr;
  for (const auto& m : mounts)
    if (path_under(path, m.mount_point) && (!best || m.mount_point.size() >= best->mount_point.size())) best = &m;
  return best;
}

CwdTruth analyze_cwd(std::vector<CwdSample> samples, const std::vector<Mount>& mounts, const CwdContext& ctx) {
  CwdTruth t;
  t.samples = std::move(samples);
  std::set<std::string> distinct;
  std::optional<std::string> last;
  for (const auto& s : t.samples) {
    if (!s.path) continue;
    std::string p(strip_deleted(*s.path));
    distinct.insert(p);
    last = p;
    if (!t.under_pod_uid)
      if (auto uid = pod_uid_in_path(p)) {
        t.under_pod_uid = uid;
        t.pod_dir_sample = p;
      }
  }
  t.distinct = distinct.size();
  t.moving = t.distinct > 1;
  if (last) {
    if (const Mount* m = mount_for_path(mounts, *last)) {
      t.mount = m->mount_point;
      t.fs_type = m->fs_type;
      t.mount_source = m->source;
      t.network_fs = is_network_or_fuse_fs(m->fs_type);
    }
  }
  if (t.under_pod_uid) {
    bool same = ctx.process_pod_uid && norm_uid(*ctx.process_pod_uid) == *t.under_pod_uid;
    t.misleading = !same;
    if (t.misleading) {
      std::string pod = ctx.pod_name_of_dir ? fmt::format("pod {} (uid {})", *ctx.pod_name_of_dir, *t.under_pod_uid)
                                            : fmt::format("pod uid {}", *t.under_pod_uid);
      std::string cg = ctx.memory_cgroup ? fmt::format(" (memory cgroup {})", *ctx.memory_cgroup) : "";
      std::string walk = t.moving ? fmt::format(" It is walking the filesystem: cwd changed across {} of {} samples.",
                                                t.distinct, t.samples.size())
                                  : "";
      t.warning = fmt::format(
          "cwd is NOT ownership: cwd lies in the directory of {}, but this process is not in that pod's cgroup. "
          "Its real owner is {}{}{}.{}",
          pod, ctx.owner_label, cg, ctx.source_summary.empty() ? "" : ", started by " + ctx.source_summary, walk);
    }
  }
  return t;
}

}  // namespace ms
