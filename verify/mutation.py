"""Textual mutation of shipped source: the one implementation behind every mutant generator.

A mutant is one textual change (`find` -> `replace`) to one file of the shipped tree. The
`find` text must occur exactly once, so a change to the shipped code that makes a mutation
stale fails the build instead of silently testing nothing; and a mutant must change the text.
Used by verify/models/ring/mutants.py (the ring protocol, Tier 3) and verify/bounded/mutants.py
(lib/cap, lib/mem, lib/elf, Tier 4). Python 3 standard library only.
"""
from __future__ import annotations

import pathlib
import re
from typing import Iterable


class MutationError(SystemExit):
    """A mutant that cannot be applied: the generator exits non-zero with this message."""


def ident(name: str) -> str:
    """A C/CMake identifier for a mutant name ("cap-no-bump" -> "cap_no_bump")."""
    return re.sub(r"[^a-z0-9]", "_", name.lower())


def apply(text: str, find: str, replace: str, *, name: str, source: str, generator: str) -> str:
    """`text` with its one occurrence of `find` replaced; fails unless it occurs exactly once."""
    count = text.count(find)
    if count != 1:
        raise MutationError(f"{generator}: {name}: the text to mutate occurs {count} times in "
                            f"{source} (expected once); update {generator}")
    if find == replace:
        raise MutationError(f"{generator}: {name}: the mutation does not change {source}")
    return text.replace(find, replace)


def check_names(names: Iterable[str], generator: str) -> None:
    """Mutant names must be unique, also after ident() (they name files, targets and tests)."""
    seen: dict[str, str] = {}
    for name in names:
        key = ident(name)
        if key in seen:
            raise MutationError(f"{generator}: duplicate mutant name {name!r} (as {seen[key]!r})")
        seen[key] = name


def write_if_changed(path: pathlib.Path, text: str) -> None:
    """Writes only when the content differs, so unchanged mutants are not rebuilt."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists() or path.read_text() != text:
        path.write_text(text)
