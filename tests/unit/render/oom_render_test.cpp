// `memsleuth oom` output with attacker-controlled strings (victim and invoker comm, memcg paths, pod
// names, kubelet messages): escaped in the table, valid JSON that keeps what the kernel printed; the
// owner object is the shared one (render/owner_json.hpp).
#include <gtest/gtest.h>

#include "events/event.hpp"
#include "render/oom_json.hpp"
#include "render/oom_table.hpp"
#include "render/owner_json.hpp"

using namespace ms;

namespace {

const std::string kEvil = "\x1b]0;pwned\x07\x1b[31mX\n\xff\xfe";

Owner evil_owner() {
  Owner o;
  o.kind = OwnerKind::kPod;
  o.qos = QosClass::kBurstable;
  o.in_kubepods = true;
  o.pod_uid = "u-1";
  o.namespace_ = "ns";
  o.pod = "pod" + kEvil;
  o.container = "c";
  return o;
}

std::vector<Event> hostile_events() {
  Event k;
  k.kind = EventKind::kOomKill;
  k.time_us = 1715266358000000;
  k.oom.invoker_comm = "inv" + kEvil;
  k.oom.constraint = "CONSTRAINT_MEMCG";
  k.oom.oom_memcg = "/kubepods/burstable/podu-1/" + kEvil;
  k.oom.task_memcg = k.oom.oom_memcg;
  k.oom.victim.pid = 42;
  k.oom.victim.comm = "vic" + kEvil;
  k.oom.victim.anon_rss_kb = 1024;
  k.oom.memory.limit_kb = 65536;
  k.oom.reaped = true;
  OomTask t;
  t.pid = 42;
  t.name = "vic" + kEvil;
  t.rss_pages = 256;
  k.oom.tasks.push_back(t);
  k.owner = evil_owner();
  k.owner_memcg = k.oom.task_memcg;
  TopConsumer g;
  g.group = k.owner->label();
  g.owner = k.owner;
  g.owner_source = "oom_memcg";
  g.rss_bytes = 1 << 20;
  g.processes = 1;
  g.pids = {42};
  g.comms = {"vic" + kEvil};
  k.top_consumers.push_back(g);
  Event v;
  v.kind = EventKind::kEviction;
  v.eviction.stage = "evicting";
  v.eviction.pod = "ns/" + kEvil;
  v.eviction.resource = "memory";
  v.eviction.ranked = {"ns/" + kEvil};
  v.eviction.containers.push_back({"c" + kEvil, std::string("1Gi"), std::string("0")});
  v.eviction.message = "The node was low on resource: memory. " + kEvil;
  return {k, v};
}

}  // namespace

TEST(OomRender, TableEscapesEveryAttackerString) {
  std::string out = render_oom_table(hostile_events());
  EXPECT_EQ(out.find('\x1b'), std::string::npos) << out;
  EXPECT_EQ(out.find('\x07'), std::string::npos);
  EXPECT_EQ(out.find('\xff'), std::string::npos);
  // Every raw newline ends a table line: no row is split by a name.
  EXPECT_EQ(out.find("X\n"), std::string::npos) << out;
  EXPECT_NE(out.find("vic\\x1b]0;pwned\\x07\\x1b[31mX\\n\\xff\\xfe"), std::string::npos) << out;  // victim
  EXPECT_NE(out.find("c\\x1b]0;pwned"), std::string::npos) << out;  // evicted container
  EXPECT_NE(out.find("Top consumers"), std::string::npos);
  EXPECT_NE(out.find(" reaped"), std::string::npos) << out;
}

TEST(OomRender, JsonKeepsTheTextAndUsesTheSharedOwner) {
  auto evs = hostile_events();
  Json j = oom_events_to_json(evs);
  std::string text = dump_json(j);
  EXPECT_EQ(text.find('\x1b'), std::string::npos);  // nlohmann writes \u001b
  Json back = Json::parse(text);  // valid UTF-8 JSON despite \xff
  EXPECT_EQ(back["schema"], "memsleuth.oom/v1");
  const Json& e = back["events"][0];
  EXPECT_EQ(e["victim"]["comm"].get<std::string>().rfind("vic\x1b]0;pwned\x07\x1b[31mX\n", 0), 0u);  // kept
  // Invalid bytes: U+FFFD in the text, the exact bytes in comm_b64 (docs/json.md).
  EXPECT_NE(e["victim"]["comm"].get<std::string>().find("\xEF\xBF\xBD"), std::string::npos);
  EXPECT_EQ(get_text(e["victim"], "comm"), "vic" + kEvil);
  EXPECT_EQ(e["victim"]["reaped"], true);
  EXPECT_EQ(e["victim"]["anon_rss_bytes"], 1024u * 1024);
  // The owner object is exactly owner_json (one writer for top, explain and oom), label included.
  EXPECT_EQ(j["events"][0]["owner"], owner_json(*evs[0].owner));
  EXPECT_EQ(j["events"][0]["top_consumers"][0]["owner"], owner_json(*evs[0].owner));
  for (auto key : {"kind", "label", "namespace", "pod", "container", "qos", "pod_uid", "container_id", "runtime",
                   "unit", "session", "user", "timer", "sandbox", "in_kubepods"})
    EXPECT_TRUE(e["owner"].contains(key)) << key;
  EXPECT_EQ(e["owner"]["qos"], "burstable");
  const Json& v = back["events"][1];
  EXPECT_EQ(v["kind"], "eviction");
  EXPECT_EQ(v["stage"], "evicting");
  EXPECT_NE(v["pod"].get<std::string>().find("\x1b[31m"), std::string::npos);
}
