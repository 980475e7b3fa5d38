/* memhog MiB [step-MiB]: allocates and touches MiB of anonymous memory in steps, prints
 * "READY <pid>" on stdout, then sleeps until killed. Statically linked into the VM initramfs: it is
 * the pod's workload, the unconfined hog outside kubepods, and the victim of the memcg OOM kill. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: memhog MiB [step-MiB]\n");
    return 2;
  }
  long total = atol(argv[1]);
  long step = argc > 2 ? atol(argv[2]) : 8;
  if (total <= 0 || step <= 0) return 2;
  for (long done = 0; done < total; done += step) {
    long n = step < total - done ? step : total - done;
    char *p = malloc((size_t)n << 20);
    if (!p) {
      fprintf(stderr, "memhog[%d]: malloc failed after %ld MiB\n", (int)getpid(), done);
      return 1;
    }
    memset(p, 0x5a, (size_t)n << 20); /* touch every page so it is charged to the memcg */
    fprintf(stderr, "memhog[%d]: allocated %ld MiB\n", (int)getpid(), done + n);
  }
  printf("READY %d\n", (int)getpid());
  fflush(stdout);
  for (;;) pause();
}
