#pragma once
// Secrets in command lines. The recorder keeps every stored process's command line for days, and the
// HTML report is made to be pasted into an incident channel, so both replace the values of arguments
// that look like secrets by "<redacted>" (`record --no-redact` / `report --no-redact` keep them).
// The rules, and the false positives and misses accepted, are in docs/recorder.md ("Secrets") and
// tests/unit/util/redact_test.cpp, which holds the table of cases.
//
//  1. `--NAME=VALUE` / `-NAME=VALUE`, and `--NAME VALUE` (the next argument, unless it starts with
//     `-`), where NAME looks like a secret's name (is_secret_name).
//  2. `NAME=VALUE` anywhere inside an argument (environment assignments `env API_KEY=... cmd`, shell
//     strings `sh -c "PGPASSWORD=... psql"`, mount options `-o user=x,password=...`, query strings
//     `?access_token=...&`): the value up to the next space, `,`, `;`, `&` or quote.
//  3. Credentials in URLs: `scheme://user:PASSWORD@host` keeps the user, drops the password.
//  4. A few programs whose password options are short: mysql/mariadb `-pVALUE`, sshpass `-p VALUE`,
//     redis-cli `-a VALUE`, curl `-u user:VALUE`.
// An argument holding spaces (a `sh -c` script) is also read word by word with rules 1 and 4.
// Redacting twice gives the same text.
#include <string>
#include <string_view>
#include <vector>

namespace ms {

inline constexpr std::string_view kRedacted = "<redacted>";

// True when an option or variable name looks like it holds a secret: a word password, passwd,
// passphrase, secret or credential(s) anywhere; token, pass or apikey as the last word (or glued to
// its end: dbpassword, accesstoken); key as the last word after api/access/secret/private/...
// or in an upper-case variable (`*_KEY`). Names ending in file, path, dir, fd, ttl, type... name
// where a secret is, not the secret, and are left alone.
bool is_secret_name(std::string_view name);

std::vector<std::string> redact_argv(const std::vector<std::string>& argv);
// A command line held as one string, words separated by spaces (a stored cmdline, an ancestor's).
std::string redact_command_line(std::string_view line);

}  // namespace ms
