#pragma once
// Runs a function in a forked child and reports whether it returned within a time limit: a read that
// blocks on a FIFO fails the test instead of hanging the whole suite.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <functional>
#include <thread>

namespace ms::test_support {

inline bool finishes_within(std::chrono::milliseconds limit, const std::function<void()>& fn) {
  pid_t pid = ::fork();
  if (pid < 0) return false;
  if (pid == 0) {
    fn();
    ::_exit(0);
  }
  auto deadline = std::chrono::steady_clock::now() + limit;
  int status = 0;
  while (std::chrono::steady_clock::now() < deadline) {
    if (::waitpid(pid, &status, WNOHANG) == pid) return WIFEXITED(status) && WEXITSTATUS(status) == 0;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ::kill(pid, SIGKILL);
  ::waitpid(pid, &status, 0);
  return false;
}

}  // namespace ms::test_support
