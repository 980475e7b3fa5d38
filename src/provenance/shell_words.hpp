#pragma once
// Just enough shell lexing to read cron commands and cron.daily scripts: words split on blanks and
// on the operators ; | & ( ) { }, one level of quotes removed. No expansion; "$VAR" stays as text.
#include <string>
#include <string_view>
#include <vector>

namespace ms {

std::vector<std::string> shell_words(std::string_view line);

// Last path component ("/usr/sbin/updatedb.plocate" -> "updatedb.plocate"); for VAR=/path words,
// the component of the value.
std::string_view word_basename(std::string_view word);

// True for a line that only tests for a program ("[ -x /usr/bin/updatedb ] || exit 0") or defines a
// variable ("UPDATEDB=/usr/sbin/updatedb.plocate"), rather than running something.
bool is_test_or_assignment(const std::vector<std::string>& words);

}  // namespace ms
