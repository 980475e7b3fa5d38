// Stored strings keep their bytes and are escaped once, when shown (issue 18 item 9: `explain --at`
// showed \\xff because the recorder had escaped the path before storing it).
#include <gtest/gtest.h>

#include "render/recorded_explain.hpp"
#include "store/owner_json.hpp"
#include "util/json_text.hpp"

namespace ms {
namespace {

store::RecordedMoment moment_with_hostile_names() {
  store::RecordedMoment m;
  m.snapshot.time = 1'700'000'000;
  Process p;
  p.pid = 4242;
  p.comm = "upd\xff";
  p.cmdline = {"/usr/bin/updatedb", "--x=\\xff"};
  p.memory_cgroup = "/cron";
  m.snapshot.processes.push_back(p);
  // As the recorder writes provenance (agent/views.cpp): put_text, never an escaped copy.
  nlohmann::ordered_json prov, a;
  put_text(prov, "exe", "/usr/bin/updatedb");
  put_text(prov, "cwd", std::string("/srv/\xff\\xff"));
  a["pid"] = 1;
  put_text(a, "comm", std::string("cron\xfe"));
  put_text(a, "cmdline", "/usr/sbin/cron -f");
  put_text(a, "owner", "cron");
  prov["ancestry"] = nlohmann::ordered_json::array({a});
  m.process_provenance.push_back(prov.dump());
  Owner o;
  o.kind = OwnerKind::kCron;
  o.unit = std::string("cron\xff.service");
  m.process_owners.push_back(store::owner_from_json(store::owner_to_json(o)));
  m.process_first_seen.push_back(1'700'000'000);
  return m;
}

TEST(RecordedEscape, TextShowsEachByteEscapedOnce) {
  auto m = moment_with_hostile_names();
  std::string t = render_recorded_explain_text(m, 0);
  EXPECT_NE(t.find("CWD      /srv/\\xff\\\\xff"), std::string::npos) << t;  // byte, then literal text
  EXPECT_EQ(t.find("\\\\\\\\xff"), std::string::npos) << t;                 // never escaped twice
  EXPECT_NE(t.find("PID 4242 (upd\\xff)"), std::string::npos) << t;
  EXPECT_NE(t.find("(cron\\xfe)"), std::string::npos) << t;
  EXPECT_NE(t.find("cron\\xff.service"), std::string::npos) << t;  // the owner's unit, from stored JSON
  EXPECT_EQ(t.find('\xff'), std::string::npos);
}

TEST(RecordedEscape, JsonRoundTripsTheBytes) {
  auto m = moment_with_hostile_names();
  Json j = Json::parse(dump_json(recorded_explain_to_json(m, 0)));
  EXPECT_EQ(get_text(j, "comm"), std::string("upd\xff"));
  EXPECT_EQ(get_text(j["provenance"], "cwd"), std::string("/srv/\xff\\xff"));
  EXPECT_EQ(get_text(j["provenance"]["ancestry"][0], "comm"), std::string("cron\xfe"));
  EXPECT_EQ(get_text(j["owner"], "unit"), std::string("cron\xff.service"));
}

}  // namespace
}  // namespace ms
