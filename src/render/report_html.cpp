#include "render/report_html.hpp"

#include <openssl/evp.h>

#include <algorithm>
#include <cctype>

#include <fmt/format.h>

#include "render/doctor_json.hpp"
#include "render/json_util.hpp"
#include "render/report_assets.hpp"
#include "util/escape.hpp"
#include "util/units.hpp"

namespace ms {

std::string sha256_base64(std::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), digest, &len, EVP_sha256(), nullptr);
  std::string out(4 * ((len + 2) / 3) + 1, '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), digest, static_cast<int>(len));
  out.resize(static_cast<size_t>(n));
  return out;
}

std::string json_for_script(const std::string& json_text) {
  // '<' only occurs inside JSON strings, where \u003c means the same: no "</script>" or "<!--" can
  // close or confuse the data block.
  std::string out;
  out.reserve(json_text.size());
  for (char c : json_text) {
    if (c == '<') out += "\\u003c";
    else out += c;
  }
  return out;
}

namespace {

std::string h(std::string_view s) { return escape_html(s); }

std::string render_table(const ReportTable& t) {
  std::string out = "<table><thead><tr>";
  for (const auto& hd : t.headers) out += "<th>" + h(hd) + "</th>";
  out += "</tr></thead><tbody>";
  if (t.rows.empty())
    out += fmt::format("<tr><td colspan=\"{}\">{}</td></tr>", std::max<size_t>(1, t.headers.size()), h(t.empty_text));
  for (const auto& r : t.rows) {
    out += "<tr>";
    for (const auto& c : r) out += "<td>" + h(c) + "</td>";
    out += "</tr>";
  }
  return out + "</tbody></table>\n";
}

Json chart_json(const ReportChart& c) {
  Json j;
  j["id"] = jstr(c.id);
  j["title"] = jstr(c.title);
  j["unit"] = jstr(c.unit);
  j["stacked"] = c.stacked;
  j["times"] = c.times;
  Json series = Json::array();
  for (const auto& s : c.series) {
    Json vals = Json::array();
    for (const auto& v : s.values) vals.push_back(v ? Json(*v) : Json(nullptr));
    series.push_back({{"name", jstr(s.name)}, {"values", std::move(vals)}, {"dashed", s.dashed}});
  }
  j["series"] = std::move(series);
  return j;
}

// Chart ids become DOM ids: keep them to a safe alphabet whatever the caller passes.
std::string safe_id(std::string_view id) {
  std::string out;
  for (char c : id) out += (std::isalnum(static_cast<unsigned char>(c)) || c == '-') ? c : '-';
  return out;
}

std::string render_finding(const Finding& f, bool open) {
  std::string out = fmt::format(
      "<details class=\"finding {}\" data-id=\"{}\"{}><summary><span class=\"sev\">{}</span> <b>{}</b></summary>",
      to_string(f.severity), h(f.id), open ? " open" : "", to_string(f.severity), h(f.title));
  std::string subject;
  auto part = [&](const std::string& s) { subject += (subject.empty() ? "" : " · ") + s; };
  if (f.subject.pid) part(fmt::format("pid {}{}", *f.subject.pid, f.subject.comm ? " (" + *f.subject.comm + ")" : ""));
  if (f.subject.owner)
    part("owner " + *f.subject.owner + (f.subject.owner_kind ? " [" + *f.subject.owner_kind + "]" : ""));
  if (f.subject.cgroup) part("cgroup " + *f.subject.cgroup);
  if (f.subject.path) part(*f.subject.path);
  if (!subject.empty()) out += "<p class=\"subject\">" + h(subject) + "</p>";
  if (!f.evidence.empty()) {
    out += "<table class=\"evidence\"><tbody>";
    for (const auto& e : f.evidence)
      out += "<tr><td>" + h(e.what) + "</td><td>" + h(e.value) + "</td><td class=\"src\">" + h(e.source) + "</td></tr>";
    out += "</tbody></table>";
  }
  if (!f.why.empty()) out += "<p>" + h(f.why) + "</p>";
  if (!f.fix.empty()) {
    std::string fix;
    for (const auto& x : f.fix) fix += x + "\n";
    out += "<pre>" + h(fix) + "</pre>";
  }
  return out + "</details>\n";
}

Json incident_json(const ReportIncident& i) {
  Json j;
  j["kind"] = i.kind.empty() ? Json(nullptr) : Json(i.kind);
  j["headline"] = jstr(i.headline);
  j["time"] = i.time ? Json(rfc3339_utc(*i.time)) : Json(nullptr);
  j["pid"] = jopt(i.pid);
  j["comm"] = jstr_opt(i.comm);
  j["owner"] = jstr_opt(i.owner);
  j["cgroup"] = jstr_opt(i.cgroup);
  j["pod"] = jstr_opt(i.pod);
  j["limit_bytes"] = jopt(i.limit_bytes);
  j["usage_bytes"] = jopt(i.usage_bytes);
  return j;
}

std::string data_attr(const char* name, const std::optional<std::string>& v) {
  return v ? fmt::format(" data-{}=\"{}\"", name, h(*v)) : std::string();
}

}  // namespace

std::string render_report_html(const ReportData& d) {
  Json data;
  Json charts = Json::array();
  for (auto c : d.charts) {
    c.id = safe_id(c.id);
    charts.push_back(chart_json(c));
  }
  data["charts"] = std::move(charts);
  Json markers = Json::array();
  for (const auto& m : d.markers) markers.push_back({{"time", m.time}, {"kind", jstr(m.kind)}, {"label", jstr(m.label)}});
  data["markers"] = std::move(markers);
  // For scripts: the incident and the findings as `memsleuth doctor -o json` writes them.
  data["incident"] = incident_json(d.incident);
  Json findings = Json::array();
  for (const auto& f : d.findings) findings.push_back(finding_to_json(f));
  data["findings"] = std::move(findings);
  data["findings_time"] = d.findings_time ? Json(rfc3339_utc(*d.findings_time)) : Json(nullptr);
  std::string data_block = json_for_script(dump_json(data, -1));

  std::string_view uplot_js = assets::uplot_js(), app_js = assets::report_js();
  std::string_view uplot_css = assets::uplot_css(), app_css = assets::report_css();
  std::string csp = fmt::format(
      "default-src 'none'; script-src 'sha256-{}' 'sha256-{}'; style-src 'sha256-{}' 'sha256-{}'; img-src data:; "
      "base-uri 'none'; form-action 'none'",  // frame-ancestors is ignored (and logged) in a <meta> CSP
      sha256_base64(uplot_js), sha256_base64(app_js), sha256_base64(uplot_css), sha256_base64(app_css));

  std::string out;
  out.reserve(uplot_js.size() + data_block.size() + 64 * 1024);
  out += "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n";
  out += "<meta http-equiv=\"Content-Security-Policy\" content=\"" + h(csp) + "\">\n";
  out += "<meta name=\"referrer\" content=\"no-referrer\">\n";
  out += "<title>memsleuth incident report: " + h(d.node) + "</title>\n";
  out += "<style>";
  out += uplot_css;
  out += "</style>\n<style>";
  out += app_css;
  out += "</style>\n</head><body>\n";
  out += "<h1>Memory incident report: " + h(d.node) + "</h1>\n";
  out += fmt::format("<p class=\"meta\">Window {} to {}; generated {} by memsleuth. Times are UTC.</p>\n",
                     h(rfc3339_utc(d.since)), h(rfc3339_utc(d.until)), h(rfc3339_utc(d.generated_at)));

  // --- first screen: the incident, why, what started it, the doctor's findings of that moment ---
  const ReportIncident& in = d.incident;
  out += "<section id=\"incident\" class=\"incident\"" +
         data_attr("kind", in.kind.empty() ? std::nullopt : std::optional(in.kind)) +
         (in.pid ? fmt::format(" data-pid=\"{}\"", *in.pid) : std::string()) + data_attr("comm", in.comm) +
         data_attr("owner", in.owner) + data_attr("cgroup", in.cgroup) + data_attr("pod", in.pod) +
         (in.limit_bytes ? fmt::format(" data-limit-bytes=\"{}\"", *in.limit_bytes) : std::string()) +
         (in.time ? fmt::format(" data-time=\"{}\"", *in.time) : std::string()) + ">\n";
  out += "<h2>What happened</h2>\n<p class=\"headline\">" + h(in.headline) + "</p>\n";
  if (!in.facts.empty()) {
    out += "<table class=\"facts\"><tbody>";
    for (const auto& f : in.facts) out += "<tr><th>" + h(f.label) + "</th><td>" + h(f.value) + "</td></tr>";
    out += "</tbody></table>\n";
  }
  out += "<h3>The doctor's findings at that moment</h3>\n";
  if (d.findings_time)
    out += fmt::format("<p class=\"note\">As recorded at {}; the same list as <code>{}</code>.</p>\n",
                       h(rfc3339_utc(*d.findings_time)), h(d.findings_command));
  out += "<div id=\"findings\">\n";
  if (d.findings.empty()) out += "<p>No findings for that moment.</p>\n";
  for (size_t i = 0; i < d.findings.size(); ++i) out += render_finding(d.findings[i], false);
  out += "</div>\n";
  if (!d.findings_missing.empty()) {
    out += "<p class=\"note\">Not checked: ";
    for (size_t i = 0; i < d.findings_missing.size(); ++i) out += (i ? "; " : "") + h(d.findings_missing[i]);
    out += "</p>\n";
  }
  out += "</section>\n";

  // --- the charts: the incident's cgroup first, then the node ---
  out +=
      "<h2>Timeline</h2>\n<p class=\"legend-markers\"><span class=\"mk-oom_kill\">&#9646; OOM kill</span>"
      "<span class=\"mk-eviction\">&#9646; eviction</span><span class=\"mk-trigger\">&#9646; trigger snapshot</span>"
      " Each chart is scaled to its own data. Drag on a chart to zoom (all charts follow); double-click to "
      "reset.</p>\n";
  for (const auto& c : d.charts) out += "<div class=\"chart\" id=\"chart-" + safe_id(c.id) + "\"></div>\n";
  out += "<h2>The node</h2>\n<div class=\"summary\" id=\"summary\">";
  for (const auto& p : d.summary) out += "<p>" + h(p) + "</p>";
  out += "</div>\n";
  out += "<h2>Top consumers" + (d.findings_time ? " at " + h(rfc3339_utc(*d.findings_time)) : std::string()) +
         "</h2>\n" + render_table(d.top_consumers);
  out += "<h2>OOM kills and evictions</h2>\n" + render_table(d.events);
  out += "<script type=\"application/json\" id=\"report-data\">" + data_block + "</script>\n";
  out += "<script>";
  out += uplot_js;
  out += "</script>\n<script>";
  out += app_js;
  out += "</script>\n</body></html>\n";
  return out;
}

}  // namespace ms
