#include "k8s/kubelet_config.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <functional>
#include <fmt/format.h>
#include <set>

#include "k8s/kubelet_trust.hpp"
#include "k8s/quantity.hpp"
#include "probe/fs.hpp"
#include "util/text.hpp"

namespace ms::k8s {

const char* to_string(Source s) {
  switch (s) {
    case Source::kConfig:
      return "config";
    case Source::kFlag:
      return "flag";
    default:
      return "default";
  }
}

const std::map<std::string, std::string>& default_eviction_hard() {
  static const std::map<std::string, std::string> kDefaults = {
      {"memory.available", "100Mi"},  {"nodefs.available", "10%"},  {"nodefs.inodesFree", "5%"},
      {"imagefs.available", "15%"},   {"imagefs.inodesFree", "5%"},
  };
  return kDefaults;
}

KubeletConfig default_kubelet_config() {
  KubeletConfig c;
  for (const auto& [k, v] : default_eviction_hard()) c.eviction_hard[k] = {v, Source::kDefault};
  return c;
}

std::string KubeletConfig::pods_cgroup() const {
  std::string root = cgroup_root.value.empty() ? "/" : cgroup_root.value;
  if (!cgroups_per_qos.value) return root;
  // pkg/kubelet/cm: NewCgroupName(cgroupRoot, "kubepods"); the systemd driver spells it as a slice.
  std::string leaf = cgroup_driver.value == "systemd" ? "kubepods.slice" : "kubepods";
  if (root.back() != '/') root += '/';
  return root + leaf;
}

// ---------------------------------------------------------------- shell words

std::vector<std::string> split_shell_words(std::string_view s) {
  std::vector<std::string> out;
  std::string cur;
  bool in_word = false;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '\'') {
      in_word = true;
      size_t end = s.find('\'', i + 1);
      if (end == std::string_view::npos) end = s.size();
      cur.append(s.substr(i + 1, end - i - 1));
      i = end;
    } else if (c == '"') {
      in_word = true;
      for (++i; i < s.size() && s[i] != '"'; ++i) {
        if (s[i] == '\\' && i + 1 < s.size() && (s[i + 1] == '"' || s[i + 1] == '\\' || s[i + 1] == '$')) ++i;
        cur += s[i];
      }
    } else if (c == '\\' && i + 1 < s.size()) {
      in_word = true;
      if (s[i + 1] != '\n') cur += s[i + 1];  // backslash-newline continues the line
      ++i;
    } else if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      if (in_word) out.push_back(std::move(cur));
      cur.clear();
      in_word = false;
    } else {
      in_word = true;
      cur += c;
    }
  }
  if (in_word) out.push_back(std::move(cur));
  return out;
}

// ---------------------------------------------------------------- config file

namespace {

Error config_error(const std::string& name, const YAML::Node& n, std::string msg) {
  auto m = n.Mark();
  return Error::malformed(name, m.line >= 0 ? m.line + 1 : 0, std::move(msg));
}

std::optional<bool> read_bool(KubeletConfig& cfg, const YAML::Node& root, const char* key, const std::string& name) {
  YAML::Node n = root[key];
  if (!n || n.IsNull()) return std::nullopt;
  bool b = false;
  if (!n.IsScalar() || !YAML::convert<bool>::decode(n, b)) {
    cfg.errors.push_back(config_error(name, n, fmt::format("{} must be true or false, got '{}'", key,
                                                           n.IsScalar() ? n.Scalar() : "<non-scalar>")));
    return std::nullopt;
  }
  return b;
}

std::optional<std::string> read_string(KubeletConfig& cfg, const YAML::Node& root, const char* key,
                                       const std::string& name) {
  YAML::Node n = root[key];
  if (!n || n.IsNull()) return std::nullopt;
  if (!n.IsScalar()) {
    cfg.errors.push_back(config_error(name, n, fmt::format("{} must be a string", key)));
    return std::nullopt;
  }
  return n.Scalar();
}

// How the kubelet's decoder types a scalar: sigs.k8s.io/yaml turns the YAML into JSON (YAML 1.1
// rules of goyaml.v2 for plain scalars), then decodes the JSON into the typed struct. "number" or
// "boolean" for what cannot land in a string field; nullopt for a string.
std::optional<std::string> yaml11_non_string(const YAML::Node& n) {
  if (!n.IsScalar()) return std::nullopt;
  const std::string& tag = n.Tag();
  if (tag == "tag:yaml.org,2002:int" || tag == "tag:yaml.org,2002:float") return "number";
  if (tag == "tag:yaml.org,2002:bool") return "boolean";
  if (tag != "?") return std::nullopt;  // quoted ("!") or explicitly tagged
  const std::string& v = n.Scalar();
  static const std::set<std::string> kBools = {"y",     "Y",     "yes",   "Yes", "YES", "true", "True", "TRUE",
                                               "on",    "On",    "ON",    "n",   "N",   "no",   "No",   "NO",
                                               "false", "False", "FALSE", "off", "Off", "OFF"};
  static const std::set<std::string> kFloats = {".nan",  ".NaN",  ".NAN",  ".inf",  ".Inf",  ".INF",
                                                "+.inf", "+.Inf", "+.INF", "-.inf", "-.Inf", "-.INF"};
  if (kBools.count(v)) return "boolean";
  if (kFloats.count(v)) return "number";
  if (v.empty()) return std::nullopt;
  char c = v[0];
  bool digit_hint = (c >= '0' && c <= '9') || c == '+' || c == '-';
  if (!digit_hint && c != '.') return std::nullopt;
  std::string plain;
  for (char ch : v)
    if (ch != '_' || !digit_hint) plain += ch;
  // strconv.ParseInt/ParseUint(plain, 0, 64): sign, then 0x/0o/0b prefixes, a leading 0 (octal), digits.
  auto go_int = [](std::string_view t) {
    if (!t.empty() && (t[0] == '+' || t[0] == '-')) t.remove_prefix(1);
    int base = 10;
    if (t.size() > 2 && t[0] == '0' && (t[1] == 'x' || t[1] == 'X'))
      base = 16, t.remove_prefix(2);
    else if (t.size() > 2 && t[0] == '0' && (t[1] == 'o' || t[1] == 'O'))
      base = 8, t.remove_prefix(2);
    else if (t.size() > 2 && t[0] == '0' && (t[1] == 'b' || t[1] == 'B'))
      base = 2, t.remove_prefix(2);
    else if (t.size() > 1 && t[0] == '0')
      base = 8, t.remove_prefix(1);
    if (t.empty()) return false;
    for (char d : t) {
      int x = d >= '0' && d <= '9'   ? d - '0'
              : d >= 'a' && d <= 'f' ? d - 'a' + 10
              : d >= 'A' && d <= 'F' ? d - 'A' + 10
                                     : 99;
      if (x >= base) return false;
    }
    return true;  // out-of-range values fall to ParseFloat in goyaml, a number all the same
  };
  if (digit_hint && go_int(plain)) return "number";
  // yamlStyleFloat: ^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$ (and any ParseFloat for '.')
  std::string_view f = plain;
  if (!f.empty() && (f[0] == '+' || f[0] == '-')) f.remove_prefix(1);
  size_t i = 0, digits = 0, frac = 0;
  while (i < f.size() && f[i] >= '0' && f[i] <= '9') ++i, ++digits;
  if (i < f.size() && f[i] == '.') {
    ++i;
    while (i < f.size() && f[i] >= '0' && f[i] <= '9') ++i, ++frac;
  }
  if (digits == 0 && frac == 0) return std::nullopt;
  if (i < f.size() && (f[i] == 'e' || f[i] == 'E')) {
    ++i;
    if (i < f.size() && (f[i] == '+' || f[i] == '-')) ++i;
    size_t e = 0;
    while (i < f.size() && f[i] >= '0' && f[i] <= '9') ++i, ++e;
    if (e == 0) return std::nullopt;
  }
  if (i == f.size()) return "number";
  return std::nullopt;
}

// Eviction signals the kubelet knows (pkg/kubelet/eviction/api).
bool eviction_signal_name(std::string_view k) {
  static const std::set<std::string_view> kSignals = {
      "memory.available",      "allocatableMemory.available", "nodefs.available",
      "nodefs.inodesFree",     "imagefs.available",           "imagefs.inodesFree",
      "containerfs.available", "containerfs.inodesFree",      "pid.available"};
  return kSignals.count(k) > 0;
}

}  // namespace

void apply_config_text(KubeletConfig& cfg, std::string_view text, const std::string& name, bool dropin) {
  YAML::Node root;
  try {
    root = YAML::Load(std::string(text));
  } catch (const YAML::Exception& e) {
    cfg.errors.push_back(Error::malformed(name, e.mark.line >= 0 ? e.mark.line + 1 : 0,
                                          fmt::format("not valid YAML/JSON: {}", e.msg)));
    return;
  }
  if (!root.IsMap()) {
    cfg.errors.push_back(Error::malformed(name, 0, "not a KubeletConfiguration (the document is not a map)"));
    return;
  }
  try {
    auto kind = root["kind"];
    if (!kind || !kind.IsScalar() || kind.Scalar() != "KubeletConfiguration") {
      cfg.errors.push_back(Error::malformed(
          name, 0,
          fmt::format("kind is '{}', not KubeletConfiguration: the kubelet would refuse this file; ignored",
                      kind && kind.IsScalar() ? kind.Scalar() : "")));
      return;
    }
    cfg.config_sources.push_back((dropin ? "config drop-in: " : "config: ") + name);

    auto merge = read_bool(cfg, root, "mergeDefaultEvictionSettings", name);
    if (merge) cfg.merge_default_eviction_settings = {*merge, Source::kConfig};

    // A map field. Main file: absent or null keeps the current value (nil → defaults), present
    // replaces it. Drop-in (JSON merge patch): null deletes the field, keys merge, a null key deletes.
    auto map_field = [&](const char* key, SourcedMap& dst, bool eviction_hard) {
      YAML::Node n = root[key];
      if (!n) return;
      if (n.IsNull()) {
        if (dropin) dst.clear();
        return;
      }
      if (!n.IsMap()) {
        cfg.errors.push_back(config_error(name, n, fmt::format("{} must be a map of strings", key)));
        return;
      }
      if (!dropin) dst.clear();
      for (const auto& kv : n) {
        std::string k = kv.first.IsScalar() ? kv.first.Scalar() : "?";
        if (kv.second.IsNull()) {
          if (dropin)
            dst.erase(k);
          else
            dst[k] = {"", Source::kConfig};
        } else if (auto type = yaml11_non_string(kv.second)) {
          // The kubelet decodes these maps as map[string]string: a number or boolean there fails
          // the whole file ("cannot unmarshal number into ... of type string").
          cfg.errors.push_back(config_error(
              name, kv.second,
              fmt::format("{}.{}: {} is a YAML {}, but the kubelet reads {} as strings (map[string]string) and "
                          "refuses the whole file; quote it: \"{}\"",
                          key, k, kv.second.Scalar(), *type, key, kv.second.Scalar())));
        } else if (kv.second.IsScalar()) {
          dst[k] = {kv.second.Scalar(), Source::kConfig};
        } else {
          cfg.errors.push_back(config_error(name, kv.second, fmt::format("{}.{} must be a string", key, k)));
        }
      }
      // loadConfigFile: a nil evictionHard gets DefaultEvictionHard (kept above); a non-nil one keeps
      // only its own signals unless mergeDefaultEvictionSettings fills the missing defaults in.
      if (eviction_hard && !dropin && cfg.merge_default_eviction_settings.value)
        for (const auto& [dk, dv] : default_eviction_hard())
          if (!dst.count(dk)) dst[dk] = {dv, Source::kDefault};
    };
    // Eviction signals at the top level: an evictionHard (or evictionSoft, ...) entry indented one
    // level too shallow. The kubelet ignores unknown top-level fields.
    std::vector<std::pair<int, std::string>> top;  // (line, key) of every top-level key
    for (const auto& kv : root)
      if (kv.first.IsScalar()) top.emplace_back(kv.first.Mark().line, kv.first.Scalar());
    std::sort(top.begin(), top.end());
    std::string last_map = "evictionHard";
    for (const auto& [line, k] : top) {
      if (k == "evictionHard" || k == "evictionSoft" || k == "evictionSoftGracePeriod" ||
          k == "evictionMinimumReclaim") {
        last_map = k;
        continue;
      }
      if (!eviction_signal_name(k)) continue;
      YAML::Node v = root[k];
      cfg.misplaced_eviction_keys.push_back(
          {k, v.IsScalar() ? v.Scalar() : "", name, line >= 0 ? line + 1 : 0, last_map});
    }
    map_field("evictionHard", cfg.eviction_hard, true);
    map_field("evictionSoft", cfg.eviction_soft, false);
    map_field("evictionSoftGracePeriod", cfg.eviction_soft_grace_period, false);
    map_field("evictionMinimumReclaim", cfg.eviction_minimum_reclaim, false);
    map_field("systemReserved", cfg.system_reserved, false);
    map_field("kubeReserved", cfg.kube_reserved, false);

    if (auto s = read_string(cfg, root, "evictionPressureTransitionPeriod", name)) {
      auto d = parse_go_duration(*s, "evictionPressureTransitionPeriod in " + name);
      if (!d) cfg.errors.push_back(d.error());
      else if (*d != 0) cfg.eviction_pressure_transition_period_seconds = {*d, Source::kConfig};
      // "0s" is converted to the default of 5m by v1beta1 defaulting.
    }
    if (auto s = read_string(cfg, root, "evictionMaxPodGracePeriod", name)) {
      auto v = parse_i64(*s);
      if (!v || *v < INT32_MIN || *v > INT32_MAX)
        cfg.errors.push_back(config_error(name, root["evictionMaxPodGracePeriod"],
                                          fmt::format("evictionMaxPodGracePeriod must be an int32, got '{}'", *s)));
      else cfg.eviction_max_pod_grace_period = {static_cast<int>(*v), Source::kConfig};
    }
    if (auto b = read_bool(cfg, root, "kernelMemcgNotification", name)) cfg.kernel_memcg_notification = {*b, Source::kConfig};
    if (auto b = read_bool(cfg, root, "cgroupsPerQOS", name)) cfg.cgroups_per_qos = {*b, Source::kConfig};
    if (auto s = read_string(cfg, root, "cgroupRoot", name)) cfg.cgroup_root = {*s, Source::kConfig};
    if (auto s = read_string(cfg, root, "cgroupDriver", name)) cfg.cgroup_driver = {*s, Source::kConfig};

    YAML::Node ena = root["enforceNodeAllocatable"];
    if (ena && !ena.IsNull()) {
      if (!ena.IsSequence()) {
        cfg.errors.push_back(config_error(name, ena, "enforceNodeAllocatable must be a list of strings"));
      } else {
        std::vector<std::string> v;
        for (const auto& e : ena) v.push_back(e.IsScalar() ? e.Scalar() : "");
        cfg.enforce_node_allocatable = {v, Source::kConfig};
      }
    }
  } catch (const YAML::Exception& e) {
    cfg.errors.push_back(Error::malformed(name, e.mark.line >= 0 ? e.mark.line + 1 : 0, e.msg));
  }
}

// ---------------------------------------------------------------- flags

namespace {

// Kubelet (and klog/global) flags that take no value, so `--flag next` does not consume `next`.
const std::set<std::string>& bool_flags() {
  static const std::set<std::string> k = {
      "add-dir-header", "allow-privileged", "alsologtostderr", "anonymous-auth", "authentication-token-webhook",
      "cgroups-per-qos", "containerized", "cpu-cfs-quota", "enable-controller-attach-detach",
      "enable-cadvisor-json-endpoints", "enable-debugging-handlers", "enable-load-reader", "enable-server",
      "exit-on-lock-contention", "experimental-allocatable-ignore-eviction", "experimental-check-node-capabilities-before-mount",
      "experimental-kernel-memcg-notification", "fail-cgroupv1", "fail-swap-on", "h", "help", "keep-terminated-pod-volumes",
      "kernel-memcg-notification", "local-storage-capacity-isolation", "log-json-split-stream", "logtostderr",
      "make-iptables-util-chains", "one-output", "protect-kernel-defaults", "really-crash-for-testing",
      "register-node", "register-schedulable", "rotate-certificates", "rotate-server-certificates", "runonce",
      "seccomp-default", "serialize-image-pulls", "skip-headers", "skip-log-headers", "version"};
  return k;
}

// strconv.ParseBool
std::optional<bool> go_parse_bool(std::string_view s) {
  if (s == "1" || s == "t" || s == "T" || s == "TRUE" || s == "true" || s == "True") return true;
  if (s == "0" || s == "f" || s == "F" || s == "FALSE" || s == "false" || s == "False") return false;
  return std::nullopt;
}

struct FlagParser {
  KubeletConfig& cfg;
  std::set<std::string> seen;  // map/slice flags already Set once (the first Set clears)

  void error(const std::string& flag, const std::string& value, const std::string& why) {
    cfg.errors.push_back(Error::invalid(
        fmt::format("--{}={}: {} (the kubelet would refuse this command line)", flag, value, why)));
  }

  // cliflag.LangleSeparatedMapStringString / MapStringString: split on ',', then on the separator;
  // the first Set replaces the whole map (defaults and config entries included).
  void set_map(SourcedMap& m, const std::string& flag, const std::string& value, char sep) {
    if (seen.insert(flag).second) m.clear();
    for (auto part : split(value, ',')) {
      if (part.empty()) continue;
      size_t at = part.find(sep);
      if (at == std::string_view::npos) {
        error(flag, value, fmt::format("malformed pair '{}', expect string{}string", part, sep));
        continue;
      }
      m[std::string(trim(part.substr(0, at)))] = {std::string(trim(part.substr(at + 1))), Source::kFlag};
    }
  }

  void set_bool(Sourced<bool>& b, const std::string& flag, const std::string& value) {
    auto v = go_parse_bool(value);
    if (!v) return error(flag, value, "not a boolean");
    b = {*v, Source::kFlag};
  }

  void apply(const std::string& flag, const std::string& value) {
    if (flag == "eviction-hard") set_map(cfg.eviction_hard, flag, value, '<');
    else if (flag == "eviction-soft") set_map(cfg.eviction_soft, flag, value, '<');
    else if (flag == "eviction-soft-grace-period") set_map(cfg.eviction_soft_grace_period, flag, value, '=');
    else if (flag == "eviction-minimum-reclaim") set_map(cfg.eviction_minimum_reclaim, flag, value, '=');
    else if (flag == "system-reserved") set_map(cfg.system_reserved, flag, value, '=');
    else if (flag == "kube-reserved") set_map(cfg.kube_reserved, flag, value, '=');
    else if (flag == "eviction-pressure-transition-period") {
      auto d = parse_go_duration(value, "--" + flag);
      if (!d) error(flag, value, d.error().message);
      else cfg.eviction_pressure_transition_period_seconds = {*d, Source::kFlag};
    } else if (flag == "eviction-max-pod-grace-period") {
      auto v = parse_i64(value);
      if (!v || *v < INT32_MIN || *v > INT32_MAX) error(flag, value, "not an int32");
      else cfg.eviction_max_pod_grace_period = {static_cast<int>(*v), Source::kFlag};
    } else if (flag == "enforce-node-allocatable") {
      // pflag StringSlice: the first Set replaces the default, later ones append.
      if (seen.insert(flag).second) cfg.enforce_node_allocatable = {{}, Source::kFlag};
      for (auto part : split(value, ','))
        if (!part.empty()) cfg.enforce_node_allocatable.value.emplace_back(part);
    } else if (flag == "experimental-kernel-memcg-notification" || flag == "kernel-memcg-notification") {
      set_bool(cfg.kernel_memcg_notification, flag, value);
    } else if (flag == "experimental-allocatable-ignore-eviction") {
      set_bool(cfg.experimental_allocatable_ignore_eviction, flag, value);
    } else if (flag == "cgroups-per-qos") {
      set_bool(cfg.cgroups_per_qos, flag, value);
    } else if (flag == "cgroup-root") {
      cfg.cgroup_root = {value, Source::kFlag};
    } else if (flag == "cgroup-driver") {
      cfg.cgroup_driver = {value, Source::kFlag};
    }
  }
};

std::string normalize(std::string_view name) {
  std::string n(name);
  std::replace(n.begin(), n.end(), '_', '-');  // cliflag.WordSepNormalizeFunc
  return n;
}

// Walks args the way pflag does and calls fn(name, value) for each long flag.
template <class Fn>
void walk_flags(const std::vector<std::string>& args, Fn&& fn) {
  for (size_t i = 0; i < args.size(); ++i) {
    std::string_view a = args[i];
    if (a == "--") break;
    if (a.size() < 2 || a[0] != '-') continue;  // the kubelet takes no positional arguments
    bool long_flag = a.size() > 2 && a[1] == '-';
    std::string_view body = a.substr(long_flag ? 2 : 1);
    size_t eq = body.find('=');
    std::string name = normalize(body.substr(0, eq));
    std::string value;
    bool has_value = eq != std::string_view::npos;
    if (has_value) value = std::string(body.substr(eq + 1));
    if (!has_value) {
      if (bool_flags().count(name)) {
        value = "true";
      } else if (i + 1 < args.size() && !(args[i + 1].size() > 1 && args[i + 1][0] == '-')) {
        value = args[++i];
        has_value = true;
      } else {
        value = "true";  // an unknown flag with no value: treat as a boolean
      }
    }
    if (long_flag) fn(name, value, has_value);
  }
}

}  // namespace

void apply_flags(KubeletConfig& cfg, const std::vector<std::string>& args) {
  FlagParser p{cfg, {}};
  walk_flags(args, [&](const std::string& name, const std::string& value, bool) { p.apply(name, value); });
}

std::optional<std::string> flag_value(const std::vector<std::string>& args, std::string_view flag) {
  std::optional<std::string> out;
  walk_flags(args, [&](const std::string& name, const std::string& value, bool has_value) {
    if (name == flag && has_value) out = value;
  });
  return out;
}

std::optional<std::string> config_flag(const std::vector<std::string>& args) { return flag_value(args, "config"); }

// ---------------------------------------------------------------- discovery

namespace {

bool names_kubelet(std::string_view path) {
  size_t slash = path.rfind('/');
  std::string_view b = slash == std::string_view::npos ? path : path.substr(slash + 1);
  if (ends_with(b, " (deleted)")) b.remove_suffix(10);
  return b == "kubelet";
}

// Reads a kubelet file found on the node: trusted (StrictModes), then bounded and non-blocking.
Result<std::string> read_node_file(const HostPaths& paths, const std::string& host_path, KubeletConfig& cfg,
                                   std::string_view what) {
  auto at = trusted_host_file(paths, host_path);
  if (!at) {
    if (at.error().kind != Error::Kind::kNotFound)
      cfg.trust.push_back(fmt::format("refused {} {}: {}", what, host_path, at.error().message));
    return fail(at.error());
  }
  auto text = read_file(*at, FileKind::kConfig);
  if (text)
    cfg.trust.push_back(fmt::format("read {} {} (root-owned, not writable by group or others)", what, host_path));
  return text;
}

}  // namespace

KubeletConfig discover_kubelet_config(const HostPaths& paths, const Snapshot& snap, const KubeletOverrides& ov) {
  KubeletConfig cfg = default_kubelet_config();
  const Process* kp = nullptr;
  if (ov.pid) {
    kp = snap.find_process(*ov.pid);
    if (!kp)
      cfg.errors.push_back(Error::invalid(fmt::format("--kubelet-pid {}: no such process", *ov.pid)));
    else
      cfg.trust.push_back(fmt::format("took pid {} as the kubelet (--kubelet-pid)", kp->pid));
  } else {
    KubeletChoice choice = choose_kubelet_process(paths, snap);
    kp = choice.process;
    cfg.trust = std::move(choice.notes);
  }
  if (kp) {
    cfg.kubelet_found = true;
    cfg.pid = kp->pid;
  }

  std::vector<std::string> args;
  std::string flags_source;
  if (ov.flags) {
    args = split_shell_words(*ov.flags);
    if (!args.empty() && !starts_with(args[0], "-") && names_kubelet(args[0])) args.erase(args.begin());
    flags_source = "flags: --kubelet-flags";
  } else if (kp) {
    args.assign(kp->cmdline.size() > 1 ? kp->cmdline.begin() + 1 : kp->cmdline.end(), kp->cmdline.end());
    flags_source = fmt::format("flags: /proc/{}/cmdline (kubelet pid {})", kp->pid, kp->pid);
  }
  cfg.args = args;

  // Which config file, and where to read it.
  std::optional<std::string> host_name, read_path;
  std::string why;
  if (ov.config_file) {
    host_name = *ov.config_file;
    read_path = *ov.config_file;
    why = " (--kubelet-config)";
  } else if (auto c = config_flag(args)) {
    std::string abs = *c;
    if (!starts_with(abs, "/")) {
      // filepath.Abs in the kubelet's own working directory.
      std::string cwd = kp && kp->cwd ? *kp->cwd : "/";
      abs = HostPaths::join(cwd, abs);
    }
    host_name = abs;
    read_path = paths.root(abs);
    why = " (--config)";
  } else if (!kp && !ov.flags) {
    std::string fallback = "/var/lib/kubelet/config.yaml";
    if (exists(paths.root(fallback))) {
      host_name = fallback;
      read_path = paths.root(fallback);
      why = " (no kubelet process found: the kubeadm default path)";
    }
  }

  if (read_path) {
    cfg.config_file = host_name;
    // --kubelet-config is the user's own file; one found on the node must be root's alone.
    auto text = ov.config_file ? read_file(*read_path, FileKind::kConfig)
                               : read_node_file(paths, *host_name, cfg, "kubelet config");
    if (!text) {
      Error e = text.error();
      e.message = fmt::format("kubelet config file {}{} unreadable: {}", *host_name, why, e.message);
      cfg.errors.push_back(e);
    } else {
      size_t before = cfg.config_sources.size();
      apply_config_text(cfg, *text, *host_name);
      if (cfg.config_sources.size() > before) cfg.config_sources.back() += why;
    }
  }
  // --config-dir drop-ins: every *.conf file, walked in lexical order, merged over the config.
  if (auto dir = flag_value(args, "config-dir")) {
    std::string abs = *dir;
    if (!starts_with(abs, "/")) abs = HostPaths::join(kp && kp->cwd ? *kp->cwd : "/", abs);
    std::vector<std::string> files;
    std::function<void(const std::string&)> walk = [&](const std::string& host_dir) {
      auto entries = list_dir(paths.root(host_dir));
      if (!entries) {
        cfg.errors.push_back(Error::invalid(
            fmt::format("kubelet --config-dir {} unreadable: {}", host_dir, entries.error().describe())));
        return;
      }
      std::sort(entries->begin(), entries->end());
      for (const auto& e : *entries) {
        std::string child = HostPaths::join(host_dir, e);
        if (is_dir(paths.root(child))) walk(child);
        else if (ends_with(e, ".conf")) files.push_back(child);
      }
    };
    if (auto dir_ok = trusted_host_dir(paths, abs)) {
      walk(abs);
    } else {
      cfg.trust.push_back(fmt::format("refused kubelet --config-dir {}: {}", abs, dir_ok.error().message));
      cfg.errors.push_back(Error::invalid(fmt::format("kubelet --config-dir {}: {}", abs, dir_ok.error().message)));
    }
    for (const auto& f : files) {
      auto text = read_node_file(paths, f, cfg, "kubelet config drop-in");
      if (!text)
        cfg.errors.push_back(text.error());
      else
        apply_config_text(cfg, *text, f, /*dropin=*/true);
    }
  }
  if (!flags_source.empty()) {
    apply_flags(cfg, args);  // flags win over the file (kubeletConfigFlagPrecedence)
    cfg.config_sources.push_back(flags_source);
  }
  if (cfg.config_sources.empty())
    cfg.config_sources.push_back(kp ? "defaults (kubelet without flags or config)"
                                    : "defaults (no kubelet process and no config file found)");
  return cfg;
}

}  // namespace ms::k8s
