#!/usr/bin/env bash
# Builds the OOM/eviction parser fuzz target with clang's libFuzzer (+ASan/UBSan) and runs it briefly,
# seeded with every real sample. Run by ctest (fuzz_oom_parser); also usable by hand:
#   tests/fuzz/run_fuzz.sh <build-dir> [seconds]
set -euo pipefail
OUT=${1:?usage: run_fuzz.sh <build-dir> [seconds]}
SECS=${2:-${MEMSLEUTH_FUZZ_SECONDS:-25}}
SRC=${MEMSLEUTH_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
DATA=${MEMSLEUTH_TEST_DATA:-$SRC/tests/data}
CXX=$(command -v clang++ || true)
if [[ -z $CXX ]]; then echo "skipped: clang++ not installed"; exit 77; fi
mkdir -p "$OUT/obj"
LAUNCH=""
command -v ccache >/dev/null && LAUNCH=ccache
# util/version.cpp includes the version header the build generates (CMakeLists.txt, memsleuth_version).
GENERATED=${MEMSLEUTH_GENERATED_DIR:-$OUT/../generated}
[[ -f $GENERATED/memsleuth_version.h ]] || { echo "FAIL: $GENERATED/memsleuth_version.h missing (build first)"; exit 1; }
FLAGS=(-std=c++20 -O1 -g -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined
       -I"$SRC/src" -I"$GENERATED" -DFMT_SHARED -Wno-unused-command-line-argument)
# Whole modules below events/ (their files change as others land), plus the renderers used.
srcs=()
for m in util model probe k8s attribution events; do srcs+=("$SRC"/src/$m/*.cpp); done
srcs+=("$SRC/src/render/json_util.cpp" "$SRC/src/render/owner_json.cpp" "$SRC/src/render/oom_json.cpp"
       "$SRC/tests/fuzz/oom_parser_fuzz.cpp")
objs=()
pids=()
for s in "${srcs[@]}"; do
  [[ -f $s ]] || continue
  o="$OUT/obj/$(echo "${s#$SRC/}" | tr / _).o"
  objs+=("$o")
  if [[ ! -f $o || $s -nt $o || -n $(find "$SRC/src" -name '*.hpp' -newer "$o" -print -quit) ]]; then
    $LAUNCH "$CXX" "${FLAGS[@]}" -c "$s" -o "$o" &
    pids+=($!)
    if (( ${#pids[@]} >= 2 )); then wait "${pids[0]}"; pids=("${pids[@]:1}"); fi
  fi
done
for p in "${pids[@]}"; do wait "$p"; done
"$CXX" -fsanitize=fuzzer,address,undefined "${objs[@]}" -lfmt -lyaml-cpp -o "$OUT/oom_parser_fuzz"
CORPUS=$(mktemp -d)
trap 'rm -rf "$CORPUS"' EXIT
i=0
for f in "$DATA"/oom/*.log "$DATA"/kubelet/logs/* "$DATA"/kubelet/status/* "$DATA"/v2-vm/*.log; do
  [[ -f $f ]] && cp "$f" "$CORPUS/seed-$((i++))"
done
echo "fuzzing for ${SECS}s with $i seeds"
ASAN_OPTIONS=detect_leaks=1 "$OUT/oom_parser_fuzz" -max_total_time="$SECS" -max_len=8192 -timeout=10 \
  -rss_limit_mb=1024 -print_final_stats=1 "$CORPUS"
