#!/bin/bash -eu
# ClusterFuzzLite / OSS-Fuzz build of capOS's fuzz targets, with the standard variables:
# $CC $CXX $CFLAGS $CXXFLAGS (sanitizer and coverage instrumentation), $LIB_FUZZING_ENGINE (the
# engine to link: -fsanitize=fuzzer, or AFL++'s driver), $OUT (binaries, seed corpora,
# dictionaries, options), $SRC, $WORK. Locally (fuzz/README.md "ClusterFuzzLite"):
#   CC=clang-19 CXX=clang++-19 CFLAGS=... CXXFLAGS='-fsanitize=address,fuzzer-no-link' \
#   LIB_FUZZING_ENGINE=-fsanitize=fuzzer OUT=/tmp/out SRC=/work/main .clusterfuzzlite/build.sh
if [[ -f "${SRC}/fuzz/CMakeLists.txt" ]]; then
  root="${SRC}"
elif [[ -f "${SRC}/capos/fuzz/CMakeLists.txt" ]]; then
  root="${SRC}/capos"
else
  root="$(pwd)"
fi
# The distribution's libcapnp/gtest/nlohmann-json are libstdc++ builds: link against that.
CXXFLAGS="${CXXFLAGS//-stdlib=libc++/}"
build="${WORK:-/tmp}/capos-fuzz-build"
export PYTHONDONTWRITEBYTECODE=1

cmake -S "${root}/fuzz" -B "${build}" -G Ninja \
  -DCMAKE_C_COMPILER="${CC}" -DCMAKE_CXX_COMPILER="${CXX}" \
  -DCMAKE_C_FLAGS="${CFLAGS:-}" -DCMAKE_CXX_FLAGS="${CXXFLAGS}" \
  -DCAPOS_FUZZ_MODE=external -DCAPOS_FUZZ_ENGINE="${LIB_FUZZING_ENGINE}"
cmake --build "${build}" --target fuzz_all -j"$(nproc)"

targets=$(python3 -c 'import sys; sys.path.insert(0, sys.argv[1]); import run; print(" ".join(run.TARGETS))' \
  "${root}/fuzz")
for target in ${targets}; do
  cp "${build}/${target}" "${OUT}/"
  python3 - "${root}/fuzz/corpus/${target}" "${OUT}/${target}_seed_corpus.zip" <<'PY'
import sys, zipfile, pathlib
with zipfile.ZipFile(sys.argv[2], "w", zipfile.ZIP_DEFLATED) as z:
    for f in sorted(pathlib.Path(sys.argv[1]).iterdir()):
        z.write(f, f.name)
PY
  if [[ -f "${root}/fuzz/dict/${target}.dict" ]]; then
    cp "${root}/fuzz/dict/${target}.dict" "${OUT}/${target}.dict"
  fi
  max_len=$(python3 -c 'import sys; sys.path.insert(0, sys.argv[1]); import run; print(run.MAX_LEN.get(sys.argv[2], 16384))' \
    "${root}/fuzz" "${target}")
  printf '[libfuzzer]\nmax_len = %s\ntimeout = 10\n' "${max_len}" > "${OUT}/${target}.options"
done
