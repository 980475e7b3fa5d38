/* vmtool: the two jobs of the test VM that busybox cannot do well, statically linked.
 *   vmtool kmsg [path]     prints every record of /dev/kmsg in its raw "pri,seq,usec,flags;text" form,
 *                          one read(2) per record, and stops at the end of the ring (O_NONBLOCK ->
 *                          EAGAIN) instead of waiting for more as `cat /dev/kmsg` would.
 *   vmtool copy DEST       reads "path" lines on stdin and copies each file to DEST/path, reading
 *                          until EOF: proc and cgroupfs files report sizes (0, 4096) that tar and cp
 *                          trust, and one process instead of a fork per file keeps TCG runs short. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int kmsg(const char *path) {
  int fd = open(path, O_RDONLY | O_NONBLOCK);
  if (fd < 0) {
    perror(path);
    return 1;
  }
  char buf[8192];
  for (;;) {
    ssize_t n = read(fd, buf, sizeof buf);
    if (n < 0 && (errno == EPIPE || errno == EINTR)) continue; /* EPIPE: overwritten, go on */
    if (n <= 0) break;
    fwrite(buf, 1, (size_t)n, stdout);
  }
  return 0;
}

static void mkdirs(char *path) { /* mkdir -p of path's parent directories */
  for (char *p = path + 1; *p; ++p) {
    if (*p != '/') continue;
    *p = '\0';
    mkdir(path, 0755);
    *p = '/';
  }
}

static int copy(const char *dest) {
  char line[4096], out[8192], buf[65536];
  int failed = 0;
  while (fgets(line, sizeof line, stdin)) {
    line[strcspn(line, "\n")] = '\0';
    if (!line[0]) continue;
    int in = open(line, O_RDONLY);
    if (in < 0) continue; /* vanished or write-only: not part of the tree */
    snprintf(out, sizeof out, "%s/%s", dest, line[0] == '/' ? line + 1 : line);
    mkdirs(out);
    int fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) {
      perror(out);
      failed = 1;
      close(in);
      continue;
    }
    ssize_t n;
    while ((n = read(in, buf, sizeof buf)) > 0) {
      if (write(fd, buf, (size_t)n) != n) failed = 1;
    }
    close(in);
    close(fd);
  }
  return failed;
}

int main(int argc, char **argv) {
  if (argc >= 2 && !strcmp(argv[1], "kmsg")) return kmsg(argc > 2 ? argv[2] : "/dev/kmsg");
  if (argc == 3 && !strcmp(argv[1], "copy")) return copy(argv[2]);
  fprintf(stderr, "usage: vmtool kmsg [path] | vmtool copy DEST <paths\n");
  return 2;
}
