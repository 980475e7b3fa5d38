#include "render/snapshot_json_stream.hpp"

#include <fmt/format.h>

#include <charconv>
#include <nlohmann/json.hpp>

#include "util/escape.hpp"
#include "util/json_text.hpp"
#include "util/units.hpp"

namespace ms {

namespace {

class Writer {
 public:
  explicit Writer(std::string& out) : out_(out) {}

  void raw(std::string_view s) { out_ += s; }
  // Keys are our identifiers or names read from files (memory.stat keys): escaped like values.
  void key(std::string_view k) {
    str(k);
    out_ += ':';
    first_ = true;  // the value that follows needs no comma
  }
  void open(char c) {
    comma();
    out_ += c;
    first_ = true;
  }
  void close(char c) {
    out_ += c;
    first_ = false;
  }
  void u64(uint64_t v) {
    comma();
    char buf[24];
    auto r = std::to_chars(buf, buf + sizeof buf, v);
    out_.append(buf, r.ptr);
  }
  void i64(int64_t v) {
    comma();
    char buf[24];
    auto r = std::to_chars(buf, buf + sizeof buf, v);
    out_.append(buf, r.ptr);
  }
  void dbl(double v) {
    comma();
    size_t at = out_.size();
    fmt::format_to(std::back_inserter(out_), "{}", v);
    if (out_.find_first_of(".eEn", at) == std::string::npos) out_ += ".0";  // as nlohmann prints 0.0
  }
  void boolean(bool b) {
    comma();
    out_ += b ? "true" : "false";
  }
  void null() {
    comma();
    out_ += "null";
  }
  template <class T>
  void opt_u64(const std::optional<T>& v) {
    if (v) u64(*v);
    else null();
  }
  // A text field from the node, as put_text writes it (util/json_text.hpp): the text, and the exact
  // bytes in `<key>_b64` when they are not valid UTF-8.
  void text(std::string_view k, std::string_view s) {
    key(k);
    str(s);
    if (!ascii(s) && !valid_utf8(s)) {
      key(std::string(k) + "_b64");
      str(base64_encode(s));
    }
  }
  void opt_text(std::string_view k, const std::optional<std::string>& s) {
    if (s) return text(k, *s);
    key(k);
    null();
  }
  // An argv, as put_texts writes it (bounded, with `_b64`, `_truncated` and `_bytes` when needed).
  void texts(std::string_view k, const std::vector<std::string>& v) {
    bool plain = true;
    for (const auto& a : v) plain = plain && ascii(a);
    if (plain && joined_size(v) <= kMaxJsonTextBytes) {
      key(k);
      open('[');
      for (const auto& a : v) str(a);
      close(']');
      return;
    }
    nlohmann::ordered_json j;
    put_texts(j, std::string(k), v);
    for (const auto& it : j.items()) {
      key(it.key());
      comma();
      out_ += it.value().dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    }
  }
  // Attacker-controlled text: valid UTF-8 (each invalid byte as U+FFFD), JSON-escaped.
  void str(std::string_view s) {
    comma();
    bool plain = true;
    for (unsigned char c : s)
      if (c < 0x20 || c >= 0x7f || c == '"' || c == '\\') {
        plain = false;
        break;
      }
    out_ += '"';
    if (plain) {
      out_ += s;
    } else {
      if (ascii(s))
        escape(s);
      else
        escape(utf8_lossy(s));
    }
    out_ += '"';
  }
  void opt_str(const std::optional<std::string>& s) {
    if (s) str(*s);
    else null();
  }

 private:
  static bool ascii(std::string_view s) {
    for (unsigned char c : s)
      if (c >= 0x80) return false;
    return true;
  }
  void comma() {
    if (!first_) out_ += ',';
    first_ = false;
  }
  void escape(std::string_view s) {
    static const char* hex = "0123456789abcdef";
    for (unsigned char c : s) {
      switch (c) {
        case '"': out_ += "\\\""; break;
        case '\\': out_ += "\\\\"; break;
        case '\b': out_ += "\\b"; break;
        case '\f': out_ += "\\f"; break;
        case '\n': out_ += "\\n"; break;
        case '\r': out_ += "\\r"; break;
        case '\t': out_ += "\\t"; break;
        default:
          if (c < 0x20) {
            out_ += "\\u00";
            out_ += hex[c >> 4];
            out_ += hex[c & 15];
          } else {
            out_ += static_cast<char>(c);
          }
      }
    }
  }
  std::string& out_;
  bool first_ = true;
};

void keyvalues(Writer& w, const KeyValues& kv) {
  w.open('{');
  for (const auto& [k, v] : kv.items) {
    w.key(k);
    w.u64(v);
  }
  w.close('}');
}

// The owner object, key for key as owner_json writes it (a unit test holds them equal).
void owner(Writer& w, const Owner& o) {
  w.open('{');
  w.key("kind"), w.str(to_string(o.kind));
  w.text("label", o.label());
  w.opt_text("namespace", o.namespace_);
  w.opt_text("pod", o.pod);
  w.opt_text("container", o.container);
  w.key("qos");
  if (o.qos == QosClass::kNone) w.null();
  else w.str(to_string(o.qos));
  w.opt_text("pod_uid", o.pod_uid);
  w.opt_text("container_id", o.container_id);
  w.opt_text("runtime", o.runtime);
  w.opt_text("unit", o.unit);
  w.opt_text("session", o.session);
  w.opt_text("user", o.user);
  w.opt_text("timer", o.timer);
  w.opt_text("cgroup", o.cgroup);
  w.key("sandbox"), w.boolean(o.sandbox);
  w.key("in_kubepods"), w.boolean(o.in_kubepods);
  w.close('}');
}

void process(Writer& w, const Process& p, const Owner* o) {
  w.open('{');
  w.key("pid"), w.i64(p.pid);
  w.key("ppid"), w.i64(p.ppid);
  w.key("state"), w.str(std::string_view(&p.state, 1));
  w.key("start_time"), w.u64(p.start_time);
  w.text("comm", p.comm);
  w.texts("cmdline", p.cmdline);
  w.key("uid"), w.opt_u64(p.uid);
  w.key("kernel_thread"), w.boolean(p.kernel_thread);
  w.key("threads"), w.i64(p.threads);
  w.key("rss_bytes"), w.opt_u64(p.rss_bytes);
  w.key("rss_anon_bytes"), w.opt_u64(p.rss_anon_bytes);
  w.key("rss_file_bytes"), w.opt_u64(p.rss_file_bytes);
  w.key("rss_shmem_bytes"), w.opt_u64(p.rss_shmem_bytes);
  w.key("swap_bytes"), w.opt_u64(p.swap_bytes);
  if (p.pss_bytes) w.key("pss_bytes"), w.u64(*p.pss_bytes);
  if (p.uss_bytes) w.key("uss_bytes"), w.u64(*p.uss_bytes);
  w.opt_text("memory_cgroup", p.memory_cgroup);
  w.opt_text("exe", p.exe);
  w.opt_text("cwd", p.cwd);
  if (o) w.key("owner"), owner(w, *o);
  w.close('}');
}

void cgroup(Writer& w, const Cgroup& c, const Owner* o) {
  w.open('{');
  w.text("path", c.path);
  w.key("inode"), w.u64(c.inode);
  w.key("usage_bytes"), w.opt_u64(c.usage_bytes);
  if (c.usage_from_meminfo) w.key("usage_source"), w.str("meminfo");
  w.key("limit_bytes"), w.opt_u64(c.limit_bytes);
  w.key("limit_known"), w.boolean(c.limit_known);
  w.key("stat"), keyvalues(w, c.stat);
  if (!c.events.empty()) w.key("events"), keyvalues(w, c.events);
  if (c.failcnt) w.key("failcnt"), w.u64(*c.failcnt);
  w.key("nr_procs");
  if (c.nr_procs_known) w.u64(c.nr_procs);
  else w.null();
  if (o) w.key("owner"), owner(w, *o);
  w.close('}');
}

void psi_line(Writer& w, const PsiLine& l) {
  w.open('{');
  w.key("avg10"), w.dbl(l.avg10);
  w.key("avg60"), w.dbl(l.avg60);
  w.key("avg300"), w.dbl(l.avg300);
  w.key("total_us"), w.u64(l.total_us);
  w.close('}');
}

}  // namespace

void append_snapshot_json(const Snapshot& s, std::string& out, const SnapshotOwners* owners,
                          const std::function<void(std::string&)>& drain) {
  // Without drain, one allocation for the whole document: a v1 memory.stat alone is ~70 keys
  // (~2.5 KB of JSON). With it, one chunk is reused: no multi-MB buffer to fault in page by page.
  constexpr size_t kChunk = 64 * 1024;
  size_t per_owner = owners ? 320 : 0;
  size_t est = 8192 + s.processes.size() * (640 + per_owner);
  for (const auto& c : s.cgroups) est += 320 + per_owner + (c.stat.items.size() + c.events.items.size()) * 36;
  out.reserve(out.size() + (drain ? kChunk + 8192 : est));
  auto maybe_drain = [&] {
    if (drain && out.size() >= kChunk) {
      drain(out);
      out.clear();
    }
  };
  Writer w(out);
  w.open('{');
  w.key("schema"), w.str("memsleuth.snapshot/v1");
  w.key("time"), w.str(rfc3339_utc(s.time));
  w.key("cgroup_version"), w.str(to_string(s.cgroup_version));
  w.key("memory_controller"), w.str(s.memory_on_v2 ? "v2" : (s.memory_root.empty() ? "none" : "v1"));
  w.key("boot_time"), w.u64(s.boot_time);
  w.text("memory_root", s.memory_root_path);
  w.key("process_source"), w.str(s.process_source);
  if (s.process_source_note.empty())
    w.key("process_source_note"), w.null();
  else
    w.text("process_source_note", s.process_source_note);
  w.key("cgroup_source"), w.str(s.cgroup_source);
  w.key("meminfo"), keyvalues(w, s.meminfo);
  w.key("psi");
  if (s.psi) {
    w.open('{');
    w.key("some"), psi_line(w, s.psi->some);
    w.key("full");
    if (s.psi->full) psi_line(w, *s.psi->full);
    else w.null();
    w.close('}');
  } else {
    w.null();
  }
  w.key("slab_top");
  if (s.slab_readable) {
    w.open('[');
    for (size_t i = 0; i < s.slab.size() && i < 20; ++i) {
      w.open('{');
      w.text("name", s.slab[i].name);
      w.key("bytes"), w.u64(s.slab[i].bytes);
      w.key("objects"), w.u64(s.slab[i].num_objs);
      w.close('}');
    }
    w.close(']');
  } else {
    w.null();
  }
  w.key("processes"), w.open('[');
  for (size_t i = 0; i < s.processes.size(); ++i) {
    process(w, s.processes[i], owners && i < owners->processes.size() ? &owners->processes[i] : nullptr);
    maybe_drain();
  }
  w.close(']');
  w.key("cgroups"), w.open('[');
  for (size_t i = 0; i < s.cgroups.size(); ++i) {
    cgroup(w, s.cgroups[i], owners && i < owners->cgroups.size() ? &owners->cgroups[i] : nullptr);
    maybe_drain();
  }
  w.close(']');
  w.key("mounts"), w.open('[');
  for (const auto& m : s.mounts) {
    w.open('{');
    w.text("mount_point", m.mount_point);
    w.text("fs_type", m.fs_type);
    w.text("source", m.source);
    if (m.size_bytes) w.key("size_bytes"), w.u64(*m.size_bytes);
    if (m.used_bytes) w.key("used_bytes"), w.u64(*m.used_bytes);
    w.close('}');
  }
  w.close(']');
  w.key("skipped"), w.u64(s.skipped);
  w.texts("warnings", s.warnings);
  w.close('}');
}

}  // namespace ms
