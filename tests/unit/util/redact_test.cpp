// The redaction rule of util/redact.hpp as a table: what is hidden, what is kept on purpose (the
// false positives avoided), and what is hidden although it is no secret (the false positives accepted).
#include "util/redact.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

using namespace ms;

namespace {

using Argv = std::vector<std::string>;
const std::string R(kRedacted);

struct Case {
  const char* why;
  Argv in, out;
};

const std::vector<Case>& cases() {
  static const std::vector<Case> c = {
      // --- hidden ---
      {"--password=VALUE", {"app", "--password=hunter2"}, {"app", "--password=" + R}},
      {"--password VALUE", {"app", "--password", "hunter2", "-v"}, {"app", "--password", R, "-v"}},
      {"single-dash long option", {"app", "-password", "hunter2"}, {"app", "-password", R}},
      {"--token VALUE", {"kubeadm", "join", "--token", "abcdef.0123456789abcdef"}, {"kubeadm", "join", "--token", R}},
      {"--token=VALUE", {"vault", "--token=s.xyz"}, {"vault", "--token=" + R}},
      {"compound token name",
       {"k", "--bootstrap-token=abc", "--auth-token", "x"},
       {"k", "--bootstrap-token=" + R, "--auth-token", R}},
      {"*SECRET* anywhere in the name",
       {"app", "--client-secret=s", "--secret-id", "i"},
       {"app", "--client-secret=" + R, "--secret-id", R}},
      {"camelCase",
       {"java", "-Djavax.net.ssl.keyStorePassword=changeit", "-jar", "a.jar"},
       {"java", "-Djavax.net.ssl.keyStorePassword=" + R, "-jar", "a.jar"}},
      {"glued words",
       {"app", "--dbpassword=x", "--apitoken=y", "--apikey=z"},
       {"app", "--dbpassword=" + R, "--apitoken=" + R, "--apikey=" + R}},
      {"--api-key / --access-key",
       {"app", "--api-key", "k", "--access-key=a"},
       {"app", "--api-key", R, "--access-key=" + R}},
      {"environment *_KEY=",
       {"env", "AWS_SECRET_ACCESS_KEY=abc", "STRIPE_KEY=sk_live", "aws", "s3", "ls"},
       {"env", "AWS_SECRET_ACCESS_KEY=" + R, "STRIPE_KEY=" + R, "aws", "s3", "ls"}},
      {"environment *PASSWORD* / *TOKEN",
       {"env", "PGPASSWORD=pw", "GITHUB_TOKEN=ghp_x", "make"},
       {"env", "PGPASSWORD=" + R, "GITHUB_TOKEN=" + R, "make"}},
      {"URL credentials",
       {"git", "clone", "https://user:pw@example.com/r.git"},
       {"git", "clone", "https://user:" + R + "@example.com/r.git"}},
      {"URL with empty user",
       {"redis-server", "--replicaof", "redis://:pw@db:6379"},
       {"redis-server", "--replicaof", "redis://:" + R + "@db:6379"}},
      {"URL inside an option",
       {"app", "--db=postgres://app:pw@db:5432/x"},
       {"app", "--db=postgres://app:" + R + "@db:5432/x"}},
      {"query string",
       {"curl", "https://h/api?access_token=abc&page=2"},
       {"curl", "https://h/api?access_token=" + R + "&page=2"}},
      {"mount options",
       {"mount", "-o", "username=bob,password=hunter2,uid=1000", "//srv/s", "/mnt"},
       {"mount", "-o", "username=bob,password=" + R + ",uid=1000", "//srv/s", "/mnt"}},
      {"sh -c script: assignment, options, URL",
       {"sh", "-c", "PGPASSWORD=pw psql --password x \"postgres://a:b@h/d\""},
       {"sh", "-c", "PGPASSWORD=" + R + " psql --password " + R + " \"postgres://a:" + R + "@h/d\""}},
      {"quoted value in a script",
       {"bash", "-c", "export API_TOKEN='a b c'; run"},
       {"bash", "-c", "export API_TOKEN='" + R + "'; run"}},
      {"mysql -pVALUE",
       {"/usr/bin/mysqldump", "-uroot", "-phunter2", "db"},
       {"/usr/bin/mysqldump", "-uroot", "-p" + R, "db"}},
      {"mysql inside a script",
       {"sh", "-c", "mysql -uroot -phunter2 db < x.sql"},
       {"sh", "-c", "mysql -uroot -p" + R + " db < x.sql"}},
      {"sshpass -p VALUE", {"sshpass", "-p", "pw", "ssh", "host"}, {"sshpass", "-p", R, "ssh", "host"}},
      {"redis-cli -a VALUE", {"redis-cli", "-h", "db", "-a", "pw", "ping"}, {"redis-cli", "-h", "db", "-a", R, "ping"}},
      {"curl -u user:VALUE", {"curl", "-u", "admin:pw", "https://h/"}, {"curl", "-u", "admin:" + R, "https://h/"}},
      {"curl -uuser:VALUE", {"curl", "-uadmin:pw", "https://h/"}, {"curl", "-uadmin:" + R, "https://h/"}},
      {"openssl -pass", {"openssl", "enc", "-pass", "pass:pw"}, {"openssl", "enc", "-pass", R}},
      {"sudo in front of the program", {"sudo", "-u", "db", "mysql", "-ppw"}, {"sudo", "-u", "db", "mysql", "-p" + R}},
      // Found by tests/fuzz/redact_fuzz.cpp (regressions/redact): an option name holding a space was
      // read again as a script on the second pass, which redacted the word after it.
      {"an option name holding a space", {"app", "--db-pass .=v"}, {"app", "--db-pass .=" + R}},
      // --- kept: false positives avoided ---
      {"a file that holds the secret",
       {"k", "--token-file=/run/t", "--password-file", "/run/p", "--tls-private-key-file=/k"},
       {"k", "--token-file=/run/t", "--password-file", "/run/p", "--tls-private-key-file=/k"}},
      {"boolean values",
       {"kubelet", "--authentication-token-webhook=true", "--anonymous-auth=false"},
       {"kubelet", "--authentication-token-webhook=true", "--anonymous-auth=false"}},
      {"token lifetimes",
       {"kubeadm", "token", "create", "--ttl", "24h", "--token-ttl=0"},
       {"kubeadm", "token", "create", "--ttl", "24h", "--token-ttl=0"}},
      {"a bare --password prompts: the next option is kept",
       {"app", "--password", "-u", "root"},
       {"app", "--password", "-u", "root"}},
      {"mysql -p alone prompts: the database name is kept",
       {"mysql", "-p", "--password", "shop"},
       {"mysql", "-p", "--password", "shop"}},
      {"-p is a port or parents elsewhere", {"ssh", "-p", "2222", "host"}, {"ssh", "-p", "2222", "host"}},
      {"PWD is the working directory",
       {"env", "PWD=/home/x", "OLDPWD=/", "ls"},
       {"env", "PWD=/home/x", "OLDPWD=/", "ls"}},
      {"pass inside a word",
       {"app", "--bypass=1", "--pass-through=yes", "--compass=n"},
       {"app", "--bypass=1", "--pass-through=yes", "--compass=n"}},
      {"a bare key flag names a file",
       {"curl", "--key", "client.pem", "--cert", "c.pem"},
       {"curl", "--key", "client.pem", "--cert", "c.pem"}},
      {"sort/primary keys",
       {"app", "--sort-key=rss", "--primary-key", "id"},
       {"app", "--sort-key=rss", "--primary-key", "id"}},
      {"a URL with a user only", {"git", "clone", "ssh://git@host/r.git"}, {"git", "clone", "ssh://git@host/r.git"}},
      {"assignment inside a word",
       {"dd", "if=/dev/zero", "of=/tmp/x", "bs=1M"},
       {"dd", "if=/dev/zero", "of=/tmp/x", "bs=1M"}},
      {"ordinary commands",
       {"updatedb", "-f", "nfs tmpfs", "-e", "/var/lib/kubelet"},
       {"updatedb", "-f", "nfs tmpfs", "-e", "/var/lib/kubelet"}},
      // --- hidden although no secret: false positives accepted ---
      {"a path after a secret-named option", {"app", "--secret-store", "/etc/x"}, {"app", "--secret-store", R}},
      {"any upper-case *_KEY", {"env", "SORT_KEY=rss", "run"}, {"env", "SORT_KEY=" + R, "run"}},
      {"a positional argument after --password", {"app", "--password", "positional.txt"}, {"app", "--password", R}},
  };
  return c;
}

}  // namespace

TEST(Redact, Table) {
  for (const auto& c : cases()) {
    EXPECT_EQ(redact_argv(c.in), c.out) << c.why;
    // Idempotent: the report redacts what the recorder stored redacted.
    EXPECT_EQ(redact_argv(c.out), c.out) << c.why << " (twice)";
  }
}

TEST(Redact, StoredCommandLineReadsTheSameWordByWord) {
  // The store keeps argv joined by spaces; the report redacts such a line again.
  for (const auto& c : cases()) {
    std::string in;
    for (const auto& a : c.in) in += (in.empty() ? "" : " ") + a;
    std::string line = redact_command_line(in);
    EXPECT_EQ(redact_command_line(line), line) << c.why;
    // Whatever argv redaction hides, the line redaction hides too (it may hide more: an argument
    // that held spaces is read as several words).
    for (const auto& a : c.in) {
      if (std::find(c.out.begin(), c.out.end(), a) != c.out.end() || a.find(' ') != std::string::npos || a.size() <= 3)
        continue;
      EXPECT_EQ(line.find(a), std::string::npos) << c.why << ": '" << a << "' left in " << line;
    }
  }
}

TEST(Redact, SecretNames) {
  for (const char* yes : {"password", "PASSWORD", "db-password", "db_passwd", "passphrase", "client_secret",
                          "SECRET_KEY_BASE", "token", "GITHUB_TOKEN", "accessToken", "api-key", "apikey", "API_KEY",
                          "privateKey", "pass", "credentials", "keyStorePassword"})
    EXPECT_TRUE(is_secret_name(yes)) << yes;
  for (const char* no : {"", "user", "key", "keyfile", "token-file", "password-file", "PWD", "bypass", "pass-through",
                         "authentication-token-webhook", "token-ttl", "sort-key", "monkey", "tokenizer", "kubeconfig"})
    EXPECT_FALSE(is_secret_name(no)) << no;
}

TEST(Redact, EmptyAndOddInputs) {
  EXPECT_EQ(redact_argv({}), Argv{});
  EXPECT_EQ(redact_argv({""}), Argv{""});
  EXPECT_EQ(redact_argv({"--password"}), Argv{"--password"});  // nothing after it
  EXPECT_EQ(redact_argv({"--password="}), Argv{"--password="});
  EXPECT_EQ(redact_argv({"x=", "=y", "==", "://", "a://@", "a://b:@c"}),
            (Argv{"x=", "=y", "==", "://", "a://@", "a://b:" + R + "@c"}));
  EXPECT_EQ(redact_command_line(""), "");
  EXPECT_EQ(redact_command_line("  leading and trailing  "), "  leading and trailing  ");
}
