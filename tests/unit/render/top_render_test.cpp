// `top` output with hostile strings (escape sequences, newlines, invalid UTF-8 in comm, cmdline, cgroup
// path and pod names): tables show them escaped, JSON stays valid and keeps them.
#include <gtest/gtest.h>

#include "attribution/attribution.hpp"
#include "attribution/top_query.hpp"
#include "render/top_render.hpp"

namespace ms {
namespace {

const std::string kEvil = "\x1b]0;pwned\x07\x1b[31mX\n\xff\xfe";

Snapshot hostile() {
  Snapshot s;
  Cgroup root;
  root.path = "/";
  root.limit_known = true;
  Cgroup evil;
  evil.path = "/" + kEvil;
  evil.limit_known = true;
  s.cgroups = {root, evil};
  Process p;
  p.pid = 42;
  p.comm = kEvil;
  p.cmdline = {kEvil, "--arg=" + kEvil};
  p.memory_cgroup = "/" + kEvil;
  p.rss_bytes = 1 << 20;
  s.processes = {p};
  return s;
}

TEST(TopRender, HostileStringsAreEscapedInEveryView) {
  Snapshot s = hostile();
  ClassifySources src;
  PodNames pn;
  pn.uid = "u1";
  pn.namespace_ = kEvil;
  pn.name = kEvil;
  src.names.add_pod(pn);
  Process pod = s.processes[0];
  pod.pid = 43;
  pod.memory_cgroup = "/kubepods/besteffort/podu1";
  s.processes.push_back(pod);
  Attribution a = attribute(s, src);
  for (TopBy by : {TopBy::kProcess, TopBy::kCgroup, TopBy::kPod, TopBy::kOwner}) {
    for (bool wide : {false, true}) {
      TopQuery q;
      q.by = by;
      q.limit = 0;
      TopResult r = select_top(a, q);
      std::string out = render_top_table(r, wide);
      SCOPED_TRACE(std::string(to_string(by)) + (wide ? " wide" : ""));
      EXPECT_EQ(out.find('\x1b'), std::string::npos);
      EXPECT_EQ(out.find('\x07'), std::string::npos);
      EXPECT_EQ(out.find('\xff'), std::string::npos);
      // Every newline ends a table row (or a footer line): none comes from the data.
      if (by == TopBy::kProcess) {
        EXPECT_NE(out.find("\\x1b[31mX\\n"), std::string::npos) << out;
      }

      std::string js = dump_json(top_to_json(r, by == TopBy::kOwner ? &a.residual : nullptr));
      Json parsed;
      ASSERT_NO_THROW(parsed = Json::parse(js));
      EXPECT_EQ(parsed["schema"], "memsleuth.top/v1");
      EXPECT_EQ(parsed["by"], to_string(by));
      if (by == TopBy::kProcess) {
        bool found = false;
        for (const auto& row : parsed["rows"])
          if (row["pid"] == 42) {
            found = true;
            std::string comm = row["comm"];
            EXPECT_NE(comm.find("\x1b[31mX\n"), std::string::npos);  // kept, as valid UTF-8
            EXPECT_TRUE(row["effective_limit_bytes"].is_null());
            EXPECT_EQ(row["bounded"], false);
            EXPECT_EQ(row["memory_bytes"], 1 << 20);
            EXPECT_EQ(row["owner"]["kind"], "cgroup");  // a cgroup of its own, named by its (hostile) path
            for (const char* k : {"namespace", "pod", "container", "qos", "pod_uid", "container_id", "runtime", "unit",
                                  "session", "user"})
              EXPECT_TRUE(row["owner"].contains(k)) << k;
          }
        EXPECT_TRUE(found);
      }
    }
  }
}

TEST(TopRender, SortAndCut) {
  Snapshot s;
  Cgroup root;
  root.path = "/";
  root.limit_known = true;
  s.cgroups = {root};
  for (int i = 1; i <= 5; ++i) {
    Process p;
    p.pid = i;
    p.comm = "p" + std::to_string(i);
    p.memory_cgroup = "/";
    p.rss_bytes = uint64_t(i) << 20;
    if (i == 3) p.pss_bytes = 10 << 20;
    s.processes.push_back(p);
  }
  Attribution a = attribute(s, ClassifySources{});
  TopQuery q;
  q.limit = 2;
  TopResult r = select_top(a, q);
  ASSERT_EQ(r.rows.size(), 2u);
  EXPECT_EQ(r.total_rows, 5u);
  EXPECT_EQ(r.rows[0].process->pid, 5);
  EXPECT_EQ(r.rows[1].process->pid, 4);
  EXPECT_NE(render_top_table(r, false).find("(2 of 5 rows"), std::string::npos);
  q.sort = TopSort::kPss;
  r = select_top(a, q);
  EXPECT_EQ(r.rows[0].process->pid, 3);  // the only one with PSS; the rest (unmeasured) follow
  EXPECT_FALSE(r.rows[1].memory_bytes);
  q.owner = OwnerKind::kPod;
  EXPECT_TRUE(select_top(a, q).rows.empty());
}

}  // namespace
}  // namespace ms
