"""What the boot images are compiled from, read from a configured build directory.

Shared by check_headers.py and unsafe_surface.py (standard library only). The boot code is every
translation unit whose object is an input, direct or transitive, of the Ninja targets that make
the boot images. The images are the ELF files (`*.elf`: the kernel and every user program) among
the transitive inputs of the targets that make what QEMU boots — `capos_iso` (kernel + default
manifest), `capos_test_manifests` and every `capos_manifest_*`; host tools that feed those
targets (mkmanifest) are not images, so their objects are not boot code.
So a folder name, a file suffix or a place in the tree can never take a file the kernel or a
user program compiles out of the audits: the gates ask the build what it compiles.
"""
import json
import pathlib
import re
import shlex
import shutil
import subprocess

BOOT_TARGET = re.compile(r"^(?:capos_iso|capos_test_manifests|capos_manifest_\w+)$")


class BuildGraphError(Exception):
    """The build directory cannot answer (not configured, not Ninja, no boot targets)."""


def compile_entries(build: pathlib.Path) -> list[dict]:
    """compile_commands.json as dicts: file (resolved Path), argv, directory, output (Path|None)."""
    database = build / "compile_commands.json"
    if not database.is_file():
        raise BuildGraphError(f"{database}: missing (configure the build first)")
    try:
        raw = json.loads(database.read_text())
    except ValueError as error:
        raise BuildGraphError(f"{database}: not JSON: {error}") from error
    entries = []
    for entry in raw:
        directory = pathlib.Path(entry["directory"])
        argv = entry.get("arguments") or shlex.split(entry["command"])
        output = None
        for index, argument in enumerate(argv[:-1]):
            if argument == "-o":
                output = (directory / argv[index + 1]).resolve()
        entries.append({"file": (directory / entry["file"]).resolve(), "argv": argv,
                        "directory": str(directory), "output": output})
    return entries


def _ninja(build: pathlib.Path, *arguments: str) -> list[str]:
    ninja = shutil.which("ninja")
    if ninja is None:
        raise BuildGraphError("ninja not found (the boot-code graph is read from build.ninja)")
    if not (build / "build.ninja").is_file():
        raise BuildGraphError(f"{build}/build.ninja: missing (configure with the Ninja presets)")
    result = subprocess.run([ninja, "-C", str(build), *arguments], capture_output=True,
                            text=True, check=False)
    if result.returncode != 0:
        raise BuildGraphError(f"ninja {' '.join(arguments)}: {result.stderr.strip()}")
    return [line for line in result.stdout.splitlines() if line and not line.startswith("ninja:")]


def boot_images(build: pathlib.Path) -> list[str]:
    """The ELF images (build-relative paths) the boot targets are made from."""
    targets = sorted({line.split(":", 1)[0] for line in _ninja(build, "-t", "targets", "all")
                      if BOOT_TARGET.match(line.split(":", 1)[0])})
    if not targets:
        raise BuildGraphError(f"{build}/build.ninja: no boot targets (capos_iso, "
                              "capos_test_manifests, capos_manifest_*)")
    images = sorted(path for path in _ninja(build, "-t", "inputs", *targets)
                    if path.endswith(".elf"))
    if not images:
        raise BuildGraphError(f"{build}/build.ninja: the boot targets ({', '.join(targets)}) "
                              "are made from no *.elf image")
    return images


def boot_objects(build: pathlib.Path) -> set[pathlib.Path]:
    """Every object file the boot images are linked from (resolved paths)."""
    return {(build / path).resolve() for path in _ninja(build, "-t", "inputs", *boot_images(build))
            if path.endswith((".o", ".obj"))}


def boot_units(build: pathlib.Path) -> list[dict]:
    """The compile entries whose object goes into a boot image (see the module docstring)."""
    objects = boot_objects(build)
    units = [entry for entry in compile_entries(build) if entry["output"] in objects]
    if not units:
        raise BuildGraphError(f"{build}: no compile command produces an object of the boot "
                              "targets (stale compile_commands.json?)")
    return units
