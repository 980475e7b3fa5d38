#pragma once
// A bpffs instance of a test's own (each mount of bpffs is a new, empty instance), under a fresh
// temporary directory: pins made there touch nothing else and go with the unmount at the end.
#include <stdlib.h>
#include <sys/mount.h>

#include <filesystem>
#include <string>

namespace ms::testing {

struct OwnBpffs {
  std::string path;
  bool ok = false;  // false: bpffs could not be mounted (not root, no bpffs): errno says why
  OwnBpffs() {
    char tmpl[] = "/tmp/ms-pin-XXXXXX";
    if (const char* made = ::mkdtemp(tmpl)) path = made;
    ok = !path.empty() && ::mount("bpf", path.c_str(), "bpf", 0, nullptr) == 0;
  }
  ~OwnBpffs() {
    if (ok) ::umount2(path.c_str(), MNT_DETACH);
    if (!path.empty()) std::filesystem::remove_all(path);
  }
  OwnBpffs(const OwnBpffs&) = delete;
  OwnBpffs& operator=(const OwnBpffs&) = delete;
};

}  // namespace ms::testing
