#include "render/doctor_json.hpp"

#include "util/units.hpp"

namespace ms {

Json finding_to_json(const Finding& f) {
  Json ev = Json::array();
  for (const auto& e : f.evidence) {
    Json j;
    put_text_capped(j, "what", e.what);
    put_text_capped(j, "value", e.value);
    j["number"] = e.number ? Json(*e.number) : Json(nullptr);
    j["unit"] = e.unit;
    put_text_capped(j, "source", e.source);
    ev.push_back(std::move(j));
  }
  Json subject = Json::object();
  if (f.subject.pid) subject["pid"] = *f.subject.pid;
  if (f.subject.comm) put_text(subject, "comm", *f.subject.comm);
  if (f.subject.cgroup) put_text_capped(subject, "cgroup", *f.subject.cgroup);
  if (f.subject.owner) put_text_capped(subject, "owner", *f.subject.owner);
  if (f.subject.owner_kind) put_text(subject, "owner_kind", *f.subject.owner_kind);
  if (f.subject.path) put_text_capped(subject, "path", *f.subject.path);
  Json j;
  j["id"] = f.id;
  j["rule"] = f.rule;
  j["severity"] = to_string(f.severity);
  put_text_capped(j, "title", f.title);
  j["bytes_at_stake"] = f.bytes_at_stake;
  j["subject"] = std::move(subject);
  j["evidence"] = std::move(ev);
  put_text_capped(j, "why", f.why);
  put_texts(j, "fix", f.fix);
  return j;
}

Json doctor_to_json(const DoctorReport& r) {
  Json node;
  put_text(node, "hostname", r.node.hostname);
  node["time"] = rfc3339_utc(r.node.time);
  node["cgroup_version"] = r.node.cgroup_version;
  node["mem_total_bytes"] = jopt(r.node.mem_total_bytes);
  node["mem_available_bytes"] = jopt(r.node.mem_available_bytes);
  node["kubelet_memory_available_bytes"] = jopt(r.node.kubelet_memory_available_bytes);
  node["inputs"] = r.node.inputs;
  put_texts(node, "missing_inputs", r.node.missing);
  put_texts(node, "kubelet_trust", r.node.kubelet_trust);
  node["rules_run"] = r.node.rules_run;
  put_text_opt(node, "replayed", r.node.replayed);
  if (r.node.history) {
    const auto& h = *r.node.history;
    auto moment = [](const std::optional<TimedBytes>& t) {
      if (!t) return Json(nullptr);
      Json j;
      j["time"] = rfc3339_utc(t->time);
      j["bytes"] = t->bytes;
      return j;
    };
    Json hj;
    hj["since"] = rfc3339_utc(h.since);
    hj["until"] = rfc3339_utc(h.until);
    hj["samples"] = h.samples;
    hj["lowest_kubelet_memory_available"] = moment(h.lowest_kubelet_available);
    hj["lowest_mem_available"] = moment(h.lowest_mem_available);
    hj["fastest_decline_bytes_per_second"] = h.fastest_decline_bytes_per_s ? Json(*h.fastest_decline_bytes_per_s) : Json(nullptr);
    hj["fastest_decline_at"] = h.fastest_decline_at ? Json(rfc3339_utc(*h.fastest_decline_at)) : Json(nullptr);
    node["history"] = std::move(hj);
  } else {
    node["history"] = nullptr;
  }
  size_t counts[3] = {0, 0, 0};
  for (const auto& f : r.findings) ++counts[static_cast<int>(f.severity)];
  Json summary;
  summary["critical"] = counts[2];
  summary["warning"] = counts[1];
  summary["info"] = counts[0];
  summary["exit_code"] = r.exit_code;
  Json findings = Json::array();
  for (const auto& f : r.findings) findings.push_back(finding_to_json(f));
  Json j;
  j["schema"] = "memsleuth.doctor/v1";
  j["node"] = std::move(node);
  j["summary"] = std::move(summary);
  j["findings"] = std::move(findings);
  return j;
}

}  // namespace ms
