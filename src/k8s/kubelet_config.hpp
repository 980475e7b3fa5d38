#pragma once
// The kubelet's eviction and reservation settings, as the running kubelet resolved them:
// defaults, then the --config file (KubeletConfiguration YAML/JSON), then command-line flags.
//
// Rules reproduced (cmd/kubelet/app/server.go, options.go, component-base/cli/flag):
// - no --config: built-in defaults, then flags;
// - --config: the file replaces the defaults; `evictionHard` absent (nil) → DefaultEvictionHard;
//   present → only the signals it names, unless `mergeDefaultEvictionSettings: true` fills in the
//   missing defaults; then the command line is re-parsed over it (kubeletConfigFlagPrecedence);
// - a map flag (--eviction-hard, --system-reserved, ...) replaces the WHOLE map on its first
//   occurrence, defaults and file entries included; later occurrences add keys;
// - --enforce-node-allocatable is a string slice: first occurrence replaces, later ones append.
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "model/snapshot.hpp"
#include "probe/host_paths.hpp"
#include "util/result.hpp"

namespace ms::k8s {

enum class Source { kDefault, kConfig, kFlag };
const char* to_string(Source s);  // "default" | "config" | "flag"

struct SourcedValue {
  std::string value;
  Source source = Source::kDefault;
};
using SourcedMap = std::map<std::string, SourcedValue>;

template <class T>
struct Sourced {
  T value{};
  Source source = Source::kDefault;
};

// pkg/kubelet/eviction/defaults_linux.go (current releases; older ones lack imagefs.inodesFree).
const std::map<std::string, std::string>& default_eviction_hard();

struct KubeletConfig {
  // Where it came from.
  bool kubelet_found = false;
  std::optional<int> pid;                   // the kubelet process, when discovered
  std::vector<std::string> args;            // its command line without argv[0] (or --kubelet-flags)
  std::optional<std::string> config_file;   // the file read, as the host names it
  std::vector<std::string> config_sources;  // human-readable, in the order applied
  std::vector<Error> errors;                // malformed file/flag/value; the rest still resolves
  // Which process was taken for the kubelet and which files were read or refused, and why
  // (k8s/kubelet_trust.hpp): "chose pid 812 (...)", "refused pid 4242 (...): run by uid 65534".
  std::vector<std::string> trust;

  // Eviction settings.
  SourcedMap eviction_hard;
  SourcedMap eviction_soft;
  SourcedMap eviction_soft_grace_period;
  SourcedMap eviction_minimum_reclaim;
  Sourced<bool> merge_default_eviction_settings;
  Sourced<double> eviction_pressure_transition_period_seconds{300.0, Source::kDefault};
  Sourced<int> eviction_max_pod_grace_period;
  Sourced<bool> kernel_memcg_notification;
  Sourced<bool> experimental_allocatable_ignore_eviction;

  // Eviction signals written as top-level keys of a config file (indented one level too shallow,
  // e.g. "nodefs.available: 10%" under evictionHard's column): the kubelet ignores unknown
  // top-level fields, so these thresholds are not in force.
  struct MisplacedKey {
    std::string key, value, file;
    int line = 0;
    std::string meant_for;  // the eviction map just above it in the file, else "evictionHard"
  };
  std::vector<MisplacedKey> misplaced_eviction_keys;

  // Node allocatable.
  SourcedMap system_reserved;
  SourcedMap kube_reserved;
  Sourced<std::vector<std::string>> enforce_node_allocatable{{"pods"}, Source::kDefault};

  // Where the pods cgroup is: cgroupRoot + "kubepods" (cgroupfs) or kubepods.slice (systemd).
  Sourced<bool> cgroups_per_qos{true, Source::kDefault};
  Sourced<std::string> cgroup_root{"/", Source::kDefault};
  Sourced<std::string> cgroup_driver{"cgroupfs", Source::kDefault};

  // The pods (node allocatable) cgroup path these settings imply, relative to the memory root.
  std::string pods_cgroup() const;
};

// Offline inputs given on memsleuth's command line.
struct KubeletOverrides {
  std::optional<std::string> config_file;  // --kubelet-config FILE: read as given (not under --rootfs)
  std::optional<std::string> flags;        // --kubelet-flags "...": replaces the discovered command line
  std::optional<int> pid;                  // --kubelet-pid: this process is the kubelet (several on one host)
};

// --- pure pieces ---

// Splits a shell-like string into words ('...', "...", backslash escapes).
std::vector<std::string> split_shell_words(std::string_view s);

// The kubelet's defaults (no file, no flags).
KubeletConfig default_kubelet_config();

// Applies a KubeletConfiguration document (YAML or JSON) to `cfg` as loadConfigFile does,
// including the evictionHard default/merge rule. `name` is used in errors and config_sources.
// Errors (bad YAML, wrong kind, wrong type) are appended to cfg.errors; fields that parse are kept.
// `dropin`: a --config-dir file, merged as a JSON merge patch (maps merge key by key, null deletes)
// after the main file's defaults were applied.
void apply_config_text(KubeletConfig& cfg, std::string_view text, const std::string& name, bool dropin = false);

// Re-parses kubelet command-line args (without argv[0]) over `cfg` (pflag semantics). Unknown
// flags are skipped; malformed values are appended to cfg.errors naming the flag and value.
void apply_flags(KubeletConfig& cfg, const std::vector<std::string>& args);

// The --config value in args, if any (last occurrence wins, like pflag).
std::optional<std::string> config_flag(const std::vector<std::string>& args);
// The value of any long flag in args (last occurrence wins), e.g. "config-dir".
std::optional<std::string> flag_value(const std::vector<std::string>& args, std::string_view flag);

// --- discovery (reads the config file through HostPaths) ---

// Finds the kubelet in the snapshot (k8s/kubelet_trust.hpp: a host process run by root, never a
// look-alike a user or a pod started), reads its flags and its --config file under --rootfs
// (relative paths resolved against the kubelet's cwd); with no kubelet process found, falls back
// to /var/lib/kubelet/config.yaml when it exists. --config-dir drop-ins (*.conf, lexical order) are
// merged over it before the flags. Files found on the node are read only when root alone can change
// them (StrictModes); --kubelet-config is read as given. Every file is read bounded and
// non-blocking. Overrides replace what discovery finds. KubeletConfig::trust says what was chosen
// and refused. Never fails: problems land in KubeletConfig::errors.
KubeletConfig discover_kubelet_config(const HostPaths& paths, const Snapshot& snap,
                                      const KubeletOverrides& overrides = {});

}  // namespace ms::k8s
