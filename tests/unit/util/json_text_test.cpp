// One scheme for text from the node in JSON (docs/json.md "Text fields"): valid UTF-8 as is, invalid
// bytes as U+FFFD plus the exact bytes in <field>_b64; bounded; round-trips.
#include "util/json_text.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "util/escape.hpp"

namespace ms {
namespace {

using J = nlohmann::ordered_json;

TEST(JsonText, Base64RoundTripsRfc4648Vectors) {
  const std::pair<const char*, const char*> v[] = {{"", ""},
                                                   {"f", "Zg=="},
                                                   {"fo", "Zm8="},
                                                   {"foo", "Zm9v"},
                                                   {"foob", "Zm9vYg=="},
                                                   {"fooba", "Zm9vYmE="},
                                                   {"foobar", "Zm9vYmFy"}};
  for (auto [plain, enc] : v) {
    EXPECT_EQ(base64_encode(plain), enc);
    EXPECT_EQ(base64_decode(enc), plain);
  }
  std::string all;
  for (int c = 0; c < 256; ++c) all += static_cast<char>(c);
  EXPECT_EQ(base64_decode(base64_encode(all)), all);
  EXPECT_FALSE(base64_decode("Zg="));
  EXPECT_FALSE(base64_decode("Z=g="));
  EXPECT_FALSE(base64_decode("Zm9v!A=="));
}

// The bug of issue 18 item 9: byte 0xff and the four characters \xff came out the same.
TEST(JsonText, ByteAndLiteralEscapeTextNeverLookAlike) {
  J byte, text;
  put_text(byte, "comm", std::string("a\xff"));
  put_text(text, "comm", std::string("a\\xff"));
  EXPECT_NE(byte.dump(), text.dump());
  EXPECT_EQ(byte.dump(), R"({"comm":"a�","comm_b64":"Yf8="})");
  EXPECT_EQ(text.dump(), R"({"comm":"a\\xff"})");
  // And each reads back as exactly what it was, through the JSON text.
  EXPECT_EQ(get_text(J::parse(byte.dump()), "comm"), std::string("a\xff"));
  EXPECT_EQ(get_text(J::parse(text.dump()), "comm"), std::string("a\\xff"));
  // Valid UTF-8 and control characters need no sibling: JSON escapes them itself.
  J u;
  put_text(u, "p", std::string("caf\xc3\xa9\n\x1b"));
  EXPECT_FALSE(u.contains("p_b64"));
  EXPECT_EQ(get_text(J::parse(u.dump()), "p"), std::string("caf\xc3\xa9\n\x1b"));
  // U+FFFD typed literally is text, not a byte.
  J r;
  put_text(r, "p", std::string("\xEF\xBF\xBD"));
  EXPECT_FALSE(r.contains("p_b64"));
}

TEST(JsonText, TerminalHtmlAndPrometheusStayUnambiguous) {
  EXPECT_NE(escape_terminal("\xff"), escape_terminal("\\xff"));
  EXPECT_EQ(escape_terminal("\xff"), "\\xff");
  EXPECT_EQ(escape_terminal("\\xff"), "\\\\xff");
  EXPECT_EQ(escape_html("<\xff>"), "&lt;\xEF\xBF\xBD&gt;");
  EXPECT_EQ(escape_html("\\xff"), "\\xff");
  EXPECT_EQ(escape_prom_label("a\xff\"\\\n"), "a\xEF\xBF\xBD\\\"\\\\\\n");
  EXPECT_EQ(utf8_sanitize("\xc3"), "\xEF\xBF\xBD");  // a cut sequence
}

TEST(JsonText, ArraysKeepEveryElementsBytes) {
  J j;
  put_texts(j, "cmdline", {"ls", "a\xfe", "-l"});
  EXPECT_EQ(j["cmdline"], J::parse(R"(["ls","a�","-l"])"));
  ASSERT_TRUE(j.contains("cmdline_b64"));
  EXPECT_EQ(base64_decode(j["cmdline_b64"][1].get<std::string>()), std::string("a\xfe"));
  EXPECT_FALSE(j.contains("cmdline_truncated"));
  J plain;
  put_texts(plain, "cmdline", {"ls", "-l"});
  EXPECT_EQ(plain.dump(), R"({"cmdline":["ls","-l"]})");
}

TEST(JsonText, LongTextIsCappedWithAFlagAndItsSize) {
  std::vector<std::string> argv(5000, "--option=value");  // 14 bytes + 1 separator each
  J j;
  put_texts(j, "cmdline", argv, 1000);
  size_t joined = 0;
  for (const auto& a : j["cmdline"]) joined += a.get<std::string>().size() + 1;
  EXPECT_LE(joined - 1, 1000u);
  EXPECT_GE(joined - 1, 990u);
  EXPECT_EQ(j["cmdline_truncated"], true);
  EXPECT_EQ(j["cmdline_bytes"], 5000u * 15 - 1);
  // Exactly at the cap: whole, no flag.
  J at;
  put_texts(at, "a", {std::string(10, 'x'), std::string(9, 'y')}, 20);
  EXPECT_FALSE(at.contains("a_truncated"));
  J one;
  put_text_capped(one, "v", std::string(100, 'x') + "é", 101);
  EXPECT_EQ(one["v"], std::string(100, 'x'));  // not half of é
  EXPECT_EQ(one["v_truncated"], true);
  EXPECT_EQ(one["v_bytes"], 102u);
}

}  // namespace
}  // namespace ms
