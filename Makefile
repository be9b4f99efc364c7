# capOS — the user-facing commands. The real build is CMake (CMakePresets.json) + Ninja;
# this file only strings the steps together. See README.md.
PRESET ?= asan
BUILD_DIR := build/$(PRESET)

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
