#pragma once
// Shell completion scripts for bash, zsh and fish, written from the CLI tree: subcommands and their
// aliases, every visible option, the allowed values of IsMember options, process ids for a "pid"
// argument; any other value falls back to file names.
#include <string>

#include "docgen/cli_model.hpp"

namespace ms::docgen {

std::string render_bash_completion(const CommandDoc& app, const std::string& version);
std::string render_zsh_completion(const CommandDoc& app, const std::string& version);
std::string render_fish_completion(const CommandDoc& app, const std::string& version);

// Quoting for the shells' single-quoted strings.
std::string sh_single_quote(std::string_view s);    // 'it'\''s' (bash, zsh)
std::string fish_single_quote(std::string_view s);  // 'it\'s'

}  // namespace ms::docgen
