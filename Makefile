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
	@echo "make iso           build only the kernel and build/\$$PRESET/kernel/capos.iso"
	@echo "make test          install deps, build (ASan+UBSan), run every test and gate"
	@echo "make deps          install the pinned Debian packages (deps.lock)"
	@echo "make build         configure and build preset \$$PRESET (default asan)"
	@echo "make lint          clang-tidy over lib/ kernel/ user/ tools/"
	@echo "make format        rewrite C++ files with clang-format-19"
	@echo "make format-check  fail if any C++ file is not formatted"
	@echo "make clean         remove build/"

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

# The kernel and its ISO only (no host tests): kernel/ builds with its own flags in any preset.
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
	python3 tools/audit/dependency_policy.py

# Writes $(BUILD_DIR)/provenance.txt: tool versions and hashes of boot inputs and generated files.
build-provenance: iso
	python3 tools/audit/build_provenance.py write --build $(BUILD_DIR)

# make build-provenance-compare BASE_PROVENANCE=a.txt CANDIDATE_PROVENANCE=b.txt
build-provenance-compare:
	@test -n "$(BASE_PROVENANCE)" -a -n "$(CANDIDATE_PROVENANCE)" || \
	  { echo "usage: make build-provenance-compare BASE_PROVENANCE=a CANDIDATE_PROVENANCE=b" >&2; exit 2; }
	python3 tools/audit/build_provenance.py compare $(BASE_PROVENANCE) $(CANDIDATE_PROVENANCE)
