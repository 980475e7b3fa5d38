#include "probe/vm_watermarks.hpp"

#include "probe/fs.hpp"
#include "util/text.hpp"

namespace ms {

Result<ZoneWatermarks> parse_zoneinfo_watermarks(std::string_view text, std::string_view path) {
  ZoneWatermarks w;
  std::optional<Error> err;
  // Watermark lines sit right after "pages free" in each "Node N, zone X" block; only those three
  // keys are read, so the per-node stats and protection arrays cannot be mistaken for them.
  bool in_zone = false;
  for_each_line(text, [&](std::string_view line, int n) {
    if (err) return;
    if (starts_with(line, "Node ")) {
      in_zone = line.find("zone") != std::string_view::npos;
      if (in_zone) ++w.zones;
      return;
    }
    if (!in_zone) return;
    auto f = split_ws(line);
    if (f.size() != 2) return;
    uint64_t* dst = f[0] == "min" ? &w.min_pages : f[0] == "low" ? &w.low_pages : f[0] == "high" ? &w.high_pages : nullptr;
    if (!dst) return;
    auto v = parse_u64(f[1]);
    if (!v) {
      err = Error::malformed(std::string(path), n, "watermark is not a number");
      return;
    }
    *dst += *v;
  });
  if (err) return fail(*err);
  if (w.zones == 0) return fail(Error::malformed(std::string(path), 0, "no zone found"));
  return w;
}

VmReserves read_vm_reserves(const HostPaths& paths) {
  VmReserves r;
  if (auto t = read_file(paths.proc("sys/vm/min_free_kbytes"), FileKind::kKernel))
    if (auto v = parse_u64(trim(*t))) r.min_free_bytes = kib_to_bytes(*v);
  if (auto t = read_file(paths.proc("zoneinfo"), FileKind::kKernelTable))
    if (auto z = parse_zoneinfo_watermarks(*t, paths.proc("zoneinfo"))) r.zones = *z;
  return r;
}

}  // namespace ms
