#!/usr/bin/env python3
"""Writes the raw seed inputs of every fuzz target into OUT/<target>/ (fuzz/README.md
"Corpora"). The checked-in corpus is these seeds (plus campaign finds), minimized with
`run.py merge` / libFuzzer -merge=1. Needs clang-19 + lld-19 (tiny ELF executables), capnp
(text-format encodings) and llvm-strip-19; never a shell.

  make_seeds.py OUT [--elf FILE ...]   # --elf: real ELF files the project built (user/, kernel)
"""
import argparse
import json
import random
import shutil
import struct
import subprocess
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

ELF_PROGRAM = r"""
#ifdef WITH_TLS
__thread int tls_data = 5;
__thread int tls_bss;
#else
static int tls_data = 5, tls_bss;
#endif
int data = 3;
int bss;
const char rodata[] = "capOS seed";
void _start(void) {
  for (;;) data += tls_data + tls_bss + bss + rodata[data & 7];
}
"""

# (name, extra clang flags)
ELF_VARIANTS = [
    ("static.elf", ["-static", "-fno-pic"]),
    ("static-tls.elf", ["-static", "-fno-pic", "-DWITH_TLS"]),
    ("static-execstack.elf", ["-static", "-fno-pic", "-Wl,-z,execstack"]),
    ("static-pie.elf", ["-static-pie", "-fpie"]),
    ("shared.so", ["-shared", "-fpic", "-DWITH_TLS"]),
    ("high.elf", ["-static", "-fno-pic", "-Wl,--image-base=0x7ffeff000000"]),
]


def run(argv, **kwargs):
    return subprocess.run(argv, check=True, **kwargs)


def elf_seeds(out, extra):
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "seed.c"
        source.write_text(ELF_PROGRAM)
        for name, flags in ELF_VARIANTS:
            target = out / name
            run(["clang-19", "--target=x86_64-unknown-linux-gnu", "-O1", "-nostdlib",
                 "-fuse-ld=lld", "-Wl,-z,max-page-size=4096", "-Wl,--build-id=none"] + flags
                + ["-o", str(target), str(source)])
            run(["llvm-strip-19", "--strip-all", str(target)])
    for path in extra:
        target = out / Path(path).name
        shutil.copyfile(path, target)
        run(["llvm-strip-19", "--strip-all", str(target)])


def capnp_encode(schema, struct_name, text, import_path=None):
    argv = ["capnp", "encode"]
    if import_path:
        argv.append(f"--import-path={import_path}")
    argv += [str(schema), struct_name]
    return run(argv, input=text.encode(), capture_output=True).stdout


def words(*values):
    return b"".join(struct.pack("<Q", v & 0xFFFF_FFFF_FFFF_FFFF) for v in values)


def segment_table(sizes):
    table = struct.pack("<I", len(sizes) - 1) + b"".join(struct.pack("<I", s) for s in sizes)
    return table + (b"\0" * 4 if len(sizes) % 2 == 0 else b"")


def struct_ptr(offset, data_words, pointers):
    return ((offset & 0x3FFF_FFFF) << 2) | (data_words << 32) | (pointers << 48)


def list_ptr(offset, size, count):
    return ((offset & 0x3FFF_FFFF) << 2) | 1 | (size << 32) | (count << 35)


def far_ptr(pad, segment, double=False):
    return 2 | (4 if double else 0) | (pad << 3) | (segment << 32)


def capnp_seeds(out):
    schema = ROOT / "tests/lib/capnp/test.capnp"
    messages = {
        "empty": "()",
        "scalars": "(boolField = true, int8Field = -3, int16Field = 300, int32Field = -70000, "
                   "int64Field = 1234567890123, uint8Field = 200, uint16Field = 60000, "
                   "uint32Field = 4000000000, uint64Field = 18446744073709551615, "
                   "float32Field = 1.5, float64Field = -2.25, enumField = blue)",
        "blobs": '(textField = "hello", dataField = 0x"00ff10", structField = (id = 7, '
                 'name = "inner", flag = true, values = [1, -2, 3]))',
        "lists": "(voidList = [void, void], boolList = [true, false, true], int8List = [1, -1], "
                 "int16List = [2], int32List = [3, 4], int64List = [5], uint8List = [6, 7, 8], "
                 "uint16List = [9], uint32List = [10], uint64List = [11], "
                 "float32List = [1.0], float64List = [2.0], textList = [\"a\", \"bc\"], "
                 "dataList = [0x\"01\"], enumList = [red, violet])",
        "nested": "(structList = [(id = 1, name = \"x\"), (id = 2, values = [5, 6])], "
                  "listList = [[1, 2], [], [3]], textListList = [[\"a\"], [\"b\", \"c\"]], "
                  "structListList = [[(id = 3)], []], smallList = [(tiny = 1), (tiny = 2)])",
        "union-word": "(choice = (word = \"union text\"), group = (x = 5, y = \"gy\", "
                      "innerChoice = (b = 0x\"beef\")))",
        "union-nested": "(choice = (nested = (id = 9, name = \"n\")), "
                        "group = (innerChoice = (a = -5)))",
        "union-numbers": "(choice = (numbers = [1, 2, 3]))",
    }
    for name, text in messages.items():
        (out / f"{name}.bin").write_bytes(capnp_encode(schema, "AllTypes", text))
    # Hand-made layouts libcapnp's encoder does not emit from text: far pointers (single and
    # double), a capability pointer, an inline-composite list and a struct read as a list.
    (out / "far-single.bin").write_bytes(
        segment_table([1, 3]) + words(far_ptr(0, 1))
        + words(struct_ptr(0, 1, 1), 0x2A, list_ptr(-3, 2, 0)))
    (out / "far-double.bin").write_bytes(
        segment_table([1, 2, 2]) + words(far_ptr(0, 1, double=True))
        + words(far_ptr(0, 2), struct_ptr(0, 1, 1)) + words(0x1234, 3 | (5 << 32)))
    (out / "composite.bin").write_bytes(
        segment_table([6]) + words(struct_ptr(0, 0, 1), list_ptr(0, 7, 4),
                                   (2 << 2) | (1 << 32) | (1 << 48), 1, 0, 2, 0))



# lib/capnp's reader limits, one message per rule (each reader CapnpError but the unreachable
# MessageSizeOverflow). tests/lib/capnp/limit_seeds_test.cpp replays the checked-in copies
# (corpus/<target>/seed-limit-*.bin) and asserts the exact error, and libcapnp's reading of each
# differential seed (rejected, or accepted where lib/capnp's rule is a documented stricter one).
# Pointer slots are AllTypes' (tests/lib/capnp/test.capnp, `capnp compile -ocapnp` shows them):
# ptr[0] textField, ptr[3] voidList, ptr[6] int16List, ptr[17] structList, ptr[22] smallList,
# ptr[32] recursive. A root of `pointers` pointer slots, the last one `last`, then `tail`:
def root_with(pointers, last, *tail):
    return words(struct_ptr(0, 0, pointers), *([0] * (pointers - 1)), last, *tail)


def one_segment(segment):
    return segment_table([len(segment) // 8]) + segment


CAPNP_LIMIT_SEEDS = {
    "capnp_differential": {
        # Segment table.
        "TruncatedSegmentTable": struct.pack("<II", 1, 0),  # two segments, one size given
        "TooManySegments": segment_table([1] + [0] * 64) + words(0),  # 65; libcapnp takes 512
        "SegmentOutOfBounds": segment_table([100]) + words(0),
        # Not a whole number of words: libcapnp gets a zero-padded copy whose segment is whole.
        "SegmentOutOfBounds-padded": segment_table([2]) + words(struct_ptr(0, 1, 0))
                                     + b"\x2a\0\0\0",
        "MissingRootPointer": segment_table([0]),
        # Pointers.
        "PointerOutOfBounds": one_segment(words(struct_ptr(10, 1, 0))),
        "PointerOutOfBounds-list": one_segment(root_with(1, list_ptr(0, 2, 100))),
        # An empty struct at a wild offset: libcapnp clamps it and reads the defaults.
        "PointerOutOfBounds-empty": one_segment(words(struct_ptr(100, 0, 0))),
        # The same through a double far: the pad names word 5 of the one-word segment 0, the tag
        # an empty struct (libcapnp clamps; lib/capnp rejects the position).
        "PointerOutOfBounds-empty-double-far": segment_table([1, 2]) + words(
            far_ptr(0, 1, double=True)) + words(far_ptr(5, 0), struct_ptr(0, 0, 0)),
        "BadPointerKind": one_segment(words(list_ptr(0, 2, 0))),
        "BadPointerKind-capability": one_segment(words(3 | (5 << 32))),
        "WrongElementSize": one_segment(root_with(7, list_ptr(0, 1, 3), 0b101)),  # bits as Int16
        "TextNotNulTerminated": one_segment(root_with(1, list_ptr(0, 2, 2), 0x6968)),  # "hi"
        # List bounds.
        "BadInlineCompositeTag": one_segment(
            root_with(18, list_ptr(0, 7, 1), list_ptr(0, 2, 0), 0)),  # the tag is a list
        "InlineCompositeOverrun": one_segment(
            root_with(18, list_ptr(0, 7, 2), struct_ptr(5, 1, 0), 0, 0)),  # 5 words in 2
        # Far pointers.
        "UnknownSegment": one_segment(words(far_ptr(0, 5))),
        "LandingPadOutOfBounds": segment_table([1, 1]) + words(far_ptr(4, 1)) + words(0),
        "BadLandingPad": segment_table([1, 1, 1]) + words(far_ptr(0, 1)) + words(far_ptr(0, 2))
                         + words(struct_ptr(0, 0, 0)),  # a single-far pad that is far again
        # A double-far pad whose first word is itself a double far (to segment 2, word 0):
        # libcapnp 0.9.2 checks only that it is far, and reads the struct the tag describes.
        "BadLandingPad-double": segment_table([1, 2, 1]) + words(far_ptr(0, 1, double=True))
                                + words(far_ptr(0, 2, double=True), struct_ptr(0, 1, 0))
                                + words(0x2A),
        # Traversal: 2^29 - 1 Void elements, 100000 zero-sized structs (one word each).
        "TraversalLimitExceeded": one_segment(root_with(4, list_ptr(0, 0, (1 << 29) - 1))),
        "TraversalLimitExceeded-empty-structs": one_segment(
            root_with(23, list_ptr(0, 7, 0), struct_ptr(100000, 0, 0))),
        # Nesting: `recursive` points back at its own struct.
        "NestingLimitExceeded": one_segment(root_with(33, struct_ptr(-33, 0, 33))),
    },
    "capnp_read": {
        "TrailingBytes": segment_table([1]) + words(0) + words(0),
        # A list of two pointers; the harness reads one element past the end.
        "IndexOutOfRange": one_segment(words(list_ptr(0, 6, 2), 0, 0)),
    },
}


def capnp_limit_seeds(dirs):
    for target, seeds in CAPNP_LIMIT_SEEDS.items():
        for name, message in seeds.items():
            (dirs[target] / f"limit-{name}.bin").write_bytes(message)


MANIFEST_TEXT = (
    '(schemaVersion = 1, binaries = [(name = "init", elf = 0x"7f454c46"), '
    '(name = "net", elf = 0x"7f454c4601"), (name = "app", elf = 0x"7f454c4602")], '
    'initConfig = (init = "init", services = ['
    '(name = "net", binary = "net", caps = [(name = "console", source = (kernel = console)), '
    '(name = "server", source = (kernel = endpoint), interfaceId = 0xa733e5344a72d530)], '
    'exports = [(name = "socket", cap = "server")]), '
    '(name = "app", binary = "app", caps = [(name = "console", source = (kernel = console)), '
    '(name = "timer", source = (kernel = timer)), '
    '(name = "net", source = (service = (service = "net", export = "socket")), badge = 7, '
    'interfaceId = 0x95bf5cd13340058d)], exports = [])]), '
    'kernelParams = (motd = "capOS test"))')


def manifest_seeds(out):
    schema = ROOT / "schema/capos.capnp"
    valid = capnp_encode(schema, "SystemManifest", MANIFEST_TEXT)
    (out / "valid.bin").write_bytes(valid)
    (out / "minimal.bin").write_bytes(capnp_encode(
        schema, "SystemManifest",
        '(schemaVersion = 1, binaries = [(name = "init", elf = 0x"7f")], '
        'initConfig = (init = "init", services = []), kernelParams = (motd = ""))'))
    (out / "missing-fields.bin").write_bytes(capnp_encode(schema, "SystemManifest",
                                                          "(schemaVersion = 1)"))
    (out / "long-motd.bin").write_bytes(capnp_encode(
        schema, "SystemManifest", MANIFEST_TEXT.replace('"capOS test"', '"' + "m" * 300 + '"')))
    (out / "self-import.bin").write_bytes(capnp_encode(
        schema, "SystemManifest",
        MANIFEST_TEXT.replace('(service = "net", export', '(service = "app", export')))


def json_seeds(out):
    system = json.loads((ROOT / "system.json").read_text())
    (out / "system.json").write_text(json.dumps(system, indent=1))
    base = {
        "schemaVersion": 1,
        "binaries": [{"name": "init", "path": "user/init/init.elf"},
                     {"name": "net", "path": "net.elf"}, {"name": "app", "path": "app.elf"}],
        "initConfig": {"init": "init", "services": [
            {"name": "net", "binary": "net",
             "caps": [{"name": "console", "source": {"kernel": "console"}},
                      {"name": "server", "source": {"kernel": "endpoint"}}],
             "exports": [{"name": "socket", "cap": "server"}]},
            {"name": "app", "binary": "app",
             "caps": [{"name": "net", "badge": 7,
                       "source": {"service": {"service": "net", "export": "socket"}}}]},
            {"name": "log", "binary": "app",
             "caps": [{"name": "net",
                       "source": {"service": {"service": "net", "export": "socket"}}}]}]},
        "kernelParams": {"motd": "hello"}}
    (out / "fixture.json").write_text(json.dumps(base))
    # The root's traps (fuzz/mkmanifest_json.cpp): each path must be refused or stay inside.
    for trap in ["escape", "absolute", "up/secret.elf", "../secret.elf", "/etc/passwd", "dir",
                 "fifo", "empty.elf", "inside", "loop", "user/../net.elf", "a"]:
        variant = json.loads(json.dumps(base))
        variant["binaries"][1]["path"] = trap
        (out / f"path-{trap.replace('/', '_').replace('.', '_')}.json").write_text(
            json.dumps(variant))
    (out / "all-kernel-caps.json").write_text(json.dumps({
        "schemaVersion": 1, "binaries": [{"name": "init", "path": "a"}],
        "initConfig": {"init": "init", "services": [{"name": "s", "binary": "init", "caps": [
            {"name": k.lower(), "source": {"kernel": k}, "interfaceId": "0x1"}
            for k in ["console", "timer", "frameAllocator", "virtualMemory",
                      "capabilityManager", "endpoint"]], "exports": []}]},
        "kernelParams": {"motd": "x"}}))


def ring_seeds(out):
    rng = random.Random(20261127)
    for i in range(12):
        (out / f"program-{i:02}.bin").write_bytes(bytes(rng.randrange(256) for _ in range(400)))


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("out")
    parser.add_argument("--elf", nargs="*", default=[])
    args = parser.parse_args()
    out = Path(args.out)
    dirs = {t: out / t for t in ["elf_parse", "capnp_read", "capnp_differential",
                                 "manifest_decode", "manifest_roundtrip", "mkmanifest_json",
                                 "ring_dispatch"]}
    for d in dirs.values():
        d.mkdir(parents=True, exist_ok=True)
    elf_seeds(dirs["elf_parse"], args.elf)
    capnp_seeds(dirs["capnp_read"])
    manifest_seeds(dirs["manifest_decode"])
    for name in ("capnp_read", "manifest_decode"):
        for seed in dirs[name].iterdir():  # each capnp target also reads the others' messages
            for other in ("capnp_read", "capnp_differential", "manifest_decode",
                          "manifest_roundtrip"):
                shutil.copyfile(seed, dirs[other] / f"{name}-{seed.name}")
    capnp_limit_seeds(dirs)  # after the copies: each is replayed against its own target
    json_seeds(dirs["mkmanifest_json"])
    ring_seeds(dirs["ring_dispatch"])


if __name__ == "__main__":
    main()
