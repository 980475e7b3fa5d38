#include "docgen/cli_model.hpp"

#include <stdexcept>

namespace ms::docgen {

std::vector<std::string> OptionDoc::names() const {
  std::vector<std::string> out = short_names;
  out.insert(out.end(), long_names.begin(), long_names.end());
  return out;
}

std::vector<const OptionDoc*> CommandDoc::positionals() const {
  std::vector<const OptionDoc*> out;
  for (const auto& o : options)
    if (!o.positional.empty()) out.push_back(&o);
  return out;
}

std::vector<const OptionDoc*> CommandDoc::accepted_options(const CommandDoc* parent) const {
  std::vector<const OptionDoc*> out;
  auto defined = [&](const OptionDoc& o) {
    for (const auto* have : out)
      for (const auto& a : have->names())
        for (const auto& b : o.names())
          if (a == b) return true;
    return false;
  };
  for (const auto& o : options)
    if (o.positional.empty()) out.push_back(&o);
  if (parent && parent_options_apply)
    for (const auto& o : parent->options)
      if (o.positional.empty() && !defined(o)) out.push_back(&o);
  return out;
}

std::vector<std::string> parse_member_set(std::string_view d) {
  std::vector<std::string> out;
  if (d.size() < 2 || d.front() != '{' || d.back() != '}') return out;
  d = d.substr(1, d.size() - 2);
  while (!d.empty()) {
    auto comma = d.find(',');
    std::string_view item = d.substr(0, comma);
    if (!item.empty()) out.emplace_back(item);
    if (comma == std::string_view::npos) break;
    d.remove_prefix(comma + 1);
  }
  return out;
}

namespace {

OptionDoc describe_option(CLI::Option& opt) {
  OptionDoc d;
  for (const auto& n : opt.get_snames()) d.short_names.push_back("-" + n);
  for (const auto& n : opt.get_lnames()) d.long_names.push_back("--" + n);
  if (!opt.nonpositional()) d.positional = opt.get_name(true, false);
  d.description = opt.get_description();
  d.default_value = opt.get_default_str();
  d.required = opt.get_required();
  if (opt.get_expected_max() == 0 || opt.get_type_size_max() == 0) return d;  // a flag: expected(0)
  // get_type_name() is "TEXT" or "TEXT:{a,b}" (validators appended); the value's own name is the head.
  std::string type = opt.get_type_name();
  d.value_name = type.substr(0, type.find(':'));
  d.repeatable = opt.get_expected_max() > 1;
  // IsMember checks describe themselves as "{a,b,c}"; they are the values a shell can offer.
  for (int i = 0;; ++i) {
    CLI::Validator* v = nullptr;
    try {
      v = opt.get_validator(i);
    } catch (const CLI::OptionNotFound&) {
      break;
    }
    auto members = parse_member_set(v->get_description());
    d.choices.insert(d.choices.end(), members.begin(), members.end());
  }
  bool pid = d.positional == "pid" || d.value_name == "PID";
  d.kind = !d.choices.empty() ? ValueKind::kChoice : pid ? ValueKind::kPid : ValueKind::kAny;
  return d;
}

bool hidden(const CLI::Option& o) {
  return o.get_group().empty();
}
bool hidden(const CLI::App& a) {
  return a.get_group().empty();
}

CommandDoc describe_command(CLI::App& app, int depth) {
  CommandDoc c;
  c.name = app.get_name();
  c.aliases = app.get_aliases();
  c.description = app.get_description();
  c.footer = app.get_footer();
  c.parent_options_apply = depth > 0 && app.get_fallthrough();
  for (CLI::Option* o : app.get_options())
    if (!hidden(*o)) c.options.push_back(describe_option(*o));
  for (CLI::App* sub : app.get_subcommands([](CLI::App*) { return true; })) {
    if (hidden(*sub)) continue;
    if (depth >= 1)
      throw std::runtime_error("docgen: nested subcommand '" + app.get_name() + " " + sub->get_name() +
                               "': the completion generators handle one level of subcommands");
    c.subcommands.push_back(describe_command(*sub, depth + 1));
  }
  return c;
}

}  // namespace

CommandDoc describe(CLI::App& app) {
  return describe_command(app, 0);
}

}  // namespace ms::docgen
