// libFuzzer target: every byte string is a stored frame as `memsleuth history` reads it back from a
// database it did not write (a corrupt page, a file from elsewhere): the node frame (varints), the
// detail frame raw and deflated, and a run of varints. Decoders return an Error, never crash.
//
// Seeds: real frames. With MEMSLEUTH_FUZZ_WRITE_SEEDS=<dir> and MEMSLEUTH_FUZZ_FIXTURES=<tests/fixtures>
// the binary writes the frames of every fixture tree's snapshot into <dir> and exits
// (tests/fuzz/run_fuzz.sh does this before fuzzing).
#include <fstream>
#include <string>
#include <vector>

#include "fuzz_input.hpp"
#include "probe/host_paths.hpp"
#include "probe/snapshot_reader.hpp"
#include "store/codec.hpp"
#include "store/frame.hpp"

namespace {

const ms::store::KeyNames& names() {
  static const ms::store::KeyNames n = [] {
    ms::store::KeyNames v;
    for (int i = 0; i < 512; ++i) v.push_back("key" + std::to_string(i));
    return v;
  }();
  return n;
}

void write_seeds(const char* dir, const char* fixtures) {
  int n = 0;
  for (const char* tree : {"v1-cgroupfs-docker", "v2-systemd-containerd-crio", "kubelet-v2", "vm-6.1", "vm-6.12"}) {
    ms::HostPaths p;
    p.procfs = std::string(fixtures) + "/" + tree + "/proc";
    p.sysfs = std::string(fixtures) + "/" + tree + "/sys";
    p.rootfs = std::string(fixtures) + "/" + tree + "/root";
    auto snap = ms::read_snapshot(p);
    if (!snap) continue;
    std::vector<std::string> keys;
    ms::store::KeyIdFn key = [&](std::string_view k) -> uint64_t {
      for (size_t i = 0; i < keys.size(); ++i)
        if (keys[i] == k) return i;
      keys.emplace_back(k);
      return keys.size() - 1;
    };
    std::vector<ms::store::DetailCgroup> cgs;
    std::vector<ms::store::DetailProcess> procs;
    for (size_t i = 0; i < snap->cgroups.size(); ++i) cgs.push_back({static_cast<int64_t>(i + 1), &snap->cgroups[i]});
    for (size_t i = 0; i < snap->processes.size(); ++i)
      procs.push_back({static_cast<int64_t>(i + 1), &snap->processes[i]});
    for (bool full : {false, true}) {
      std::string node = ms::store::encode_node(*snap, full, key);
      std::string detail = ms::store::encode_detail(*snap, cgs, procs, full, key);
      for (const std::string& frame : {node, detail, ms::store::deflate_frame(detail)}) {
        std::ofstream(std::string(dir) + "/frame-" + std::to_string(n++), std::ios::binary) << frame;
      }
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  const char* dir = std::getenv("MEMSLEUTH_FUZZ_WRITE_SEEDS");
  const char* fixtures = std::getenv("MEMSLEUTH_FUZZ_FIXTURES");
  if (dir && fixtures) {
    write_seeds(dir, fixtures);
    std::exit(0);
  }
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto t = ms::fuzz::text(data, size);
  (void)ms::store::decode_node(t, names());
  (void)ms::store::decode_detail(t, names());
  if (auto raw = ms::store::inflate_frame(t)) {
    (void)ms::store::decode_detail(*raw, names());
    (void)ms::store::decode_node(*raw, names());
  }
  ms::store::Unpacker u(t);
  for (int i = 0; i < 64 && u.ok() && !u.done(); ++i) {
    switch (i % 5) {
      case 0:
        (void)u.u();
        break;
      case 1:
        (void)u.bytes();
        break;
      case 2:
        (void)u.opt_bytes();
        break;
      case 3:
        (void)u.i();
        break;
      case 4:
        (void)u.str();
        break;
    }
  }
  // Packing is lossless: whatever numbers the input holds come back as they went in (byte
  // quantities of 2^63 and more that are not whole KiB are rounded to KiB, as codec.hpp says: the
  // kernel counts pages).
  ms::store::Packer pk;
  std::vector<uint64_t> vals;
  for (size_t i = 0; i + 8 <= size && vals.size() < 16; i += 8) {
    uint64_t v = 0;
    for (int b = 0; b < 8; ++b) v = (v << 8) | data[i + static_cast<size_t>(b)];
    vals.push_back(v);
    pk.bytes(v);
    pk.u(v);
  }
  ms::store::Unpacker back(pk.data());
  for (uint64_t v : vals) {
    uint64_t want = (v >= (uint64_t{1} << 63) && v % 1024 != 0) ? (v >> 10) << 10 : v;
    ms::fuzz::require(back.bytes() == want, "bytes() round trip");
    ms::fuzz::require(back.u() == v, "u() round trip");
  }
  ms::fuzz::require(back.ok() && back.done(), "packer output read back whole");
  return 0;
}
