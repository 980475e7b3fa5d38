#include <gtest/gtest.h>

#include <algorithm>

#include "cli/context.hpp"
#include "docgen/cli_model.hpp"
#include "docgen/completion.hpp"
#include "docgen/man_page.hpp"

using namespace ms::docgen;

namespace {

bool contains(const std::string& hay, const std::string& needle) {
  return hay.find(needle) != std::string::npos;
}

const OptionDoc* find_option(const CommandDoc& c, const std::string& name) {
  for (const auto& o : c.options)
    for (const auto& n : o.names())
      if (n == name) return &o;
  return nullptr;
}

const CommandDoc* find_command(const CommandDoc& c, const std::string& name) {
  for (const auto& s : c.subcommands)
    if (s.name == name) return &s;
  return nullptr;
}

// A small CLI with what the generators must cope with: a hidden option and subcommand, an alias, a
// repeatable option, a positional pid, IsMember values.
struct Toy {
  std::string out = "table", secret, file;
  std::vector<std::string> logs;
  int pid = 0;
  bool flag = false;
  CLI::App app{"toy: does things"};
  Toy() {
    app.name("toy");
    app.fallthrough();
    app.add_option("--root", file, "Root dir")->capture_default_str();
    app.add_option("--secret", secret, "Never shown")->group("");
    auto* show = app.add_subcommand("show", "Show a thing");
    show->alias("sh");
    show->add_option("-o,--output", out, "Format")->check(CLI::IsMember({"table", "json"}))->capture_default_str();
    show->add_option("--log", logs, "A log (repeatable)");
    show->add_option("pid", pid, "Process");
    show->add_flag("--all", flag, "Everything");
    app.add_subcommand("debug", "Internal")->group("");
  }
};

}  // namespace

TEST(Docgen, MemberSetParsing) {
  EXPECT_EQ(parse_member_set("{a,b,c-d}"), (std::vector<std::string>{"a", "b", "c-d"}));
  EXPECT_TRUE(parse_member_set("[0 - 30]").empty());
  EXPECT_TRUE(parse_member_set("").empty());
  EXPECT_TRUE(parse_member_set("{}").empty());
}

TEST(Docgen, ModelKeepsAliasesDropsHiddenReadsValues) {
  Toy t;
  CommandDoc d = describe(t.app);
  EXPECT_EQ(d.name, "toy");
  EXPECT_EQ(find_option(d, "--secret"), nullptr);
  EXPECT_EQ(find_command(d, "debug"), nullptr);
  ASSERT_EQ(d.subcommands.size(), 1u);
  const CommandDoc& show = d.subcommands[0];
  EXPECT_EQ(show.aliases, (std::vector<std::string>{"sh"}));
  EXPECT_TRUE(show.parent_options_apply);
  const OptionDoc* o = find_option(show, "-o");
  ASSERT_NE(o, nullptr);
  EXPECT_EQ(o->kind, ValueKind::kChoice);
  EXPECT_EQ(o->choices, (std::vector<std::string>{"table", "json"}));
  EXPECT_EQ(o->default_value, "table");
  EXPECT_EQ(o->names(), (std::vector<std::string>{"-o", "--output"}));
  EXPECT_TRUE(find_option(show, "--log")->repeatable);
  EXPECT_EQ(find_option(show, "--all")->kind, ValueKind::kNone);
  ASSERT_EQ(show.positionals().size(), 1u);
  EXPECT_EQ(show.positionals()[0]->kind, ValueKind::kPid);
  // --root falls through into show; --help is show's own, not twice.
  auto accepted = show.accepted_options(&d);
  auto count = [&](const std::string& n) {
    return std::count_if(accepted.begin(), accepted.end(), [&](const OptionDoc* x) {
      auto names = x->names();
      return std::find(names.begin(), names.end(), n) != names.end();
    });
  };
  EXPECT_EQ(count("--root"), 1);
  EXPECT_EQ(count("--help"), 1);
  EXPECT_EQ(count("--secret"), 0);
}

TEST(Docgen, NestedSubcommandsAreRefused) {
  Toy t;
  t.app.get_subcommand("show")->add_subcommand("deeper", "Too deep");
  EXPECT_THROW(describe(t.app), std::runtime_error);
}

TEST(Docgen, RoffEscaping) {
  EXPECT_EQ(roff_literal("--by"), "\\-\\-by");
  EXPECT_EQ(roff_text("a-b \\ \"q\""), "a-b \\e \\(dqq\\(dq");
  EXPECT_EQ(roff_text(".starts a request"), "\\&.starts a request");
  EXPECT_EQ(roff_text("'also"), "\\&'also");
  EXPECT_EQ(roff_text("it's read-only, see --procfs or -2h"), "it's read-only, see \\-\\-procfs or \\-2h");
  EXPECT_EQ(roff_literal("it's"), "it\\(aqs");
  EXPECT_EQ(roff_text("x\n.y"), "x\n\\&.y");
  EXPECT_EQ(roff_text("\xE2\x80\x94"), "\\[u2014]");  // an em dash
  EXPECT_EQ(roff_text("\xFF"), "\\[uFFFD]");          // not UTF-8
  EXPECT_EQ(roff_text("bell\a"), "bell");
}

TEST(Docgen, ShellQuoting) {
  EXPECT_EQ(sh_single_quote("it's"), "'it'\\''s'");
  EXPECT_EQ(fish_single_quote("it's a \\"), "'it\\'s a \\\\'");
}

TEST(Docgen, ToyOutputsCarryEverythingVisible) {
  Toy t;
  CommandDoc d = describe(t.app);
  std::string man = render_man_page(d, {"1.2.3", "2026-12-06"});
  EXPECT_TRUE(contains(man, ".TH TOY 1 \"2026-12-06\" \"toy 1.2.3\"")) << man;
  EXPECT_TRUE(contains(man, "\\fB\\-o\\fR, \\fB\\-\\-output\\fR \\fItable|json\\fR"));
  EXPECT_TRUE(contains(man, "Also: sh."));
  EXPECT_FALSE(contains(man, "secret"));
  EXPECT_FALSE(contains(man, "debug"));
  std::string bash = render_bash_completion(d, "1.2.3");
  EXPECT_TRUE(contains(bash, "'show'|'sh') echo show ;;"));
  EXPECT_TRUE(contains(bash, "'show --output') echo 'choice table json' ;;"));
  EXPECT_TRUE(contains(bash, "'show 1') echo 'pid' ;;"));
  EXPECT_FALSE(contains(bash, "secret"));
  std::string zsh = render_zsh_completion(d, "1.2.3");
  EXPECT_TRUE(contains(zsh, "'(-o --output)--output=[Format]:output:(table json)'"));
  EXPECT_TRUE(contains(zsh, "'*--log=[A log (repeatable)]:TEXT:_files'"));
  std::string fish = render_fish_completion(d, "1.2.3");
  EXPECT_TRUE(contains(fish, "-s 'o' -l 'output' -x -a 'table json' -d 'Format'"));
  EXPECT_TRUE(contains(fish, "'__fish_seen_subcommand_from show sh' -a '(__fish_complete_pids)'"));
}

// The real command line: what the man page and completions are made of.
TEST(Docgen, MemsleuthTreeHasEveryCommandAndEnumeratedValues) {
  ms::cli::Context ctx;
  CLI::App app;
  ms::cli::build_app(app, ctx);
  CommandDoc d = describe(app);
  for (const char* c : {"snapshot", "doctor", "available", "top", "explain", "oom", "record", "history", "report"})
    EXPECT_NE(find_command(d, c), nullptr) << c;
  const CommandDoc* top = find_command(d, "top");
  ASSERT_NE(top, nullptr);
  EXPECT_EQ(find_option(*top, "--by")->choices, (std::vector<std::string>{"process", "cgroup", "pod", "owner"}));
  EXPECT_EQ(find_option(*top, "--sort")->kind, ValueKind::kChoice);
  const OptionDoc* owner = find_option(*top, "--owner");
  ASSERT_NE(owner, nullptr);
  EXPECT_NE(std::find(owner->choices.begin(), owner->choices.end(), "systemd-unit"), owner->choices.end());
  const CommandDoc* explain = find_command(d, "explain");
  ASSERT_NE(explain, nullptr);
  ASSERT_FALSE(explain->positionals().empty());
  EXPECT_EQ(explain->positionals()[0]->kind, ValueKind::kPid);
  EXPECT_NE(find_option(d, "--version"), nullptr);
  EXPECT_NE(find_option(d, "--procfs"), nullptr);
}
