# capOS — the user-facing commands. The real build is CMake (CMakePresets.json) + Ninja;
# this file only strings the steps together. See README.md.
PRESET ?= asan
BUILD_DIR := build/$(PRESET)

# Hygiene and supply-chain gates (docs/trusted-build-inputs.md, seed Track S.10).
.PHONY: dependency-policy-check build-provenance build-provenance-compare
.PHONY: all deps build test test-tsan iso run lint format format-check clean help

all: build

help:
	@echo "make run           build the kernel ISO and boot it in QEMU (serial on stdout)"
	@echo "make iso           build the kernel, init, the manifest and build/\$$PRESET/kernel/capos.iso"
	@echo "make test          install deps, build (ASan+UBSan), run every test and gate"
	@echo "make deps          install the pinned Debian packages (deps.lock)"
	@echo "make build         configure and build preset \$$PRESET (default asan)"
	@echo "make lint          clang-tidy over lib/ kernel/ user/ tools/"
	@echo "make format        rewrite C++ files with clang-format-19"
	@echo "make format-check  fail if any C++ file is not formatted"
	@echo "make unsafe-surface-check   SAFETY comments, asm/cast placement, docs/unsafe-surface.txt"
	@echo "make unsafe-surface-update  rewrite docs/unsafe-surface.txt (after reviewing the change)"
	@echo "make clean         remove build/"
	@echo "make abort-audit   fail if a fatal site reachable from untrusted input is not a halt policy"
	@echo "make abort-audit-update  rewrite docs/abort-inventory.txt (new sites UNCLASSIFIED)"
	@echo "make fuzz-smoke    replay fuzz corpora + SECONDS (15) of fuzzing per target (in make test)"
	@echo "make fuzz TARGET=x SECONDS=n  fuzzing campaign (-fork=JOBS), see fuzz/README.md"
	@echo "make fuzz-coverage line coverage of each fuzz target (llvm-cov)"
	@echo "make model-check   concurrency model checking, default bounds (in make test)"
	@echo "make model-check-deep  the same with larger bounds (ring sizes to 8; ~4 CPU-min, ~6 min wall)"
	@echo "make prove         Tier 4 bounded proofs: explorers + z3, broken variants (in make test)"
	@echo "make prove-deep    the explorers with larger bounds (docs/verification.md, Tier 4)"
	@echo "make verify-report run every ctest test, write build/verify/report.html and report.md"
	@echo "                   (JUNIT=file: render an existing run; EXCLUDE=regex: skip tests)"

deps:
	@scripts/bootstrap

$(BUILD_DIR)/build.ninja:
	cmake --preset $(PRESET)

build: deps $(BUILD_DIR)/build.ninja
	cmake --build $(BUILD_DIR)

test: build
	ctest --preset $(PRESET)

test-tsan:
	$(MAKE) test PRESET=tsan

# The kernel, the user programs, mkmanifest and the default manifest, and the ISO (no host
# tests): kernel/ and user/ build with their own flags in any preset.
iso: deps $(BUILD_DIR)/build.ninja
	cmake --build $(BUILD_DIR) --target capos_iso

# Boots the ISO under QEMU (TCG) with the serial console on stdout; exits 0 iff the kernel
# reported PASS through isa-debug-exit (status 33). tests/qemu/run_qemu.py documents the rest.
run: iso
	python3 tests/qemu/run_qemu.py --iso $(BUILD_DIR)/kernel/capos.iso --exit pass --stream \
	  --timeout 120

lint: deps $(BUILD_DIR)/build.ninja
	scripts/lint $(BUILD_DIR)

format:
	scripts/format-check --fix

format-check:
	scripts/format-check

clean:
	rm -rf build

# Generated code (tools/capnpc-capos/README.md): `make generate` rewrites lib/gen/ from
# schema/capos.capnp; `make generated-code-check` fails, naming each file, when lib/gen/ differs
# from a fresh run or the installed capnp is not the recorded version (ctest gate.generated_code).
.PHONY: generate generated-code-check
CAPNPC_CAPOS := $(BUILD_DIR)/tools/capnpc-capos/capnpc-capos

generate: deps $(BUILD_DIR)/build.ninja
	cmake --build $(BUILD_DIR) --target capnpc-capos
	python3 tools/capnpc-capos/generate.py generate --plugin $(CAPNPC_CAPOS)

generated-code-check: deps $(BUILD_DIR)/build.ninja
	cmake --build $(BUILD_DIR) --target capnpc-capos
	python3 tools/capnpc-capos/generate.py check --plugin $(CAPNPC_CAPOS)

dependency-policy-check:
	python3 tools/audit/dependency_policy.py --build $(BUILD_DIR)

# Untrusted-path abort audit (tools/audit/README.md "Abort audit"; ctest gate.abort_audit): the
# fatal sites clang's call graph of the kernel reaches from tools/audit/untrusted_entries.txt must
# each be a documented halt policy in docs/abort-inventory.txt. abort-audit-update rewrites the
# inventory keeping classes, recomputing reach and marking new sites UNCLASSIFIED.
.PHONY: abort-audit abort-audit-update
abort-audit: $(BUILD_DIR)/build.ninja
	python3 tools/audit/abort_audit.py check --build $(BUILD_DIR)

abort-audit-update: $(BUILD_DIR)/build.ninja
	python3 tools/audit/abort_audit.py update --build $(BUILD_DIR)

# Unsafe-surface audit (tools/audit/README.md, docs/REVIEW.md "Unsafe code"): per-file counts of
# asm, reinterpret_cast, raw pointer arithmetic (clang's -Wunsafe-buffer-usage on the build's
# compile_commands.json), volatile, user-access windows and __builtin_*. The check (also ctest
# gate.unsafe_surface) fails on a site without a SAFETY: comment, asm or reinterpret_cast outside
# the arch directories and tools/audit/unsafe_allowlist.txt, or counts that differ from
# docs/unsafe-surface.txt; after reviewing such a change, `make unsafe-surface-update` rewrites it.
.PHONY: unsafe-surface-check unsafe-surface-update
unsafe-surface-check: deps $(BUILD_DIR)/build.ninja
	python3 tools/audit/unsafe_surface.py check --build $(BUILD_DIR)

unsafe-surface-update: deps $(BUILD_DIR)/build.ninja
	python3 tools/audit/unsafe_surface.py update --build $(BUILD_DIR)

# Writes $(BUILD_DIR)/provenance.txt: tool versions and hashes of boot inputs and generated files.
build-provenance: iso
	python3 tools/audit/build_provenance.py write --build $(BUILD_DIR)

# make build-provenance-compare BASE_PROVENANCE=a.txt CANDIDATE_PROVENANCE=b.txt
build-provenance-compare:
	@test -n "$(BASE_PROVENANCE)" -a -n "$(CANDIDATE_PROVENANCE)" || \
	  { echo "usage: make build-provenance-compare BASE_PROVENANCE=a CANDIDATE_PROVENANCE=b" >&2; exit 2; }
	python3 tools/audit/build_provenance.py compare $(BASE_PROVENANCE) $(CANDIDATE_PROVENANCE)

# Fuzzing (fuzz/README.md). fuzz-smoke [SECONDS=n]: the ctest smoke (label `fuzz`, also run by
# `make test`): replay every checked-in corpus, then n (default 15, at most 60 advised) seconds
# of fuzzing per target. fuzz TARGET=x [SECONDS=n] [JOBS=2]: a campaign with -fork=JOBS; its
# corpus, crashes and summary.json go to build/fuzz-campaign/x; fuzz-merge TARGET=x adds what it
# found (new coverage only, minimized by -merge=1) to fuzz/corpus/x. fuzz-coverage: llvm-cov line
# coverage of each target's code over its corpus and campaign corpus. fuzz-afl: the same
# harnesses built for AFL++ (afl-clang-fast++ + libAFLDriver) in build/fuzz-afl.
.PHONY: fuzz fuzz-smoke fuzz-merge fuzz-coverage fuzz-afl
JOBS ?= 2
FUZZ_CAMPAIGNS := build/fuzz-campaign
FUZZ_COVERAGE_DIR := build/fuzz-coverage
FUZZ_AFL_DIR := build/fuzz-afl

fuzz-smoke: build
	FUZZ_SMOKE_SECONDS=$(or $(SECONDS),15) ctest --preset $(PRESET) -L fuzz

fuzz: build
	@test -n "$(TARGET)" || { echo "usage: make fuzz TARGET=<target> [SECONDS=n] [JOBS=n]" >&2; exit 2; }
	python3 fuzz/run.py campaign --binary $(BUILD_DIR)/fuzz/$(TARGET) --target $(TARGET) \
	  --seconds $(or $(SECONDS),600) --jobs $(JOBS) --work $(FUZZ_CAMPAIGNS)/$(TARGET)

fuzz-merge: build
	@test -n "$(TARGET)" || { echo "usage: make fuzz-merge TARGET=<target>" >&2; exit 2; }
	python3 fuzz/run.py merge --binary $(BUILD_DIR)/fuzz/$(TARGET) --target $(TARGET) \
	  --work $(FUZZ_CAMPAIGNS)/$(TARGET)

fuzz-coverage: deps
	cmake -S fuzz -B $(FUZZ_COVERAGE_DIR) -G Ninja -DCMAKE_CXX_COMPILER=clang++-19 \
	  -DCMAKE_BUILD_TYPE=Debug -DCAPOS_FUZZ_MODE=coverage
	cmake --build $(FUZZ_COVERAGE_DIR) --target fuzz_all
	python3 fuzz/run.py coverage --build $(FUZZ_COVERAGE_DIR) --campaigns $(FUZZ_CAMPAIGNS)

fuzz-afl: deps
	CC=afl-clang-fast CXX=afl-clang-fast++ cmake -S fuzz -B $(FUZZ_AFL_DIR) -G Ninja \
	  -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCAPOS_FUZZ_MODE=external \
	  -DCAPOS_FUZZ_ENGINE=-fsanitize=fuzzer -DCMAKE_CXX_FLAGS=-fsanitize=address,undefined
	cmake --build $(FUZZ_AFL_DIR) --target fuzz_all

# Concurrency model checking (verify/README.md; seed Tier 3). model-check: ctest label `model`
# (also part of `make test`): the ring models at their default bounds, every broken variant
# (must be caught), the checker's memory-model litmus tests and the SPIN cross-check.
# model-check-deep: larger bounds — ring sizes up to 8 with no preemption bound — each model
# limited to DEEP_SECONDS CPU seconds (default 240; the whole suite takes ~206 CPU-s), then SPIN's
# larger configurations.
.PHONY: model-check model-check-deep
DEEP_SECONDS ?= 240

model-check: build
	ctest --preset $(PRESET) -L model

model-check-deep: build
	$(BUILD_DIR)/verify/models/ring/verify_ring --suite deep --time-limit $(DEEP_SECONDS)
	python3 verify/spin/run_spin.py --deep

# Tier 4 bounded proofs (verify/bounded/README.md). prove: ctest label `prove` (also part of
# `make test`): the exhaustive explorers of CapTable, FrameBitmap, FrameLedger and the transfer
# plan, the z3 proofs of the ELF and user-range bounds, and every broken variant (must be caught).
# prove-deep: the explorers again with larger bounds (tens of minutes on 2 cores).
.PHONY: prove prove-deep
PROVERS := cap_table frame_bitmap frame_ledger transfer

prove: build
	ctest --preset $(PRESET) -L prove

prove-deep: build
	set -e; for prover in $(PROVERS); do $(BUILD_DIR)/verify/bounded/prove_$$prover --deep; done

# The verification dashboard (docs/verification.md "Dashboard"): runs every test of $(BUILD_DIR)
# through ctest (-j$(JOBS)) and writes build/verify/report.html and report.md — one row per
# verification target, a summary per tier, a log per test in build/verify/logs/. Exits non-zero
# if any test failed (the report is still written). JUNIT=file renders an existing ctest JUnit
# file without running anything; EXCLUDE=regex passes ctest -E (a narrowed run says so).
.PHONY: verify-report
VERIFY_DIR := build/verify

verify-report: $(if $(JUNIT),,build)
	python3 tools/verify_report/verify_report.py --build $(BUILD_DIR) --out $(VERIFY_DIR) \
	  --jobs $(JOBS) $(if $(JUNIT),--junit $(JUNIT)) $(if $(EXCLUDE),--exclude '$(EXCLUDE)')
