// Exit storm for the exit-capture bench: forks children at a fixed rate for a while, each of which
// touches a little memory and exits at once (a fork storm of short-lived processes). Moves itself
// into a cgroup first, so its children are counted there. Children are reaped by the kernel
// (SIGCHLD ignored). Prints "FORKED <n> IN <seconds> s".
//   fork_exit RATE SECONDS CGROUP_DIR [TOUCH_KIB]
#include <signal.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>

int main(int argc, char** argv) {
  if (argc < 4) {
    std::fprintf(stderr, "usage: fork_exit RATE SECONDS CGROUP_DIR [TOUCH_KIB]\n");
    return 2;
  }
  long rate = std::atol(argv[1]), secs = std::atol(argv[2]);
  long touch_kib = argc > 4 ? std::atol(argv[4]) : 64;
  {
    std::ofstream procs(std::string(argv[3]) + "/cgroup.procs");
    procs << getpid() << std::endl;
    if (!procs) {
      std::perror("cgroup.procs");
      return 1;
    }
  }
  ::signal(SIGCHLD, SIG_IGN);
  timespec next{}, start{}, end{};
  clock_gettime(CLOCK_MONOTONIC, &start);
  next = start;
  long n = 0, total = rate * secs, step_ns = 1'000'000'000L / rate;
  for (; n < total; ++n) {
    pid_t p = fork();
    if (p == 0) {
      ::prctl(PR_SET_NAME, "ms-exit-storm");
      char* m = static_cast<char*>(std::malloc(static_cast<size_t>(touch_kib) << 10));
      if (m)
        for (long i = 0; i < touch_kib << 10; i += 4096) m[i] = 1;
      _exit(0);
    }
    if (p < 0) {
      std::perror("fork");
      break;
    }
    next.tv_nsec += step_ns;
    while (next.tv_nsec >= 1'000'000'000L) {
      next.tv_nsec -= 1'000'000'000L;
      ++next.tv_sec;
    }
    clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, nullptr);
  }
  clock_gettime(CLOCK_MONOTONIC, &end);
  double took = static_cast<double>(end.tv_sec - start.tv_sec) + static_cast<double>(end.tv_nsec - start.tv_nsec) / 1e9;
  std::printf("FORKED %ld IN %.1f s\n", n, took);
  return 0;
}
