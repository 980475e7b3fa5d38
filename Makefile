# memsleuth: two commands do everything on a fresh Debian 12 machine:
#   make doctor   install deps, build, run `memsleuth doctor` on this machine
#   make test     install deps, sanitizer build, every test (unit, fixture, live, e2e, vm)
#   make image    the OCI image deploy/daemonset.yaml runs (FROM scratch, buildah), tagged from git describe
#   make install  Release build, then binary, man page, completions, systemd unit and docs into
#                 $(DESTDIR)$(PREFIX) (PREFIX=/usr/local by default)
JOBS ?= $(shell nproc)
# Worktrees and clones share one compiler cache.
export CCACHE_BASEDIR ?= $(abspath ..)
export CCACHE_DIR ?= $(HOME)/.cache/ccache
# -g builds embed the build dir; without this no two worktrees ever share a cache hit.
export CCACHE_NOHASHDIR ?= 1
BUILD ?= build
ASAN_BUILD ?= build-asan
CTEST_ARGS ?=
IMAGE_NAME ?= localhost/memsleuth
PREFIX ?= /usr/local
DESTDIR ?=

.PHONY: all deps build doctor test asan unit bench fuzz format clean image install

all: build

deps:
	bash scripts/deps.sh

$(BUILD)/build.ninja:
	cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Release -DMEMSLEUTH_TESTS=OFF

build: deps $(BUILD)/build.ninja
	cmake --build $(BUILD) -j $(JOBS) --target memsleuth

# The man page and completions are built (target all) beside the binary; cmake --install places them
# and writes the systemd unit's paths for PREFIX. Only the build's packages are needed.
install:
	MEMSLEUTH_DEPS=build bash scripts/deps.sh
	$(MAKE) --no-print-directory $(BUILD)/build.ninja
	cmake --build $(BUILD) -j $(JOBS)
	DESTDIR="$(DESTDIR)" cmake --install $(BUILD) --prefix "$(PREFIX)"

doctor: build
	./$(BUILD)/memsleuth doctor; rc=$$?; echo "memsleuth doctor exit code: $$rc (0 healthy, 1 warnings, 2 critical)"

# Tags $(IMAGE_NAME):<git describe> and :latest in buildah's storage, and writes an OCI archive.
image: build
	bash scripts/image.sh --binary $(BUILD)/memsleuth --name $(IMAGE_NAME) --archive $(BUILD)/memsleuth-image.oci.tar

$(ASAN_BUILD)/build.ninja:
	cmake -S . -B $(ASAN_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Debug -DMEMSLEUTH_SANITIZE=ON -DMEMSLEUTH_TESTS=ON

asan: deps $(ASAN_BUILD)/build.ninja
	cmake --build $(ASAN_BUILD) -j $(JOBS)

# The Release build too: e2e_image_daemonset builds the image from it, as `make image` does.
test: asan build
	cd $(ASAN_BUILD) && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
	  MEMSLEUTH_RELEASE_BINARY=$(abspath $(BUILD))/memsleuth \
	  ctest --output-on-failure -j $(JOBS) $(CTEST_ARGS)

unit: asan
	cd $(ASAN_BUILD) && ctest --output-on-failure -j $(JOBS) -L unit

# Every libFuzzer harness for FUZZ_SECONDS each (default 60): FUZZ_SECONDS=600 make fuzz. Crash inputs
# are saved into tests/fuzz/regressions/<harness>/, which make test replays.
FUZZ_SECONDS ?= 60
fuzz: deps
	bash tests/fuzz/run_fuzz.sh all $(ASAN_BUILD)/fuzz $(FUZZ_SECONDS)

bench: deps
	bash bench/run.sh

format:
	clang-format -i $$(git ls-files 'src/*.cpp' 'src/*.hpp' 'tests/*.cpp' 'bench/*.cpp')

clean:
	rm -rf $(BUILD) $(ASAN_BUILD)
