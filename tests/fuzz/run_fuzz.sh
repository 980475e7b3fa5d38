#!/usr/bin/env bash
# libFuzzer harnesses, one per parser group (tests/fuzz/<name>_fuzz.cpp), built with clang++
# -fsanitize=fuzzer,address,undefined and seeded from the repository's samples (tests/data,
# tests/fixtures, tests/fuzz/seeds/<name>/). docs/testing.md ("Fuzzing").
#
#   run_fuzz.sh build OUT              compile every harness into OUT (objects cached in OUT/obj, ccache)
#   run_fuzz.sh run OUT NAME SECONDS   replay NAME's regression inputs, then fuzz it for SECONDS
#   run_fuzz.sh all OUT SECONDS        build, then run every harness for SECONDS each (make fuzz);
#                                      a crash is saved into tests/fuzz/regressions/NAME/ and kept
#   run_fuzz.sh list                   the harness names
#
# ctest runs `build` once (fuzz_build) and `run` for each harness (fuzz_<name>, a few seconds each);
# there a crash input is left in OUT/crashes/NAME/. Exit: 0 clean, 1 a crash or a broken property,
# 77 no clang++.
set -euo pipefail
SRC=${MEMSLEUTH_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
FUZZ=$SRC/tests/fuzz
mode=${1:?usage: run_fuzz.sh build OUT | run OUT NAME SECONDS | all OUT SECONDS | list}

names() { for f in "$FUZZ"/*_fuzz.cpp; do basename "$f" _fuzz.cpp; done; }

# Seed files for a harness: the real samples of its parser group.
seeds() {
  local d=$SRC/tests/data fx=$SRC/tests/fixtures
  case $1 in
    oom_parser) ls "$d"/oom/*.log "$d"/kubelet/logs/* "$d"/kubelet/status/* "$d"/v2-vm/*.log
                find "$fx" -name kmsg -type f ;;
    kubelet_log) ls "$d"/kubelet/logs/* "$d"/kubelet/status/* ;;
    kubelet_config) ls "$d"/kubelet/config/*; find "$fx" -path '*etc/kubernetes*' -type f ;;
    proc_files) find "$fx" -path '*/proc/*' -type f \( -name status -o -name stat -o -name cgroup -o -name cmdline \
                  -o -name smaps_rollup -o -name slabinfo -o -path '*pressure/memory' \) | head -120
                ls "$d"/cgroup/proc-pid-cgroup/* "$d"/cgroup/slab/*; find "$fx" -name kmsg -type f ;;
    meminfo_stat) ls "$d"/cgroup/meminfo/* "$d"/cgroup/memory.stat/*
                  find "$fx" -type f \( -name meminfo -o -name vmstat -o -name zoneinfo -o -name memory.events \
                    -o -name memory.max -o -name memory.limit_in_bytes -o -name memory.current \) | head -60
                  find "$fx" -name memory.stat -type f | head -40 ;;
    mountinfo) find "$fx" -name mountinfo -type f ;;
    crontab) ls "$d"/updatedb/cron-timer/*.sh ;;
    updatedb) ls "$d"/updatedb/conf/* "$d"/updatedb/cron-timer/* ;;
    cgroup_path) ls "$d"/cgroup/proc-pid-cgroup/* ;;
    systemd_unit) find "$fx" -path '*/root/*' -type f \( -name '*.service' -o -name '*.timer' \)
                  ls "$d"/updatedb/cron-timer/*.timer "$d"/updatedb/cron-timer/*.service* ;;
    passwd) find "$fx" -path '*/etc/passwd' -type f ;;
    redact) find "$fx" -name cmdline -type f | head -60 ;;
    *) ;;
  esac 2>/dev/null || true
  [[ -d $FUZZ/seeds/$1 ]] && find "$FUZZ/seeds/$1" -type f
  true
}

build() {
  local out=$1
  local cxx
  cxx=$(command -v clang++ || true)
  [[ -n $cxx ]] || { echo "skipped: clang++ not installed"; exit 77; }
  mkdir -p "$out/obj"
  local launch=""
  command -v ccache >/dev/null && launch=ccache
  # util/version.cpp includes the version header the build generates (CMakeLists.txt, memsleuth_version).
  local generated=${MEMSLEUTH_GENERATED_DIR:-$out/../generated}
  [[ -f $generated/memsleuth_version.h ]] || { echo "FAIL: $generated/memsleuth_version.h missing (build first)"; exit 1; }
  local flags=(-std=c++20 -O1 -g -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined
               -I"$SRC/src" -I"$FUZZ" -I"$generated" -I"$generated/bpf_config" -DFMT_SHARED -Wno-unused-command-line-argument)
  # Whole modules below the analyses (their files change as others land), plus the pieces of store,
  # render and agent the harnesses call. Objects go into one archive: a harness links what it uses.
  local srcs=()
  for m in util model probe k8s attribution events provenance; do srcs+=("$SRC"/src/$m/*.cpp); done
  srcs+=("$SRC"/src/store/{codec,frame}.cpp "$SRC"/src/render/{json_util,owner_json,oom_json}.cpp
         "$SRC"/src/agent/{http_request,web_config}.cpp)
  local objs=() pids=() s o newest_hdr
  newest_hdr=$(find "$SRC/src" "$FUZZ" -name '*.hpp' -printf '%T@ %p\n' | sort -n | tail -1 | cut -d' ' -f2)
  # probe/ calls the BPF wrapper (src/probe/bpf): built without BPF here, as a build without
  # clang's BPF target has it (every load fails with a reason; no skeleton, no libbpf).
  srcs+=("$SRC"/src/probe/bpf/*.cpp)
  for s in "${srcs[@]}" "$FUZZ"/*_fuzz.cpp; do
    [[ -f $s ]] || continue
    o="$out/obj/$(echo "${s#"$SRC"/}" | tr / _).o"
    if [[ ! -f $o || $s -nt $o || $newest_hdr -nt $o ]]; then
      $launch "$cxx" "${flags[@]}" -DMEMSLEUTH_HAVE_BPF=0 -c "$s" -o "$o" &
      pids+=($!)
      if ((${#pids[@]} >= ${MEMSLEUTH_FUZZ_JOBS:-$(nproc)})); then wait "${pids[0]}"; pids=("${pids[@]:1}"); fi
    fi
    [[ $s == *_fuzz.cpp ]] || objs+=("$o")
  done
  for p in "${pids[@]}"; do wait "$p"; done
  rm -f "$out/libms_fuzz.a"
  ar rcs "$out/libms_fuzz.a" "${objs[@]}"
  local n
  for n in $(names); do
    "$cxx" -fsanitize=fuzzer,address,undefined "$out/obj/tests_fuzz_${n}_fuzz.cpp.o" "$out/libms_fuzz.a" \
      -lfmt -lyaml-cpp -lsqlite3 -lz -lcrypt -lssl -lcrypto -ldl -lpthread -o "$out/${n}_fuzz"
  done
  echo "built $(names | wc -l) harnesses into $out"
}

# run OUT NAME SECONDS ARTIFACT_DIR CORPUS_DIR
run_one() {
  local out=$1 name=$2 secs=$3 artifacts=$4 corpus=$5
  local bin=$out/${name}_fuzz
  if [[ ! -x $bin ]]; then
    command -v clang++ >/dev/null || { echo "skipped: clang++ not installed"; exit 77; }
    echo "FAIL: $bin not built (run_fuzz.sh build $out)"; return 1
  fi
  mkdir -p "$artifacts" "$corpus"
  local opts=(-timeout=10 -rss_limit_mb=2048 -max_len="${MEMSLEUTH_FUZZ_MAX_LEN:-8192}" -artifact_prefix="$artifacts/")
  [[ -f $FUZZ/dicts/$name.dict ]] && opts+=(-dict="$FUZZ/dicts/$name.dict")
  export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}:allocator_may_return_null=1
  export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1}
  # Every input that ever crashed a harness, replayed first (a fixed bug stays fixed).
  local reg=$FUZZ/regressions/$name
  if compgen -G "$reg/*" >/dev/null; then
    echo "$name: replaying $(find "$reg" -type f | wc -l) regression inputs"
    if ! "$bin" "${opts[@]}" $(find "$reg" -type f | sort) >"$out/$name.replay.log" 2>&1; then
      tail -60 "$out/$name.replay.log"
      echo "FAIL: $name crashed on a regression input"
      return 1
    fi
  fi
  local i=0 f
  while read -r f; do
    [[ -f $f ]] || continue
    cp "$f" "$corpus/seed-$(cksum <"$f" | cut -d' ' -f1)"
    i=$((i + 1))
  done < <(seeds "$name")
  if [[ $name == store_frame ]]; then
    MEMSLEUTH_FUZZ_WRITE_SEEDS=$corpus MEMSLEUTH_FUZZ_FIXTURES=$SRC/tests/fixtures "$bin" >/dev/null 2>&1 || true
  fi
  echo "$name: fuzzing for ${secs}s from $(find "$corpus" -type f | wc -l) inputs ($i seed files)"
  if ! "$bin" "${opts[@]}" -max_total_time="$secs" -print_final_stats=1 "$corpus" >"$out/$name.log" 2>&1; then
    tail -60 "$out/$name.log"
    echo "FAIL: $name: crash input in $artifacts (copy it into tests/fuzz/regressions/$name/, fix, add a unit test)"
    return 1
  fi
  grep -E '^(stat::number_of_executed_units|stat::peak_rss_mb|#[0-9]+ +DONE)' "$out/$name.log" | tr '\n' ' '
  echo
}

case $mode in
  list) names ;;
  build) build "${2:?OUT}" ;;
  run)
    out=${2:?OUT}; name=${3:?NAME}; secs=${4:-${MEMSLEUTH_FUZZ_SECONDS:-6}}
    tmp=$(mktemp -d)
    trap 'rm -rf "$tmp"' EXIT
    run_one "$out" "$name" "$secs" "$out/crashes/$name" "$tmp/corpus" ;;
  all)
    out=${2:?OUT}; secs=${3:-${FUZZ_SECONDS:-60}}
    build "$out"
    failed=()
    for n in $(names); do
      # The corpus grows across runs (OUT/corpus/NAME); crashes land in the repository, to be kept.
      run_one "$out" "$n" "$secs" "$FUZZ/regressions/$n" "$out/corpus/$n" || failed+=("$n")
    done
    if ((${#failed[@]})); then echo "FAIL: crashes in ${failed[*]}: inputs saved under tests/fuzz/regressions/"; exit 1; fi
    echo "all $(names | wc -l) harnesses ran ${secs}s each without a crash" ;;
  *) echo "unknown mode $mode" >&2; exit 2 ;;
esac
