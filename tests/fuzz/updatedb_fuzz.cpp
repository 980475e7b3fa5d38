// libFuzzer target: every byte string is an /etc/updatedb.conf (or the puppet YAML it also reads),
// and an updatedb command line; the prune rules are then asked about a few paths and types.
#include "fuzz_input.hpp"
#include "provenance/shell_words.hpp"
#include "provenance/updatedb_conf.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto t = ms::fuzz::text(data, size);
  auto conf = ms::parse_updatedb_conf(t);
  (void)conf.prune_bind_mounts_on();
  (void)conf.prunefs_list();
  (void)conf.prunenames_list();
  for (const auto& p : conf.prunepaths_list()) (void)conf.pruning_path(p);
  for (const char* path : {"/", "/var/lib/kubelet/pods/x", "/tmp", "/var/log/pods"}) {
    (void)conf.pruning_path(path);
    (void)conf.pruning_path(path, "/tmp");
  }
  for (const char* fs : {"tmpfs", "nfs", "fuse.sshfs", "overlay"}) (void)conf.prunes_fs(fs);
  (void)ms::parse_updatedb_args(ms::shell_words(t.substr(0, 4096)));
  return 0;
}
