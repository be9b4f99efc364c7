# capOS — the user-facing commands. The real build is CMake (CMakePresets.json) + Ninja;
# this file only strings the steps together. See README.md.
PRESET ?= asan
BUILD_DIR := build/$(PRESET)

.PHONY: all deps build test test-tsan run lint format format-check clean help

all: build

help:
	@echo "make run           build and boot capOS in QEMU (default manifest)"
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

run: deps
	@echo "make run: the capOS kernel does not exist yet (kernel bring-up is open issue 5:" >&2
	@echo "  boot to init over the ring). Nothing was booted. 'make test' runs what exists." >&2
	@exit 1

lint: deps $(BUILD_DIR)/build.ninja
	scripts/lint $(BUILD_DIR)

format:
	scripts/format-check --fix

format-check:
	scripts/format-check

clean:
	rm -rf build
