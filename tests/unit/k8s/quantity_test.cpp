#include <gtest/gtest.h>

#include "k8s/quantity.hpp"

using namespace ms::k8s;

namespace {
int64_t q(const char* s) {
  auto r = parse_quantity(s);
  EXPECT_TRUE(r) << s << ": " << (r ? "" : r.error().describe());
  return r ? r->value : -1;
}
}  // namespace

TEST(Quantity, BinaryAndDecimalSuffixes) {
  EXPECT_EQ(q("100Mi"), 104857600);
  EXPECT_EQ(q("1Gi"), 1073741824);
  EXPECT_EQ(q("1.5Gi"), 1610612736);
  EXPECT_EQ(q("512M"), 512000000);
  EXPECT_EQ(q("3000Mi"), 3145728000);
  EXPECT_EQ(q("1k"), 1000);
  EXPECT_EQ(q("1e9"), 1000000000);
  EXPECT_EQ(q("2E3"), 2000);
  EXPECT_EQ(q("1E"), 1000000000000000000);
  EXPECT_EQ(q("12345"), 12345);
  EXPECT_EQ(q("0"), 0);
  EXPECT_EQ(q("+5Ki"), 5120);
  EXPECT_EQ(q("-5Ki"), -5120);
}

TEST(Quantity, FractionsRoundUpLikeValue) {
  auto r = parse_quantity("100.5");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->value, 101);
  EXPECT_FALSE(r->exact);
  EXPECT_EQ(q("100m"), 1);  // 0.1 byte → Value() 1
  EXPECT_EQ(q("0.5Ki"), 512);
  EXPECT_TRUE(parse_quantity("0.5Ki")->exact);
}

TEST(Quantity, Malformed) {
  for (const char* s : {"", "Mi", "10K", "10mi", "1.2.3", "abc", "10 Mi", "1e", "99999999999999999999Ei", "10%"}) {
    auto r = parse_quantity(s, "--eviction-hard memory.available");
    EXPECT_FALSE(r) << s;
    if (!r) {
      EXPECT_NE(r.error().describe().find("--eviction-hard memory.available"), std::string::npos);
    }
  }
}

// design/kubelet-memory.md §3.5: the float32 percentage table, exactly.
TEST(Percentage, Float32TableExactly) {
  struct Row {
    const char* pct;
    int64_t capacity, expected, naive;
  } rows[] = {
      {"10%", 17179869184, 1717986944, 1717986918}, {"5%", 17179869184, 858993472, 858993459},
      {"15%", 17179869184, 2576980480, 2576980377}, {"1%", 17179869184, 171798688, 171798691},
      {"7.5%", 8201580544, 615118565, 615118540},
  };
  for (const auto& r : rows) {
    auto p = parse_percentage(r.pct);
    ASSERT_TRUE(p) << r.pct;
    EXPECT_EQ(percentage_of(*p, r.capacity), r.expected) << r.pct;
    EXPECT_NE(percentage_of(*p, r.capacity), r.naive) << r.pct;
  }
}

TEST(Percentage, TrimsEveryTrailingPercentAndRejectsJunk) {
  EXPECT_FLOAT_EQ(*parse_percentage("10%%"), 0.1f);
  EXPECT_FLOAT_EQ(*parse_percentage("+10%"), 0.1f);
  EXPECT_FALSE(parse_percentage("x%"));
  EXPECT_FALSE(parse_percentage("%"));
  EXPECT_FALSE(parse_percentage("nan%"));
  EXPECT_FALSE(parse_percentage("10 %"));
}

TEST(GoDuration, Forms) {
  EXPECT_DOUBLE_EQ(*parse_go_duration("1m30s"), 90);
  EXPECT_DOUBLE_EQ(*parse_go_duration("5m"), 300);
  EXPECT_DOUBLE_EQ(*parse_go_duration("2h"), 7200);
  EXPECT_DOUBLE_EQ(*parse_go_duration("300ms"), 0.3);
  EXPECT_DOUBLE_EQ(*parse_go_duration("0"), 0);
  EXPECT_DOUBLE_EQ(*parse_go_duration("-5s"), -5);
  EXPECT_FALSE(parse_go_duration("5"));
  EXPECT_FALSE(parse_go_duration("5x"));
  EXPECT_FALSE(parse_go_duration(""));
}
