// parse_cgroup_walk on walks built by hand: what a good walk gives, and a clear error for each
// kind of damage (another version, a cut record, no end); cgroup_limit_from_pages as the limit files read.
#include <gtest/gtest.h>

#include <climits>
#include <cstring>
#include <string>

#include "../../support/cgroup_walk_builder.hpp"
#include "probe/bpf/cgroup_iter.hpp"
#include "probe/bpf/cgroup_record.h"
#include "probe/parsers.hpp"

using namespace ms;

namespace {

using ms::testing::CgroupWalkBuilder;
constexpr uint64_t kCounterMax = CgroupWalkBuilder::kCounterMax;

std::string good_walk() {
  return CgroupWalkBuilder(false, 1)
      .cgroup(1, MS_CG_ROOT | MS_CG_SWAP_MAX, 500, kCounterMax, kCounterMax, 7)
      .cgroup(4242, MS_CG_SWAP_MAX, 100, 16384, 16394, 7)
      .cgroup(77, MS_CG_FAILCNT_CUT, 3, kCounterMax, 0, 7)
      .end()
      .data;
}

std::string error_of(const std::string& data) {
  bpf::CgroupWalk w;
  auto r = bpf::parse_cgroup_walk(data, w);
  return r ? std::string() : r.error().describe();
}

}  // namespace

TEST(CgroupWalk, ParsesRecordsAndFindsThemById) {
  bpf::CgroupWalk w;
  auto r = bpf::parse_cgroup_walk(good_walk(), w);
  ASSERT_TRUE(r) << r.error().describe();
  EXPECT_FALSE(w.v2);
  EXPECT_EQ(w.page_size, 4096u);
  EXPECT_EQ(w.root_id, 1u);
  ASSERT_EQ(w.cgroups.size(), 3u);
  EXPECT_TRUE(w.cgroups[0].root);
  const auto* c = w.find(4242);
  ASSERT_NE(c, nullptr);
  EXPECT_FALSE(c->root);
  EXPECT_EQ(c->usage_pages, 100u);
  EXPECT_EQ(c->max_pages, 16384u);
  EXPECT_EQ(c->swap_max_pages, std::optional<uint64_t>(16394));
  EXPECT_EQ(c->failcnt, std::optional<uint64_t>(7));
  const auto* cut = w.find(77);
  ASSERT_NE(cut, nullptr);
  EXPECT_FALSE(cut->failcnt) << "a failcnt past 32 bits is read from its file";
  EXPECT_FALSE(cut->swap_max_pages) << "no swap counter in the record";
  EXPECT_EQ(w.find(5), nullptr);
}

TEST(CgroupWalk, DamageIsNamed) {
  std::string good = good_walk();
  EXPECT_NE(error_of("").find("no header"), std::string::npos);
  EXPECT_NE(error_of(std::string(64, 'x')).find("not a memsleuth cgroup iterator"), std::string::npos);
  EXPECT_NE(error_of(CgroupWalkBuilder(false, 1, MS_CG_VERSION + 1).end().data).find("record version"),
            std::string::npos);
  EXPECT_NE(error_of(good.substr(0, good.size() - 8)).find("without its end record"), std::string::npos);
  EXPECT_NE(error_of(good.substr(0, good.size() - 20)).find("cut at byte"), std::string::npos);
  EXPECT_NE(error_of(good + "xx").find("after the end record"), std::string::npos);
  std::string odd = good;
  odd[sizeof(ms_cg_header)] = 9;  // the first record's kind
  EXPECT_NE(error_of(odd).find("unknown record kind 9"), std::string::npos);
  std::string bad_page = CgroupWalkBuilder(false, 1).end().data;
  uint32_t odd_size = 3000;
  std::memcpy(bad_page.data() + offsetof(ms_cg_header, page_size), &odd_size, sizeof odd_size);
  EXPECT_NE(error_of(bad_page).find("page size 3000"), std::string::npos);
}

// The limit files print the counter times the page size (v1) or "max" (v2) at PAGE_COUNTER_MAX:
// cgroup_limit_from_pages agrees with parse_cgroup_limit of what the file would print.
TEST(CgroupWalk, LimitBytesAsTheFilesRead) {
  auto file_v1 = [](uint64_t pages) { return *parse_cgroup_limit(std::to_string(pages * 4096), "f"); };
  for (uint64_t pages : {uint64_t{0}, uint64_t{1}, uint64_t{16384}, kCounterMax - 1, kCounterMax})
    EXPECT_EQ(cgroup_limit_from_pages(pages, 4096), file_v1(pages)) << pages;
  EXPECT_EQ(cgroup_limit_from_pages(kCounterMax, 4096), std::nullopt);
  EXPECT_EQ(cgroup_limit_from_pages(16384, 4096), std::optional<uint64_t>(64ull << 20));
  EXPECT_EQ(cgroup_limit_from_pages(kCounterMax, 65536), std::optional<uint64_t>()) << "past 2^62 with 64 KiB pages";
  EXPECT_EQ(cgroup_limit_from_pages(5, 0), std::nullopt);
}
