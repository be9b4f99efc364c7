#!/usr/bin/env python3
"""Schema fields are read and written only through the generated code (F-040).

Checks every C++ file under lib/, kernel/ and user/ of ROOT (default: the repository), except
lib/capnp/ (the wire-format library itself) and lib/gen/ (the generated code and its runtime):
none may use lib/capnp's layout API, with which a field's pointer index, data offset or union
discriminant has to be written by hand beside the generated accessors that already know it
(the drift gate gate.generated_code sees the generated code, never such a hand copy):
  * the layout types StructReader, ListReader, PointerReader, StructBuilder, ListBuilder,
    PointerBuilder, DefaultValue;
  * the escapes from generated views to them: `.raw()`, and MessageReader::root() /
    root_pointer() / MessageBuilder::init_root() (use gen::read_root<S>() / gen::init_root<S>()).
Comments and string literals are ignored. No folder is exempt (not even host/). Prints one line
per use (path:line: message) and exits 1 if there is any.
"""
import pathlib
import re
import sys

CHECKED = ("lib", "kernel", "user")
EXEMPT = ("lib/capnp/", "lib/gen/")
SUFFIXES = {".h", ".hpp", ".cpp", ".cc", ".inc"}
LAYOUT_TYPES = ("StructReader", "ListReader", "PointerReader", "StructBuilder", "ListBuilder",
                "PointerBuilder", "DefaultValue")
PATTERNS = [(re.compile(rf"\b{name}\b"), name) for name in LAYOUT_TYPES] + [
    (re.compile(r"(\.|->)\s*raw\s*\(\s*\)"), ".raw()"),
    (re.compile(r"(\.|->)\s*root\s*\("), ".root()"),
    (re.compile(r"(\.|->)\s*root_pointer\s*\("), ".root_pointer()"),
    (re.compile(r"(\.|->)\s*init_root\s*\("), ".init_root()"),
]
# Comments, string and character literals, replaced by spaces so line numbers stay right.
LEXEMES = re.compile(r'//[^\n]*|/\*.*?\*/|"(?:\\.|[^"\\\n])*"|\'(?:\\.|[^\'\\\n])*\'', re.S)


def blank(match: re.Match) -> str:
    return re.sub(r"[^\n]", " ", match.group(0))


def check(root: pathlib.Path) -> list[str]:
    problems = []
    for top in CHECKED:
        base = root / top
        if not base.is_dir():
            continue
        for path in sorted(base.rglob("*")):
            if path.suffix not in SUFFIXES or not path.is_file():
                continue
            relative = path.relative_to(root).as_posix()
            if relative.startswith(EXEMPT):
                continue
            code = LEXEMES.sub(blank, path.read_text(errors="replace"))
            for number, line in enumerate(code.splitlines(), 1):
                for pattern, name in PATTERNS:
                    if pattern.search(line):
                        problems.append(
                            f"{relative}:{number}: {name}: lib/capnp's layout API outside "
                            "lib/capnp/ and lib/gen/; read and write schema fields through the "
                            "generated accessors (lib/gen/capos.capnp.h), not by index or offset")
    return problems


def main(argv: list[str]) -> int:
    root = pathlib.Path(argv[1] if len(argv) > 1 else pathlib.Path(__file__).resolve().parents[2])
    if not root.is_dir():
        print(f"schema_access: {root}: not a directory", file=sys.stderr)
        return 2
    problems = check(root)
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems:
        print(f"schema_access: {len(problems)} use(s) of the layout API", file=sys.stderr)
        return 1
    print("schema_access: schema fields are reached only through generated code")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
