#include <gtest/gtest.h>

#include "render/report_html.hpp"
#include "render/report_assets.hpp"

using namespace ms;

namespace {
ReportData sample() {
  ReportData d;
  d.node = "node-1";
  d.since = 1700000000;
  d.until = 1700003600;
  d.generated_at = 1700003700;
  d.worst_time = 1700001000;
  d.summary = {"At 03:12 the kubelet saw 1.1Gi available while the kernel had 180Mi."};
  ReportChart c;
  c.id = "available";
  c.title = "Available memory";
  c.unit = "bytes";
  c.times = {1700000000, 1700000010};
  c.series.push_back({"kubelet view", {1.0e9, 0.9e9}, false});
  c.series.push_back({"kernel view", {1.0e9, std::nullopt}, false});
  d.charts.push_back(c);
  d.markers.push_back({1700000005, "oom_kill", "<img src=x onerror=alert(1)>"});
  d.top_consumers = {"Top", {"PID", "COMM"}, {{"42", "<img src=x onerror=alert(1)>"}, {"43", "</script><script>alert(2)</script>"}}};
  d.events = {"Events", {"TIME", "WHAT"}, {}, "no OOM kills or evictions"};
  return d;
}
}  // namespace

TEST(ReportHtml, HostileStringsAreTextOnly) {
  std::string html = render_report_html(sample());
  EXPECT_EQ(html.find("<img src=x"), std::string::npos);
  EXPECT_NE(html.find("&lt;img src=x onerror=alert(1)&gt;"), std::string::npos);
  // Exactly the three script elements we emit: data, uPlot, app.
  size_t scripts = 0;
  for (size_t p = html.find("<script"); p != std::string::npos; p = html.find("<script", p + 1)) ++scripts;
  EXPECT_EQ(scripts, 3u);
  size_t closes = 0;
  for (size_t p = html.find("</script"); p != std::string::npos; p = html.find("</script", p + 1)) ++closes;
  EXPECT_EQ(closes, 3u);
}

TEST(ReportHtml, CspHashesMatchInlineScripts) {
  std::string html = render_report_html(sample());
  // The policy sits in an attribute, so its quotes arrive HTML-escaped (the browser decodes them).
  EXPECT_NE(html.find("default-src &#39;none&#39;"), std::string::npos);
  EXPECT_NE(html.find("&#39;sha256-" + sha256_base64(assets::uplot_js()) + "&#39;"), std::string::npos);
  EXPECT_NE(html.find("&#39;sha256-" + sha256_base64(assets::report_js()) + "&#39;"), std::string::npos);
  EXPECT_EQ(html.find("frame-ancestors"), std::string::npos);  // ignored and logged as an error in <meta>
  EXPECT_NE(html.find("<script>" + std::string(assets::report_js()) + "</script>"), std::string::npos);
  EXPECT_EQ(html.find("src=\"http"), std::string::npos);
  EXPECT_EQ(html.find("href=\"http"), std::string::npos);
}

TEST(ReportHtml, Sha256KnownVector) {
  EXPECT_EQ(sha256_base64("abc"), "ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0=");
}

TEST(ReportHtml, JsonForScriptNeutralisesTags) {
  EXPECT_EQ(json_for_script(R"({"a":"</script><!--"})"), R"({"a":"\u003c/script>\u003c!--"})");
}

TEST(ReportHtml, EmptyTableSaysSo) {
  std::string html = render_report_html(sample());
  EXPECT_NE(html.find("no OOM kills or evictions"), std::string::npos);
}

// Issue 16 item 3: the first thing on the page is the incident (its victim as data attributes for
// scripts), then the doctor's findings of that moment, then the charts; names stay text.
TEST(ReportHtml, IncidentAndItsFindingsComeBeforeTheCharts) {
  ReportData d = sample();
  d.incident.kind = "oom_kill";
  d.incident.headline =
      "python3 (pid 42) was OOM-killed at 03:12:00 UTC: its memory cgroup /uxtest hit its 200Mi limit.";
  d.incident.pid = 42;
  d.incident.comm = "\"><img src=x onerror=alert(3)>";
  d.incident.cgroup = "/uxtest";
  d.incident.limit_bytes = 200ull << 20;
  d.incident.facts = {{"Memory cgroup", "/uxtest"}, {"Limit", "200Mi"}};
  Finding f;
  f.id = "recent-memcg-oom";
  f.severity = Severity::kWarning;
  f.title = "Memory-cgroup OOM kill 6s ago";
  f.subject.pid = 42;
  f.subject.cgroup = "/uxtest";
  d.findings = {f};
  d.findings_time = 1700001006;
  d.findings_command = "memsleuth doctor --db /var/lib/memsleuth/history.db --at @1700001006";
  std::string html = render_report_html(d);
  size_t incident = html.find("<section id=\"incident\""), finding = html.find("data-id=\"recent-memcg-oom\""),
         chart = html.find("id=\"chart-available\"");
  ASSERT_NE(incident, std::string::npos);
  ASSERT_NE(finding, std::string::npos);
  ASSERT_NE(chart, std::string::npos);
  EXPECT_LT(incident, finding);
  EXPECT_LT(finding, chart);
  EXPECT_NE(html.find("data-pid=\"42\""), std::string::npos);
  EXPECT_NE(html.find("data-cgroup=\"/uxtest\""), std::string::npos);
  EXPECT_NE(html.find("data-limit-bytes=\"209715200\""), std::string::npos);
  EXPECT_NE(html.find("data-comm=\"&quot;&gt;&lt;img"), std::string::npos);
  EXPECT_EQ(html.find("<img src=x onerror=alert(3)>"), std::string::npos);
  EXPECT_NE(html.find("--at @1700001006"), std::string::npos);
  // The JSON block carries the findings as `doctor -o json` writes them.
  EXPECT_NE(html.find(R"("findings":[{)"), std::string::npos);
  EXPECT_NE(html.find(R"("id":"recent-memcg-oom")"), std::string::npos);
}
