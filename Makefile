# The README's commands: `make test` and `make demo`. Each installs what it needs.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
APT_PACKAGES := libsodium-dev libcurl4-openssl-dev libcjson-dev librdkafka-dev pkg-config
CORE_C := $(wildcard csrc/*.c csrc/dex/*.c)
CORE_H := $(wildcard csrc/*.h csrc/dex/*.h)
EXT_SOURCES := $(wildcard mevlib/*.pyx mevlib/*.pxd) setup.py
C_TESTS := $(patsubst csrc/tests/%.c,build/ctest/%,$(wildcard csrc/tests/test_*.c))
GK := geyser-plugins/kafka-delta
GK_SRC := $(wildcard $(GK)/src/*.c) csrc/ring.c csrc/shm.c csrc/mev_error.c csrc/proc.c
GK_LIBS = $$(pkg-config --cflags --libs libcjson rdkafka) -lpthread
GK_TESTS := $(patsubst $(GK)/tests/%.c,build/gk/%,$(wildcard $(GK)/tests/test_*.c))
C_BENCHES := $(patsubst csrc/bench/%.c,build/cbench/%,$(wildcard csrc/bench/bench_*.c)) \
	build/cbench/bench_ring_prefetch
CFLAGS_STRICT := -std=c11 -Wall -Wextra -Werror -D_GNU_SOURCE -g
SANITIZE := -O1 -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer

.PHONY: all sysdeps venv build wheel test ctest sanitize demo bench bench-landing asv clean build-geyser-offline \
	build-geyser calib-lut browser run tmux bench-legendary legendary-patches legendary-on pgo \
	bench-tables

all: build

# System libraries, with apt when they are missing.
sysdeps:
	@pkg-config --exists libsodium libcurl libcjson rdkafka 2>/dev/null || { \
	  echo "installing $(APT_PACKAGES) with apt"; \
	  $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq $(APT_PACKAGES); }

# Every extra and the test tools, at the exact versions in constraints.txt (pyproject.toml has the
# ranges a bot's own environment resolves within).
$(STAMP): pyproject.toml constraints.txt | sysdeps
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check -c constraints.txt setuptools Cython
	$(PY) -m pip install -q --disable-pip-version-check --no-build-isolation -c constraints.txt -e '.[all,dev]'
	touch $@

venv: $(STAMP)

build: $(STAMP) mevlib/.built

mevlib/.built: $(CORE_C) $(CORE_H) $(EXT_SOURCES) | $(STAMP)
	$(PY) setup.py -q build_ext --inplace
	touch $@

# The C tests, plain and then under AddressSanitizer + UndefinedBehaviorSanitizer.
build/ctest/%: csrc/tests/%.c $(CORE_C) $(CORE_H) csrc/tests/check.h | sysdeps
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_STRICT) -O2 -o $@ $< $(CORE_C) $$(pkg-config --cflags --libs libsodium libcurl) -lpthread -lm
	$(CC) $(CFLAGS_STRICT) $(SANITIZE) -o $@.san $< $(CORE_C) $$(pkg-config --cflags --libs libsodium libcurl) -lpthread -lm

build/cbench/%: csrc/bench/%.c csrc/bench/bench.h $(CORE_C) $(CORE_H) | sysdeps
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_STRICT) -O3 -o $@ $< $(CORE_C) $$(pkg-config --cflags --libs libsodium libcurl) -lpthread -lm

# The ring benchmark again with software prefetch compiled in, for the A/B.
build/cbench/bench_ring_prefetch: csrc/bench/bench_ring.c csrc/bench/bench.h $(CORE_C) $(CORE_H) | sysdeps
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_STRICT) -O3 -DMEV_RING_PREFETCH=1 -o $@ $< $(CORE_C) $$(pkg-config --cflags --libs libsodium libcurl) -lpthread -lm

# The Geyser plugin's C core: its tests (plain and sanitized) and a shared library for the
# Python tests that drive it through cffi.
build/gk/%: $(GK)/tests/%.c $(GK_SRC) $(wildcard $(GK)/src/*.h) | sysdeps
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_STRICT) -O2 -o $@ $< $(GK_SRC) $(GK_LIBS)
	$(CC) $(CFLAGS_STRICT) $(SANITIZE) -o $@.san $< $(GK_SRC) $(GK_LIBS)

build/gk/bench_encode: $(GK)/bench/bench_encode.c $(GK_SRC) $(wildcard $(GK)/src/*.h) | sysdeps
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_STRICT) -O3 -o $@ $< $(GK_SRC) $(GK_LIBS)

build/gk/libmevgk_core.a: $(GK_SRC) $(wildcard $(GK)/src/*.h) | sysdeps
	@mkdir -p build/gk/obj
	cd build/gk/obj && $(CC) $(CFLAGS_STRICT) -O2 -fPIC $$(pkg-config --cflags libcjson rdkafka) -c $(addprefix $(CURDIR)/,$(GK_SRC))
	ar rcs $@ build/gk/obj/*.o

# The Rust shim and the harness, offline from Debian's crates with the stand-in interface.
RUST_APT := cargo rustc librust-log-dev librust-libloading-dev
build/gk/libmevgk_plugin.so build/gk/mevgk-harness: build/gk/libmevgk_core.a $(wildcard $(GK)/rust/*/src/*.rs $(GK)/rust/*/Cargo.toml $(GK)/rust/shim/build.rs)
	@[ -d /usr/share/cargo/registry/libloading-0.7.4 ] && command -v cargo >/dev/null || { \
	  $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq $(RUST_APT); }
	cd $(GK)/rust && MEVGK_CORE_DIR=$(CURDIR)/build/gk cargo build --release --quiet
	cp $(GK)/rust/target/release/libmevgk_plugin.so build/gk/libmevgk_plugin.so
	cp $(GK)/rust/target/release/mevgk-harness build/gk/mevgk-harness

build-geyser-offline: build/gk/libmevgk_plugin.so

# The plugin for a real validator: the shim against crates.io's agave-geyser-plugin-interface at
# exactly the validator's version, built with the validator's rustc (see docs/geyser.md).
GEYSER_OUT = build/geyser-agave-$(AGAVE_VERSION)
build-geyser: build/gk/libmevgk_core.a
	@[ -n "$(AGAVE_VERSION)" ] || { echo "usage: make build-geyser AGAVE_VERSION=<your validator's version, e.g. 2.3.13>"; exit 2; }
	@command -v cargo >/dev/null || { echo "build-geyser needs your validator's Rust toolchain (cargo, rustc) on PATH"; exit 2; }
	rm -rf $(GEYSER_OUT) && mkdir -p $(GEYSER_OUT)
	cp -r $(GK)/rust/shim/src $(GK)/rust/shim/build.rs $(GEYSER_OUT)/
	sed 's|{ path = "../interface-standin" }|"=$(AGAVE_VERSION)"|' $(GK)/rust/shim/Cargo.toml > $(GEYSER_OUT)/Cargo.toml
	printf '\n[workspace]\n\n[profile.release]\npanic = "abort"\n' >> $(GEYSER_OUT)/Cargo.toml
	cd $(GEYSER_OUT) && MEVGK_CORE_DIR=$(CURDIR)/build/gk cargo build --release
	cp $(GEYSER_OUT)/target/release/libmevgk_plugin.so build/libmevgk_plugin-agave-$(AGAVE_VERSION).so
	@echo "built build/libmevgk_plugin-agave-$(AGAVE_VERSION).so with $$(rustc --version): the validator must use this rustc"

build/gk/libmevgk_core.so: $(GK_SRC) $(wildcard $(GK)/src/*.h) | sysdeps
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_STRICT) -O2 -fPIC -shared -o $@ $(GK_SRC) $(GK_LIBS)

ctest: $(C_TESTS)
	@for t in $(C_TESTS); do $$t || exit 1; done

# ThreadSanitizer on the two-thread ring streams, on lookups racing table reloads and on
# signers racing the nonce refill.
build/ctest/%.tsan: csrc/tests/%.c $(CORE_C) $(CORE_H) | sysdeps
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_STRICT) -O1 -fsanitize=thread -o $@ $< $(CORE_C) $$(pkg-config --cflags --libs libsodium libcurl) -lpthread -lm

sanitize: $(C_TESTS) $(GK_TESTS) build/ctest/test_ring.tsan build/ctest/test_lut.tsan build/ctest/test_signer.tsan
	@for t in $(C_TESTS) $(GK_TESTS); do ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 $$t.san || exit 1; done
	TSAN_OPTIONS=halt_on_error=1 build/ctest/test_ring.tsan stream
	TSAN_OPTIONS=halt_on_error=1 build/ctest/test_lut.tsan
	TSAN_OPTIONS=halt_on_error=1 build/ctest/test_signer.tsan

# Debian's Chromium for the dashboard's browser test, with apt when missing.
browser:
	@command -v chromium >/dev/null || { echo "installing chromium with apt"; \
	  $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq chromium; }

# The Node-based clients the interop tests drive (@solana/kit, @triton-one/yellowstone-grpc), from
# the npm registry at the versions in tests/interop/package-lock.json, into the ignored
# tests/interop/node_modules. `npm install`, not `npm ci`: the Yellowstone client's native builds
# for other platforms are optional and not in the lock, which `npm ci` refuses; install keeps the
# lock's versions and leaves the file as it is. @orca-so/whirlpools-client wants @solana/kit 5 as
# its peer where the rest pin 8: it has its own install in tests/interop/orca.
INTEROP := tests/interop/node_modules/.installed
$(INTEROP): tests/interop/package.json tests/interop/package-lock.json tests/interop/orca/package.json \
            tests/interop/orca/package-lock.json
	@command -v npm >/dev/null || { echo "installing nodejs and npm with apt"; \
	  $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq nodejs npm; }
	cd tests/interop && npm install --no-audit --no-fund --loglevel=error
	cd tests/interop/orca && npm install --no-audit --no-fund --loglevel=error
	touch $@

test: build sanitize build/gk/libmevgk_core.so build/gk/libmevgk_plugin.so browser wheel $(INTEROP)
	$(PY) -m pytest -q

# A wheel that installs without the -dev packages: built, then repaired by auditwheel into a
# manylinux wheel carrying libsodium, libcurl and what they link (docs/install.md).
WHEEL_SOURCES := $(CORE_C) $(CORE_H) $(EXT_SOURCES) $(wildcard mevlib/*.py mevlib/*/*.py) pyproject.toml
dist/.repaired: $(WHEEL_SOURCES) | $(STAMP)
	rm -rf build/wheel dist && mkdir -p dist
	$(PY) -m pip wheel -q --disable-pip-version-check --no-deps --no-build-isolation -w build/wheel .
	PATH=$(CURDIR)/$(VENV)/bin:$$PATH $(VENV)/bin/auditwheel repair -w dist build/wheel/mevlib-*.whl
	touch $@

wheel: dist/.repaired

# The main job: the whole loop on the local cluster (docs/demo.md): the shipped bot config
# examples/demo.toml run with `mevlib run --cluster sim`, a throwaway keypair in build/. KAFKA=host:port and
# CLICKHOUSE_URL=clickhouse://... switch the plugin's sink and the store to real services;
# SOURCE=ring (the default), kafka (a Tansu broker unless KAFKA=...), yellowstone or pubsub: where
# the bot reads pool deltas (the plugin's sinks, or the cluster's Yellowstone gRPC / PubSub endpoints).
demo: build build/gk/libmevgk_core.so
	$(PY) -c 'from mevlib.demo import ensure_demo_keypair; ensure_demo_keypair()'
	$(PY) -m mevlib run --config examples/demo.toml --cluster sim $(if $(SOURCE),--source $(SOURCE))

ALLOCATOR_APT := libmimalloc2.0 libjemalloc2
# Every table, also kept in build/bench/latest.log (docs/performance.md is written from one such run).
bench: build $(C_BENCHES) build/gk/bench_encode
	@mkdir -p build/bench
	@bash -o pipefail -c '$(MAKE) --no-print-directory bench-tables 2>&1 | tee build/bench/latest.log'

bench-tables:
	@echo "== make bench $$(date -u +%FT%TZ), commit $$(git rev-parse --short HEAD)$$(git diff --quiet HEAD || echo ' (modified)')"
	@echo "== $$(lscpu | sed -n 's/^Model name: *//p'), $$(nproc) CPUs, $$(uname -r), $$($(PY) -V), libsodium $$(pkg-config --modversion libsodium), libcurl $$(pkg-config --modversion libcurl)"
	@echo "== C core"; build/cbench/bench_sign 253
	@echo "== ring prefetch A/B, interleaved (this VM's two vCPUs are sometimes far apart: compare within a pair)"
	@for i in 1 2 3; do build/cbench/bench_ring && build/cbench/bench_ring_prefetch || exit 1; done
	build/cbench/bench_sender
	build/cbench/bench_lut 256
	build/gk/bench_encode
	$(PY) asv_benchmarks/peers.py
	@[ -e /usr/lib/x86_64-linux-gnu/libjemalloc.so.2 ] && [ -e /usr/lib/x86_64-linux-gnu/libmimalloc.so.2 ] || { \
	  $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq $(ALLOCATOR_APT); }
	$(PY) asv_benchmarks/allocators.py

# Everything together until Ctrl-C: Tansu broker (unless KAFKA=...), store (chDB in
# .mevlib-store unless CLICKHOUSE_URL=...), dashboard on http://127.0.0.1:8765/, and the bot.
run: build build/gk/libmevgk_core.so
	$(PY) -m mevlib.launch

# The design note's `make tmux CFG=legendary`: `make run` in one tmux pane, the bot's Prometheus
# metrics refreshing in another. `legendary` (every fast path on) is the only configuration.
CFG ?= legendary
tmux: build build/gk/libmevgk_core.so
	@[ "$(CFG)" = legendary ] || { echo "CFG=legendary is the only configuration"; exit 2; }
	@command -v tmux >/dev/null || { echo "tmux is not installed: use make run"; exit 2; }
	export MEVLIB_MONITOR_TOKEN=$$(od -An -tx1 -N24 /dev/urandom | tr -d ' \n'); \
	tmux new-session -d -s mevlib '$(MAKE) run' \; \
	  split-window -h 'watch -n 2 "curl -s -H \"Authorization: Bearer $$MEVLIB_MONITOR_TOKEN\" 127.0.0.1:8765/metrics | grep -v ^#"' \; attach

# The design note's names: `legendary-patches` is today's `make build` (every fast path is simply
# how mevlib is built); `bench-legendary` is every benchmark and peer table.
legendary-patches: build
bench-legendary: bench bench-landing

# The note's `make legendary-on`, the host's side of "every fast path on". mevlib never changes
# the host: this prints what `mevlib doctor` finds and, for each setting to change, the command.
legendary-on: build
	$(PY) -m mevlib doctor

# Calibration tables from the store: CLICKHOUSE_URL=clickhouse://... or http://host:8123 (or chdb://PATH; unset:
# the embedded chDB store). Writes luts/*.lut and luts/report.png.
calib-lut: build
	$(PY) -m mevlib calibrate $(if $(CLICKHOUSE_URL),--url "$(CLICKHOUSE_URL)") --out luts

# The landing experiment on the simulator: three sending policies, rates with intervals.
bench-landing: build
	$(PY) -m mevlib.sim.experiment --slots 3000

# A profile-guided build trained on the asv suite, compared with the usual one, kept only if it
# wins (asv_benchmarks/pgo.py).
pgo: $(STAMP)
	$(PY) asv_benchmarks/pgo.py

asv: build
	cd asv_benchmarks && ../$(VENV)/bin/asv machine --yes >/dev/null && \
	  ../$(VENV)/bin/asv run --python=same --set-commit-hash $$(git rev-parse HEAD)

clean:
	rm -rf build dist mevlib/*.so mevlib/_*.c mevlib/.built *.egg-info
