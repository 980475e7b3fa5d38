#pragma once
// The command line as plain data, read from the CLI11 tree that memsleuth parses with
// (cli::build_app): the man page and the shell completions are written from this, never by hand.
#include <CLI/CLI.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace ms::docgen {

// What a shell offers for an option's value or a positional argument.
enum class ValueKind {
  kNone,    // a flag: no value
  kChoice,  // one of `choices` (a CLI11 IsMember check)
  kPid,     // a process id (a positional or value named "pid")
  kAny,     // anything: shells fall back to file names
};

struct OptionDoc {
  std::vector<std::string> long_names;   // "--by"
  std::vector<std::string> short_names;  // "-n"
  std::string positional;                // "pid" for a positional argument, "" for an option
  std::string description;
  std::string value_name;  // CLI11's type name without validators: "TEXT", "UINT"; "" for a flag
  std::string default_value;
  std::vector<std::string> choices;
  ValueKind kind = ValueKind::kNone;
  bool repeatable = false;  // the option may be given more than once (a vector)
  bool required = false;

  bool takes_value() const { return kind != ValueKind::kNone; }
  // Every spelling, short names first: "-o", "--output".
  std::vector<std::string> names() const;
};

struct CommandDoc {
  std::string name;
  std::vector<std::string> aliases;
  std::string description;
  std::string footer;
  std::vector<OptionDoc> options;       // visible options and positionals, in definition order
  std::vector<CommandDoc> subcommands;  // visible ones, in definition order
  // The parent's options are accepted after this command's name too (CLI11 fallthrough).
  bool parent_options_apply = false;

  std::vector<const OptionDoc*> positionals() const;
  // The options (not positionals) accepted after this command's name: its own, then the parent's
  // that fall through and that it does not redefine (-h, --help).
  std::vector<const OptionDoc*> accepted_options(const CommandDoc* parent) const;
};

// Reads the visible tree: options and subcommands in an empty group (CLI11's "hidden") are left out,
// aliases are kept. The man page and completions handle one level of subcommands: deeper nesting
// throws std::runtime_error, so a new level cannot ship with silently wrong completions.
CommandDoc describe(CLI::App& app);

// "{a,b,c}" (CLI11's IsMember description) -> a, b, c; anything else -> empty.
std::vector<std::string> parse_member_set(std::string_view description);

}  // namespace ms::docgen
