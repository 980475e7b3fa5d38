#pragma once
// Which process is the kubelet, and which of its files memsleuth believes (docs/hardening.md,
// "Trusting the kubelet"). Any local user can start a program named `kubelet`, and any pod's
// container runs as uid 0 with its files reachable from the host: the kubelet's settings come only
// from a process that is the host's, and only from files only root can change.
//
// A process is a kubelet look-alike when its comm, exe or argv[0] is `kubelet`. It is refused when it
// is not run by uid 0, when it lives in another mount namespace than PID 1 (a container), or when
// its cgroup is a pod's (under kubepods) or a container's (docker-/libpod-/cri-containerd-/crio-<id>,
// a 64-hex id, machine.slice, lxc). Among those left, the one started by PID 1 or sitting in a
// systemd unit's cgroup (<name>.service) wins, then the longest running; never simply the lowest pid.
//
// A file is trusted as sshd's StrictModes trusts one: it is a regular file, owned by root (or by
// the user running memsleuth, who could name any file anyway), not writable by group or others,
// and every directory on its path under --rootfs (the --rootfs directory itself included, symbolic
// links resolved inside it) is owned likewise and not writable by group or others.
#include <optional>
#include <string>
#include <vector>

#include "model/snapshot.hpp"
#include "probe/host_paths.hpp"
#include "util/result.hpp"

namespace ms::k8s {

struct KubeletChoice {
  const Process* process = nullptr;
  // One line per decision, for people: "chose pid 812 (kubelet): uid 0, host mount namespace, ...",
  // "refused pid 4242 (kubelet): run by uid 65534, not root".
  std::vector<std::string> notes;
};

// Is the cgroup path a pod's or a container's? The reason, or nullopt.
std::optional<std::string> container_cgroup_reason(std::string_view path);

// Picks the kubelet among the snapshot's processes (see above). Reads each look-alike's
// /proc/<pid>/ns/mnt (and /proc/<pid>/cgroup when the snapshot has no cgroup lines) through paths.
KubeletChoice choose_kubelet_process(const HostPaths& paths, const Snapshot& snap);

// The file `host_path` (absolute, as the host names it) checked as above; returns the path to read
// (under --rootfs, every symbolic link resolved), or an error naming the file and what is wrong.
Result<std::string> trusted_host_file(const HostPaths& paths, const std::string& host_path);
// The same for a directory (a --config-dir).
Result<std::string> trusted_host_dir(const HostPaths& paths, const std::string& host_path);

}  // namespace ms::k8s
