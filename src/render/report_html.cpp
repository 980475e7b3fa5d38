#include "render/report_html.hpp"

#include <openssl/evp.h>

#include <algorithm>
#include <cctype>

#include <fmt/format.h>

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
  out += fmt::format("<p class=\"meta\">Window {} to {}{}; generated {} by memsleuth.</p>\n", h(rfc3339_utc(d.since)),
                     h(rfc3339_utc(d.until)),
                     d.worst_time ? "; worst moment " + h(rfc3339_utc(*d.worst_time)) : std::string(),
                     h(rfc3339_utc(d.generated_at)));
  out += "<h2>What happened</h2>\n<div class=\"summary\" id=\"summary\">";
  for (const auto& p : d.summary) out += "<p>" + h(p) + "</p>";
  out += "</div>\n";
  out += "<h2>Timeline</h2>\n<p class=\"legend-markers\"><span class=\"mk-oom_kill\">&#9646; OOM kill</span>"
         "<span class=\"mk-eviction\">&#9646; eviction</span><span class=\"mk-trigger\">&#9646; trigger snapshot</span>"
         " Drag on a chart to zoom (all charts follow); double-click to reset.</p>\n";
  for (const auto& c : d.charts) out += "<div class=\"chart\" id=\"chart-" + safe_id(c.id) + "\"></div>\n";
  out += "<h2>Top consumers at the worst moment</h2>\n" + render_table(d.top_consumers);
  out += "<h2>Findings</h2>\n";
  if (d.findings.empty()) out += "<p>No findings for this window.</p>\n";
  for (const auto& f : d.findings) {
    out += "<div class=\"finding " + h(f.severity) + "\"><span class=\"sev\">" + h(f.severity) + "</span> <b>" +
           h(f.title) + "</b>";
    if (!f.evidence.empty()) {
      out += "<ul>";
      for (const auto& e : f.evidence) out += "<li>" + h(e) + "</li>";
      out += "</ul>";
    }
    if (!f.why.empty()) out += "<p>" + h(f.why) + "</p>";
    if (!f.fix.empty()) out += "<pre>" + h(f.fix) + "</pre>";
    out += "</div>\n";
  }
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
