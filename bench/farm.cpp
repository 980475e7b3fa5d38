// Process farm for the live bench: forks N sleeping processes spread over the given leaf cgroups
// (moving itself into each cgroup before forking that cgroup's share: one cgroup attach per cgroup,
// not per process, because a v1 attach waits for an RCU grace period). Every `large_every`-th child
// touches `large_mib` MiB. Children die with the farm (PDEATHSIG). Prints "READY <n>" when done.
//   farm N large_every large_mib leaves-file      (one leaf cgroup directory per line)
// The leaves come from a file, not argv: forked children keep the farm's argv as their cmdline, and
// 300 paths there would make every child's cmdline 40 KB and measure that instead.
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

static void child(int k, int large_every, int large_mib) {
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  char name[16];
  std::snprintf(name, sizeof name, "farm-%d", k % 97);
  ::prctl(PR_SET_NAME, name);
  if (large_every > 0 && k % large_every == 0 && large_mib > 0) {
    size_t bytes = static_cast<size_t>(large_mib) << 20;
    char* p = static_cast<char*>(std::malloc(bytes));
    if (p)
      for (size_t i = 0; i < bytes; i += 4096) p[i] = 1;
  }
  for (;;) ::pause();
}

int main(int argc, char** argv) {
  if (argc != 5) {
    std::fprintf(stderr, "usage: farm N large_every large_mib leaves-file\n");
    return 2;
  }
  int n = std::atoi(argv[1]), large_every = std::atoi(argv[2]), large_mib = std::atoi(argv[3]);
  std::vector<std::string> leaves;
  std::ifstream in(argv[4]);
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) leaves.push_back(line);
  if (leaves.empty()) {
    std::fprintf(stderr, "farm: no leaves in %s\n", argv[4]);
    return 2;
  }
  ::setpgid(0, 0);
  ::signal(SIGCHLD, SIG_IGN);  // no zombies if a child dies
  int made = 0;
  for (size_t c = 0; c < leaves.size() && made < n; ++c) {
    int share = n / static_cast<int>(leaves.size()) + (static_cast<int>(c) < n % static_cast<int>(leaves.size()) ? 1 : 0);
    FILE* f = std::fopen((leaves[c] + "/cgroup.procs").c_str(), "w");
    if (!f || std::fprintf(f, "0\n") < 0 || std::fclose(f) != 0) {
      std::fprintf(stderr, "farm: cannot enter %s\n", leaves[c].c_str());
      return 1;
    }
    for (int i = 0; i < share; ++i, ++made) {
      pid_t pid = ::fork();
      if (pid < 0) {
        std::perror("fork");
        return 1;
      }
      if (pid == 0) child(made, large_every, large_mib);
    }
  }
  std::printf("READY %d\n", made);
  std::fflush(stdout);
  for (;;) ::pause();
}
