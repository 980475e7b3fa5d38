#include "k8s/kubelet_trust.hpp"

#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <deque>

#include "k8s/pod_identity.hpp"
#include "probe/fs.hpp"
#include "probe/parsers.hpp"
#include "util/text.hpp"

namespace ms::k8s {

namespace {

std::string_view basename_of(std::string_view p) {
  size_t s = p.rfind('/');
  return s == std::string_view::npos ? p : p.substr(s + 1);
}

bool names_kubelet(std::string_view path) {
  auto b = basename_of(path);
  if (ends_with(b, " (deleted)")) b.remove_suffix(10);
  return b == "kubelet";
}

bool looks_like_kubelet(const Process& p) {
  return !p.kernel_thread && (p.comm == "kubelet" || (p.exe && names_kubelet(*p.exe)) ||
                              (!p.cmdline.empty() && names_kubelet(p.cmdline[0])));
}

std::vector<std::string_view> segments(std::string_view path) {
  std::vector<std::string_view> out;
  for (auto s : split(path, '/'))
    if (!s.empty()) out.push_back(s);
  return out;
}

// "docker-<id>.scope", "cri-containerd-<id>.scope", "crio-<id>.scope", "libpod-<id>.scope".
bool runtime_scope(std::string_view seg) {
  if (!ends_with(seg, ".scope")) return false;
  seg.remove_suffix(6);
  size_t dash = seg.rfind('-');
  return dash != std::string_view::npos && is_container_id(seg.substr(dash + 1));
}

struct Verdict {
  const Process* p = nullptr;
  std::vector<std::string> refused;  // reasons
  std::vector<std::string> facts;    // what was checked and held
  int preference = 0;                // started by PID 1, in a systemd unit
};

std::string describe(const Process& p) {
  std::string what = p.exe ? *p.exe : (!p.cmdline.empty() ? p.cmdline[0] : p.comm);
  return fmt::format("pid {} ({})", p.pid, what);
}

std::optional<std::string> read_ns(const HostPaths& paths, const std::string& pid) {
  auto l = read_link(paths.proc(pid + "/ns/mnt"));
  if (!l) return std::nullopt;
  return *l;
}

}  // namespace

std::optional<std::string> container_cgroup_reason(std::string_view path) {
  KubeCgroup k = parse_kube_cgroup_path(path);
  if (k.in_kubepods) return fmt::format("its cgroup {} is a pod's (under {})", path, k.kubepods_path);
  for (auto seg : segments(path)) {
    if (is_container_id(seg) || runtime_scope(seg) || seg == "machine.slice" || seg == "lxc" ||
        starts_with(seg, "lxc.payload"))
      return fmt::format("its cgroup {} is a container's ({})", path, seg);
  }
  return std::nullopt;
}

KubeletChoice choose_kubelet_process(const HostPaths& paths, const Snapshot& snap) {
  KubeletChoice out;
  std::vector<Verdict> vs;
  // The host's mount namespace: PID 1's. Where its link cannot be read (no CAP_SYS_PTRACE over
  // PID 1) and memsleuth reads the node as its own root (--rootfs /), memsleuth's own namespace is
  // the host's; under another --rootfs (a DaemonSet's /host) nothing stands in for it.
  std::optional<std::string> host_ns;
  std::string host_ns_name = "PID 1's", host_ns_fact = "PID 1's mount namespace";
  bool host_ns_read = false;
  for (const auto& p : snap.processes) {
    if (!looks_like_kubelet(p)) continue;
    Verdict v;
    v.p = &p;
    if (!p.uid)
      v.refused.push_back("its uid is unknown");
    else if (*p.uid != 0)
      v.refused.push_back(fmt::format("run by uid {}, not root", *p.uid));
    else
      v.facts.push_back("uid 0");
    if (!host_ns_read) {
      host_ns = read_ns(paths, "1");
      if (!host_ns && (paths.rootfs == "/" || paths.rootfs.empty())) {
        host_ns = read_ns(paths, "self");
        host_ns_name = "memsleuth's own (PID 1's is unreadable)";
        host_ns_fact = "memsleuth's mount namespace (PID 1's is unreadable)";
      }
      host_ns_read = true;
    }
    auto ns = read_ns(paths, std::to_string(p.pid));
    if (host_ns && ns && *ns != *host_ns)
      v.refused.push_back(
          fmt::format("in another mount namespace than {} ({} vs {}): a container", host_ns_name, *ns, *host_ns));
    else if (host_ns && ns)
      v.facts.push_back(host_ns_fact);
    else
      v.facts.push_back("mount namespace not checked (ns/mnt unreadable)");
    // Every cgroup line of the process (the snapshot may hold only the memory cgroup).
    std::vector<std::string> cg_paths;
    for (const auto& l : p.cgroups) cg_paths.push_back(l.path);
    if (cg_paths.empty()) {
      if (auto t = read_file(paths.proc(std::to_string(p.pid) + "/cgroup"), FileKind::kProcess))
        if (auto lines = parse_proc_cgroup(*t))
          for (const auto& l : *lines) cg_paths.push_back(l.path);
    }
    if (cg_paths.empty() && p.memory_cgroup) cg_paths.push_back(*p.memory_cgroup);
    bool in_unit = false;
    std::optional<std::string> unit;
    for (const auto& c : cg_paths) {
      if (auto why = container_cgroup_reason(c)) {
        v.refused.push_back(*why);
        break;
      }
      auto segs = segments(c);
      if (!segs.empty() && ends_with(segs.back(), ".service")) {
        in_unit = true;
        unit = std::string(segs.back());
      }
    }
    if (p.ppid == 1) {
      ++v.preference;
      v.facts.push_back("started by PID 1");
    }
    if (in_unit) {
      ++v.preference;
      v.facts.push_back("in the systemd unit " + *unit);
    }
    vs.push_back(std::move(v));
  }
  // The best of those not refused: PID 1's child or a unit's process first, then the oldest.
  const Verdict* best = nullptr;
  for (const auto& v : vs) {
    if (!v.refused.empty()) continue;
    if (!best || v.preference > best->preference ||
        (v.preference == best->preference && v.p->start_time < best->p->start_time))
      best = &v;
  }
  auto join = [](const std::vector<std::string>& v) {
    std::string s;
    for (const auto& x : v) s += (s.empty() ? "" : ", ") + x;
    return s;
  };
  if (best) {
    out.process = best->p;
    out.notes.push_back(fmt::format("chose {} as the kubelet: {}", describe(*best->p), join(best->facts)));
  }
  for (const auto& v : vs) {
    if (&v == best) continue;
    if (!v.refused.empty())
      out.notes.push_back(fmt::format("refused {} as the kubelet: {}", describe(*v.p), join(v.refused)));
    else
      out.notes.push_back(fmt::format("not chosen {}: another kubelet look-alike is preferred ({})", describe(*v.p),
                                      v.facts.empty() ? "no facts" : join(v.facts)));
  }
  return out;
}

namespace {

bool owner_ok(uid_t u) {
  return u == 0 || u == ::geteuid();
}

std::optional<std::string> unsafe(const struct stat& st, bool want_dir) {
  if (want_dir && !S_ISDIR(st.st_mode)) return std::string("is not a directory");
  if (!want_dir && !S_ISREG(st.st_mode)) return std::string("is not a regular file");
  if (!owner_ok(st.st_uid)) return fmt::format("is owned by uid {}, not root", st.st_uid);
  if (st.st_mode & S_IWOTH) return std::string("is writable by others");
  if (st.st_mode & S_IWGRP) return std::string("is writable by its group");
  return std::nullopt;
}

void push_components(std::deque<std::string>& todo, std::string_view path) {
  std::vector<std::string> parts;
  for (auto s : split(path, '/'))
    if (!s.empty()) parts.emplace_back(s);
  todo.insert(todo.begin(), parts.begin(), parts.end());
}

Result<std::string> resolve_trusted(const HostPaths& paths, const std::string& host_path, bool want_dir) {
  auto refuse = [&](const std::string& where, const std::string& why) {
    return fail(Error{Error::Kind::kPermission, host_path, 0,
                      fmt::format("refused: {} {} (a kubelet file is trusted only when root alone can change it "
                                  "and every directory above it)",
                                  where, why)});
  };
  if (host_path.empty() || host_path[0] != '/') return refuse(host_path, "is not an absolute path");
  std::deque<std::string> todo;
  push_components(todo, host_path);
  std::vector<std::string> cur;
  auto host_of = [&] {
    std::string s;
    for (const auto& c : cur) s += "/" + c;
    return s.empty() ? std::string("/") : s;
  };
  struct stat st {};
  std::string top = paths.root("/");
  if (::stat(top.c_str(), &st) != 0) return fail(Error::from_errno(top, errno));
  if (auto bad = unsafe(st, true)) return refuse(paths.rootfs == "/" ? "/" : "--rootfs " + paths.rootfs, *bad);
  int links = 0;
  while (!todo.empty()) {
    std::string c = std::move(todo.front());
    todo.pop_front();
    if (c == ".") continue;
    if (c == "..") {
      if (!cur.empty()) cur.pop_back();
      continue;
    }
    cur.push_back(c);
    std::string here = paths.root(host_of());
    if (::lstat(here.c_str(), &st) != 0) {
      Error e = Error::from_errno(host_path, errno);
      if (host_of() != host_path) e.message += " (at " + host_of() + ")";
      return fail(e);
    }
    if (S_ISLNK(st.st_mode)) {
      // A link is as safe as the directory holding it (checked); its target is checked in turn.
      if (++links > 40) return refuse(host_path, "has too many symbolic links");
      auto target = read_link(here);
      if (!target) return fail(target.error());
      cur.pop_back();
      if (!target->empty() && (*target)[0] == '/') cur.clear();
      push_components(todo, *target);
      continue;
    }
    if (auto bad = unsafe(st, todo.empty() ? want_dir : true)) return refuse(host_of(), *bad);
  }
  return paths.root(host_of());
}

}  // namespace

Result<std::string> trusted_host_file(const HostPaths& paths, const std::string& host_path) {
  return resolve_trusted(paths, host_path, false);
}

Result<std::string> trusted_host_dir(const HostPaths& paths, const std::string& host_path) {
  return resolve_trusted(paths, host_path, true);
}

}  // namespace ms::k8s
