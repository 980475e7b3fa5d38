#!/bin/busybox sh
# PID 1 of the memsleuth test VM (copied to /init of the initramfs). Mounts the kernel filesystems,
# puts cgroup v2 at /sys/fs/cgroup, runs the scenario with its results on the second serial port
# (ttyS1, raw so that no byte is translated), and powers off; the host kills QEMU if this hangs.
/bin/busybox --install -s /bin
PATH=/bin
export PATH
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
mount -t cgroup2 -o nsdelegate cgroup2 /sys/fs/cgroup
mount -t tmpfs -o mode=1777 tmpfs /tmp
exec </dev/console >/dev/console 2>&1
echo "vm: $(uname -r) up in $(cut -d' ' -f1 /proc/uptime)s"
stty -F /dev/ttyS1 raw -echo
# Environment for the sanitizer build of memsleuth: a small quarantine, since the VM has 512 MiB.
export ASAN_OPTIONS="detect_leaks=0:quarantine_size_mb=8:malloc_context_size=10"
export UBSAN_OPTIONS="print_stacktrace=1"
sh /scenario.sh 3>/dev/ttyS1
rc=$?
echo "vm: scenario done in $(cut -d' ' -f1 /proc/uptime)s, rc=$rc"
sync
poweroff -f
