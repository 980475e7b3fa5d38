// memsleuth-docgen FORMAT OUT: writes memsleuth(1) or a shell completion script from the command line
// memsleuth parses with (cli::build_app), at build time, so neither can drift from the binary.
// FORMAT: man | bash | zsh | fish.
#include <fmt/format.h>

#include <cstdio>
#include <fstream>
#include <string>

#include "cli/context.hpp"
#include "docgen/cli_model.hpp"
#include "docgen/completion.hpp"
#include "docgen/man_page.hpp"
#include "util/version.hpp"

int main(int argc, char** argv) {
  if (argc != 3) {
    fmt::print(stderr, "usage: memsleuth-docgen man|bash|zsh|fish OUT\n");
    return 2;
  }
  std::string format = argv[1], path = argv[2];
  ms::cli::Context ctx;
  CLI::App app;
  ms::cli::build_app(app, ctx);
  std::string version(ms::version()), text;
  try {
    ms::docgen::CommandDoc doc = ms::docgen::describe(app);
    if (format == "man")
      text = ms::docgen::render_man_page(doc, {version, std::string(ms::commit_date())});
    else if (format == "bash")
      text = ms::docgen::render_bash_completion(doc, version);
    else if (format == "zsh")
      text = ms::docgen::render_zsh_completion(doc, version);
    else if (format == "fish")
      text = ms::docgen::render_fish_completion(doc, version);
    else {
      fmt::print(stderr, "memsleuth-docgen: unknown format '{}' (man, bash, zsh, fish)\n", format);
      return 2;
    }
  } catch (const std::exception& e) {
    fmt::print(stderr, "memsleuth-docgen: {}\n", e.what());
    return 1;
  }
  // Written beside and renamed: a failed run never leaves half a file for the build to install.
  std::string tmp = path + ".tmp";
  {
    std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
    f << text;
    if (!f.flush()) {
      fmt::print(stderr, "memsleuth-docgen: cannot write {}\n", tmp);
      return 1;
    }
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    fmt::print(stderr, "memsleuth-docgen: cannot rename {} to {}\n", tmp, path);
    return 1;
  }
  return 0;
}
