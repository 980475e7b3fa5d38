// Terminal layout: display widths, cutting, wrapping, bounded fields and tables that fit a width.
#include "render/text_layout.hpp"

#include <gtest/gtest.h>

#include "render/table.hpp"
#include "util/text.hpp"

namespace ms {
namespace {

size_t widest_line(const std::string& text) {
  size_t w = 0;
  for_each_line(text, [&](std::string_view l, int) { w = std::max(w, display_width(l)); });
  return w;
}

TEST(TextLayout, DisplayWidthCountsColumnsNotBytes) {
  EXPECT_EQ(display_width("abc"), 3u);
  EXPECT_EQ(display_width("été"), 3u);                   // 5 bytes
  EXPECT_EQ(display_width("日本"), 4u);                  // wide characters take two columns
  EXPECT_EQ(display_width("\x1b[1;31mred\x1b[0m"), 3u);  // colour takes none
  EXPECT_EQ(display_width("…"), 1u);
}

TEST(TextLayout, TruncateAndElideKeepTheWidth) {
  EXPECT_EQ(truncate_display("abcdefgh", 8), "abcdefgh");
  EXPECT_EQ(truncate_display("abcdefgh", 5), "abcd…");
  EXPECT_EQ(truncate_display("日本語テキスト", 5), "日本…");
  EXPECT_EQ(display_width(truncate_display("日本語テキスト", 6)), 5u);  // never half a wide char
  EXPECT_EQ(elide_middle("/kubepods.slice/pod-1234.slice/cri-containerd-abcdef.scope", 21), "/kubepods.…cdef.scope");
  EXPECT_EQ(display_width(elide_middle(std::string(500, 'x'), 40)), 40u);
}

TEST(TextLayout, WrapFitsTheWidthAndKeepsEveryWord) {
  std::string text =
      "the kubelet evicts pods when memory.available falls below the hard threshold; "
      "/a/path/that/is/much/longer/than/the/terminal/is/wide/and/has/no/spaces/at/all/in/it end";
  std::string out = wrap_text(text, 40, "   why:  ", "         ");
  EXPECT_LE(widest_line(out), 40u) << out;
  EXPECT_EQ(out.rfind("   why:  the kubelet", 0), 0u) << out;
  std::string joined;
  for_each_line(out, [&](std::string_view l, int) { joined += std::string(trim(l)) + " "; });
  EXPECT_NE(joined.find("hard threshold;"), std::string::npos);
  EXPECT_NE(out.find("/a/path"), std::string::npos);
  // No width: one line, as given; spaces between words stay as written, and go at a break.
  EXPECT_EQ(wrap_text("a b  c", 0, "> ", ""), "> a b  c\n");
  EXPECT_EQ(wrap_text("MemTotal 1Gi  MemFree 2Gi", 14, "", "  "), "MemTotal 1Gi\n  MemFree 2Gi\n");
  // The first prefix is kept verbatim (doctor's "1. WARNING  " heading).
  EXPECT_EQ(wrap_text("cc1plus holds 615Mi", 80, "1. WARNING  ", "   "), "1. WARNING  cc1plus holds 615Mi\n");
}

TEST(TextLayout, BoundTextSaysHowMuchWasLeftOut) {
  EXPECT_EQ(bound_text("short"), "short");
  std::string big(100000, 'x');
  std::string out = bound_text(big, 188);
  EXPECT_EQ(out, std::string(188, 'x') + "… (+99,812 bytes)");
  // Never half a UTF-8 sequence before the mark.
  std::string e = bound_text("ééééé", 4);
  EXPECT_EQ(e, "éé… (+6 bytes)");
  // term_field escapes what it keeps.
  EXPECT_EQ(term_field("a\x1b[31m" + std::string(5000, 'y')).rfind("a\\x1b[31m", 0), 0u);
  EXPECT_LT(term_field(std::string(1 << 20, 'z')).size(), 2100u);
}

TEST(Table, FitsTheWidthCuttingTextNotNumbers) {
  Table t({"PID", "CGROUP", "RSS", "COMMAND"});
  t.align_right(0);
  t.align_right(2);
  t.elide_middle(1);
  t.add({"4242", "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod0123.slice/cri-containerd-ab.scope",
         "1.5Gi", "python3 -c 'import time; time.sleep(600)' --a-very-long-argument=with-a-value"});
  t.add({"1", "/", "12.0Mi", "/sbin/init"});
  TextLayout l;
  l.width = 60;
  std::string out = t.render(l);
  EXPECT_LE(widest_line(out), 60u) << out;
  EXPECT_NE(out.find("4242"), std::string::npos);
  EXPECT_NE(out.find("1.5Gi"), std::string::npos);
  EXPECT_NE(out.find("…"), std::string::npos);
  EXPECT_NE(out.find("ab.scope"), std::string::npos) << "paths keep their end: " << out;
  // Unlimited (piped): nothing cut.
  std::string whole = t.render();
  EXPECT_NE(whole.find("--a-very-long-argument=with-a-value"), std::string::npos);
  EXPECT_EQ(whole.find("…"), std::string::npos);
  // Many numeric columns: the gaps close before the line overflows.
  Table n({"A", "B", "C", "D", "E", "F", "G", "H"});
  for (size_t c = 0; c < 8; ++c) n.align_right(c);
  n.add({"1234567", "1234567", "1234567", "1234567", "1234567", "1234567", "1234567", "1234567"});
  l.width = 70;
  EXPECT_LE(widest_line(n.render(l)), 70u) << n.render(l);
}

TEST(Table, RowsBecomeAListWhenTheyDoNotFit) {
  Table t({"PID", "COMMAND"});
  t.list_when_narrow();
  t.add({"600", "run-parts --report /etc/cron.daily"});
  TextLayout l;
  l.width = 30;
  std::string out = t.render(l);
  EXPECT_EQ(out, "- PID 600  COMMAND run-parts\n  --report /etc/cron.daily\n") << out;
  l.width = 80;
  EXPECT_EQ(t.render(l), "PID   COMMAND\n600   run-parts --report /etc/cron.daily\n");
}

TEST(Table, NoHeadersAndEmpty) {
  Table t({"PID", "COMM"});
  t.when_empty("No processes match.");
  EXPECT_EQ(t.render(), "No processes match.\n");
  t.add({"1", "init"});
  TextLayout l;
  l.headers = false;
  EXPECT_EQ(t.render(l), "1   init\n");
  EXPECT_EQ(t.render(), "PID   COMM\n1     init\n");
}

TEST(Table, CellsAreBoundedAndEscapedEvenWithoutAWidth) {
  Table t({"CMDLINE"});
  t.add({"\x1b]0;pwned\x07" + std::string(200000, 'a')});
  std::string out = t.render();
  EXPECT_LT(out.size(), 2200u);
  EXPECT_EQ(out.find('\x1b'), std::string::npos);
  EXPECT_NE(out.find("bytes)"), std::string::npos);
}

}  // namespace
}  // namespace ms
