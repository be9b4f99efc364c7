#!/usr/bin/env python3
"""Untrusted-path abort audit (seed Tier 1 "panic/unwrap on untrusted paths"; STYLE.md "Errors").

Every fatal site in the trusted code (lib/, including the generated lib/gen/, kernel/, user/) is
listed in a checked-in inventory, docs/abort-inventory.txt, with a class and a one-line reason:

  invariant     unreachable unless the kernel (or lib/ code) itself is wrong; names the invariant
  boot          before any user code runs, on trusted boot inputs or hardware facts
  user-process  kills only the offending process (in phase 2 that ends the boot, by design)
  host-only     compiled only into host builds (tests, tools), never into the kernel or a program

A fatal site reachable from hostile input (SQE fields, user pointers, ELF or manifest bytes) fits
none of these: it is a finding (docs/REVIEW_FINDINGS.md) until it returns an error instead.

Kinds of fatal site (matched outside comments; string contents only count for asm):
  KASSERT capos_panic fail_boot exit_emulator  the kernel's stop paths (lib/core/panic.h,
                                               kernel/lib/fatal.h, Arch::exit_emulator)
  __builtin_trap __builtin_unreachable std::unreachable abort terminate assert
  result_take   an explicit Result `.take()` / `.value()` (KASSERTs on an error; `*r` and `r->`
                are covered by the result.h sites and the checked-results host builds, see
                docs/REVIEW.md)
  ud2 debug_exit_fail                          assembly (.S files and asm strings)
  rt_exit       rt::exit in user/ (a user program's own end, listed so its fatal paths are visible)
Declarations and definitions of capos_panic/fail_boot/exit_emulator are not sites; their bodies
are scanned like any other code.

A site's key is `path | function | kind | `statement``: the enclosing function (class-qualified;
`macro:NAME` inside a #define, the nearest label in .S), and the statement's text with comments
removed and whitespace collapsed (`#2`, `#3` … for identical statements in one function). Line
numbers are shown but are not part of the key, so edits elsewhere in a file do not churn it.

Inventory format (two lines per site; `#` lines and blank lines are comments):
  lib/cap/cap_table.h | CapTable::~CapTable | KASSERT | `KASSERT(m_reserved == 0)`
      invariant: every Reservation is committed or released before its table dies

Usage:
  abort_audit.py check  [--root R] [--inventory FILE]   exit 1, one line per problem
  abort_audit.py update [--root R] [--inventory FILE]   rewrite, keeping classes; new = UNCLASSIFIED
  abort_audit.py list   [--root R]                      every site with its line (for reviewers)
Exit 0 when clean, 1 with one line per problem, 2 on usage errors.
"""
import argparse
import collections
import pathlib
import re
import sys

SCANNED_TOPS = ("lib", "kernel", "user")
CXX_SUFFIXES = {".h", ".hpp", ".cpp", ".cc", ".c", ".inc"}
ASM_SUFFIXES = {".S", ".s"}
CLASSES = ("invariant", "boot", "user-process", "host-only")
UNCLASSIFIED = "UNCLASSIFIED"
DEFAULT_INVENTORY = "docs/abort-inventory.txt"
PROG = "abort-audit"

QUAL = r"(?:(?:::)?\w+::)*"
# Matched on code with comments and string contents blanked.
CXX_KINDS = (
    ("KASSERT", re.compile(r"(?<![\w.>:])KASSERT\s*\(")),
    ("capos_panic", re.compile(QUAL + r"\bcapos_panic\s*\(")),
    ("fail_boot", re.compile(QUAL + r"\bfail_boot\s*\(")),
    ("exit_emulator", re.compile(QUAL + r"\bexit_emulator\s*\(")),
    ("__builtin_trap", re.compile(r"\b__builtin_trap\s*\(")),
    ("__builtin_unreachable", re.compile(r"\b__builtin_unreachable\s*\(")),
    ("std::unreachable", re.compile(r"\bstd::unreachable\s*\(")),
    ("abort", re.compile(r"(?<![\w.>])(?:std::|::)?abort\s*\(")),
    ("terminate", re.compile(r"(?<![\w.>])(?:std::|::)?terminate\s*\(")),
    ("assert", re.compile(r"(?<![\w.>:])assert\s*\(")),
    ("result_take", re.compile(r"\.\s*(?:take|value)\s*\(\s*\)")),
)
USER_ONLY_KINDS = (("rt_exit", re.compile(r"\brt::exit\s*\(")),)
# Matched on code with comments removed but strings kept (asm statements are strings).
CXX_ASM_UD2 = re.compile(r'"[^"\n]*\bud2\b')
ASM_KINDS = (
    ("ud2", re.compile(r"^\s*(?:[\w.]+:\s*)?ud2\b")),
    ("debug_exit_fail", re.compile(r"\$DEBUG_EXIT_FAIL\b")),
)
# `void capos_panic(`, `void Platform::exit_emulator(`: a declaration or definition, not a call.
DECLARATION = re.compile(r"\bvoid\s+(?:\w+::)*$")
CONTROL = {"if", "for", "while", "switch", "catch", "do", "else", "try", "return", "sizeof",
           "alignof", "decltype", "requires", "noexcept", "static_assert"}
ASM_LABEL = re.compile(r"^\s*([A-Za-z_.$][\w.$]*):")


class UsageError(Exception):
    pass


Site = collections.namedtuple("Site", "path line function kind statement")


# ------------------------------------------------------------------------------------------------
# Lexing: comments out, strings kept or blanked, newlines preserved so offsets map to lines.

def strip_cxx(text: str):
    """Returns (code, blanked): comments replaced by spaces; in `blanked` also the contents of
    string and character literals. Both keep every newline, so offsets give line numbers."""
    code, blanked = [], []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            code.append(" " * (j - i))
            blanked.append(" " * (j - i))
            i = j
        elif text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            chunk = re.sub(r"[^\n]", " ", text[i:j])
            code.append(chunk)
            blanked.append(chunk)
            i = j
        elif c in "\"'":
            raw = re.match(r'R"([^(\s]*)\(', text[i - 1:i + 20]) if c == '"' and i > 0 else None
            if raw and text[i - 1] == "R":
                end = text.find(")" + raw.group(1) + '"', i)
                j = n if end < 0 else end + len(raw.group(1)) + 2
            else:
                j = i + 1
                while j < n and text[j] != c and text[j] != "\n":
                    j += 2 if text[j] == "\\" else 1
                j = min(j + 1, n)
            literal = text[i:j]
            code.append(literal)
            blanked.append(c + re.sub(r"[^\n]", " ", literal[1:-1]) + literal[-1:])
            i = j
        else:
            code.append(c)
            blanked.append(c)
            i += 1
    return "".join(code), "".join(blanked)


def preprocessor_spans(blanked: str):
    """Yields (start, end, macro-name-or-None) for each directive, continuation lines included."""
    for match in re.finditer(r"(?m)^[ \t]*#(?:[^\n\\]|\\\n|\\)*", blanked):
        name = re.match(r"[ \t]*#\s*define\s+(\w+)", match.group(0))
        yield match.start(), match.end(), name.group(1) if name else None


# ------------------------------------------------------------------------------------------------
# Enclosing functions: a brace scanner over the blanked code with directives removed.

def _collapse_groups(header: str) -> str:
    """Drops [[attributes]], __attribute__((...)), alignas(...) and nested {...} groups."""
    header = re.sub(r"\[\[.*?\]\]", " ", header, flags=re.S)
    header = re.sub(r"__attribute__\s*\(\(.*?\)\)", " ", header, flags=re.S)
    template = re.search(r"\btemplate\s*<", header)
    if template:  # drop `template <...>` (its default arguments would look like initialisers)
        depth, index = 1, template.end()
        while index < len(header) and depth:
            depth += {"<": 1, ">": -1}.get(header[index], 0)
            index += 1
        header = header[:template.start()] + " " + header[index:]
    while True:
        reduced = re.sub(r"\{[^{}]*\}", " ", header)
        if reduced == header:
            return header
        header = reduced


def _classify_brace(header: str):
    """('namespace'|'class'|'function'|'control'|'init', name) for the `{` ending `header`."""
    h = _collapse_groups(header).strip()
    h = re.sub(r"^(?:public|private|protected)\s*:", "", h).strip()
    if re.search(r"\bnamespace\b", h):
        return "namespace", None
    if h.count("(") > h.count(")"):
        return "init", None  # a braced argument: `f(x, {})`
    depth, first_paren = 0, -1
    for index, ch in enumerate(h):
        if ch == "<":
            depth += 1
        elif ch == ">" and depth > 0:
            depth -= 1
        elif ch == "(" and first_paren < 0:
            first_paren = index
            break
    prefix = h if first_paren < 0 else h[:first_paren]
    kind_match = re.search(r"\b(class|struct|union|enum)\b(?:\s+(?:class|struct))?\s+(\w+)", prefix)
    if kind_match and "=" not in prefix:
        return "class", kind_match.group(2)
    if first_paren < 0:
        word = re.search(r"(\w+)\s*$", h)
        if word and word.group(1) in CONTROL:
            return "control", None
        return "init", None
    name = re.search(r"((?:~?\w+\s*::\s*)*(?:operator\s*(?:\(\)|\[\]|[^\s(]+)|~?\w+))\s*$", prefix)
    if not name or (prefix.rstrip().endswith("]") and "operator" not in name.group(1)):
        return "control", None  # lambda or something we do not name: transparent
    qualified = re.sub(r"\s+", "", name.group(1))
    base = qualified.split("::")[-1]
    if base in CONTROL:
        return "control", None
    if re.search(r"(?:[=,(]|\breturn)\s*$", prefix[: name.start()]) and "::" not in qualified:
        return "init", None  # `= Foo(...) {` or `return Foo(x) {`: not a definition
    if not re.search(r"\)\s*(?:const|noexcept(?:\([^)]*\))?|override|final|volatile|&&|&|"
                     r"->\s*[\w:<>,*& ]+|requires\b.*|\s)*(?::.*)?$", h, flags=re.S):
        return "init", None
    return "function", qualified


def function_map(blanked: str):
    """Returns a sorted list of (start, end, function-name) for every function body."""
    text = list(blanked)
    for start, end, _ in preprocessor_spans(blanked):
        for k in range(start, end):
            if text[k] != "\n":
                text[k] = " "
    text = "".join(text)
    stack = []  # entries: [kind, name, open-offset]
    header_start = [0]
    bodies = []
    for index, ch in enumerate(text):
        if ch == ";":
            header_start[-1] = index + 1
        elif ch == "{":
            kind, name = _classify_brace(text[header_start[-1]:index])
            stack.append([kind, name, index])
            header_start.append(index + 1)
        elif ch == "}" and stack:
            kind, name, opened = stack.pop()
            header_start.pop()
            if kind == "function":
                classes = [entry[1] for entry in stack if entry[0] == "class"]
                if "::" not in name and classes:
                    name = "::".join(classes + [name])
                outer = [entry for entry in stack if entry[0] == "function"]
                if not outer:
                    bodies.append((opened, index, name))
            if kind != "init":
                header_start[-1] = index + 1
    return sorted(bodies)


def enclosing(bodies, macros, offset):
    for start, end, name in macros:
        if start <= offset < end:
            return "macro:" + (name or "directive")
    best = "-"
    for start, end, name in bodies:
        if start <= offset <= end:
            best = name
        elif start > offset:
            break
    return best


# ------------------------------------------------------------------------------------------------
# Scanning.

def _balanced(code: str, start: int) -> str:
    """The call starting at `start`: through the parenthesis that closes the first `(`."""
    open_at = code.find("(", start)
    if open_at < 0:
        return code[start:start + 80]
    depth = 0
    for index in range(open_at, min(len(code), open_at + 2000)):
        if code[index] == "(":
            depth += 1
        elif code[index] == ")":
            depth -= 1
            if depth == 0:
                return code[start:index + 1]
    return code[start:open_at + 80]


def normalise(statement: str) -> str:
    statement = re.sub(r"\\\n", " ", statement)  # macro continuation lines
    return re.sub(r"\s+", " ", statement).replace("`", "'").strip()


def scan_cxx(rel: str, text: str):
    code, blanked = strip_cxx(text)
    macros = list(preprocessor_spans(blanked))
    line_of = _line_index(text)
    kinds = list(CXX_KINDS) + (list(USER_ONLY_KINDS) if rel.startswith("user/") else [])
    found = []
    for kind, pattern in kinds:
        for match in pattern.finditer(blanked):
            if kind in ("capos_panic", "fail_boot", "exit_emulator") and \
                    DECLARATION.search(blanked[max(0, match.start() - 80):match.start()]):
                continue
            if re.search(r"\{\s*$", blanked[max(0, match.start() - 40):match.start()]) and \
                    re.match(r"[^{};]*\}\s*->", blanked[match.end():match.end() + 200]):
                continue  # a concept's requirement `{ A::f(x) } -> T;`, not a call
            if kind == "result_take" and rel == "lib/core/result.h" and \
                    not any(s <= match.start() < e for s, e, _ in macros):
                continue  # Result's own members forwarding to each other
            statement = _balanced(code, match.start()) if kind != "result_take" else \
                _statement_around(code, match.start())
            found.append((match.start(), kind, statement))
    for match in CXX_ASM_UD2.finditer(code):
        found.append((match.start(), "ud2", "asm: " + _line_text(code, match.start())))
    bodies = function_map(blanked) if found else []
    return [Site(rel, line_of(offset), enclosing(bodies, macros, offset), kind, normalise(stmt))
            for offset, kind, stmt in sorted(found)]


def _statement_around(code: str, offset: int) -> str:
    start = max(code.rfind(";", 0, offset), code.rfind("{", 0, offset), code.rfind("}", 0, offset))
    end = code.find(";", offset)
    return code[start + 1:end if end >= 0 else offset + 40]


def _line_text(code: str, offset: int) -> str:
    start = code.rfind("\n", 0, offset) + 1
    end = code.find("\n", offset)
    return code[start:end if end >= 0 else len(code)]


def _line_index(text: str):
    starts = [0] + [m.end() for m in re.finditer("\n", text)]

    def line_of(offset):
        lo, hi = 0, len(starts) - 1
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if starts[mid] <= offset:
                lo = mid
            else:
                hi = mid - 1
        return lo + 1
    return line_of


def scan_asm(rel: str, text: str):
    code, _ = strip_cxx(text)
    sites, label = [], "-"
    for number, line in enumerate(code.split("\n"), start=1):
        label_match = ASM_LABEL.match(line)
        if label_match:
            label = label_match.group(1)
        for kind, pattern in ASM_KINDS:
            if pattern.search(line):
                sites.append(Site(rel, number, label, kind, normalise(line)))
    return sites


def scan_tree(root: pathlib.Path):
    sites = []
    for top in SCANNED_TOPS:
        base = root / top
        if not base.is_dir():
            continue
        for path in sorted(base.rglob("*")):
            if not path.is_file() or path.is_symlink():
                continue
            rel = path.relative_to(root).as_posix()
            if path.suffix in CXX_SUFFIXES:
                sites += scan_cxx(rel, path.read_text(encoding="utf-8", errors="replace"))
            elif path.suffix in ASM_SUFFIXES:
                sites += scan_asm(rel, path.read_text(encoding="utf-8", errors="replace"))
    return sites


def keyed(sites):
    """[(key, site)] with `#n` appended to repeated (path, function, kind, statement)."""
    seen = collections.Counter()
    result = []
    for site in sites:
        base = (site.path, site.function, site.kind, site.statement)
        seen[base] += 1
        statement = site.statement if seen[base] == 1 else f"{site.statement}#{seen[base]}"
        result.append((f"{site.path} | {site.function} | {site.kind} | `{statement}`", site))
    return result


# ------------------------------------------------------------------------------------------------
# The inventory.

KEY_LINE = re.compile(r"^(\S[^|]*?) \| (.+?) \| (\S+?) \| `(.*)`$")
CLASS_LINE = re.compile(r"^\s+(\S+?):\s*(.*)$")

HEADER = """\
# Abort inventory: every fatal site in lib/ (generated lib/gen/ included), kernel/ and user/,
# with its class (tools/audit/abort_audit.py; docs/REVIEW.md "Abort inventory").
#   invariant     unreachable unless the kernel or lib/ code is wrong (the reason names it)
#   boot          before any user code runs, on trusted boot inputs or hardware facts
#   user-process  kills only the offending process (phase 2: that ends the boot, by design)
#   host-only     compiled only into host builds (tests, tools)
# A site reachable from hostile input (SQEs, user pointers, ELF or manifest bytes) is a finding.
# Regenerate with `make abort-audit-update` (keeps classes; new sites are UNCLASSIFIED), then
# classify each new site by hand. Key: path | function | kind | `statement`.
"""


def read_inventory(path: pathlib.Path):
    """{key: (class, reason, line_number)} plus a list of format problems."""
    entries, problems = {}, []
    if not path.is_file():
        return entries, [f"{path}: inventory missing (run make abort-audit-update)"]
    lines = path.read_text(encoding="utf-8").split("\n")
    pending = None
    for number, line in enumerate(lines, start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        key_match = KEY_LINE.match(line)
        if key_match:
            if pending:
                problems.append(f"{path}:{pending[1]}: {pending[0]}: no class line")
                entries.setdefault(pending[0], ("", "", pending[1]))
            if key_match.group(0) in entries:
                problems.append(f"{path}:{number}: duplicate entry {key_match.group(0)}")
            pending = (key_match.group(0), number)
            continue
        class_match = CLASS_LINE.match(line)
        if class_match and pending:
            entries[pending[0]] = (class_match.group(1), class_match.group(2).strip(), pending[1])
            pending = None
            continue
        problems.append(f"{path}:{number}: not an inventory line: {line.strip()[:80]}")
    if pending:
        problems.append(f"{path}:{pending[1]}: {pending[0]}: no class line")
        entries.setdefault(pending[0], ("", "", pending[1]))
    return entries, problems


def totals(entries):
    counts = collections.Counter(cls for cls, _, _ in entries.values())
    return ", ".join(f"{cls} {counts.get(cls, 0)}" for cls in CLASSES + (UNCLASSIFIED,)
                     if counts.get(cls, 0) or cls != UNCLASSIFIED)


def check(root: pathlib.Path, inventory: pathlib.Path, display: str) -> int:
    sites = keyed(scan_tree(root))
    entries, problems = read_inventory(inventory)
    present = set()
    for key, site in sites:
        present.add(key)
        if key not in entries:
            problems.append(f"{site.path}:{site.line}: {site.kind} in {site.function} is not in "
                            f"{display} (run make abort-audit-update, then classify it): "
                            f"{site.statement[:100]}")
            continue
        cls, reason, number = entries[key]
        if not cls:
            continue  # "no class line", reported by read_inventory
        if cls == UNCLASSIFIED:
            problems.append(f"{site.path}:{site.line}: {site.kind} in {site.function} is "
                            f"UNCLASSIFIED in {display}:{number}")
        elif cls not in CLASSES:
            problems.append(f"{site.path}:{site.line}: {site.kind} in {site.function}: class "
                            f"'{cls}' in {display}:{number} is not one of {', '.join(CLASSES)}")
        elif not reason:
            problems.append(f"{site.path}:{site.line}: {site.kind} in {site.function}: no reason "
                            f"after '{cls}:' in {display}:{number}")
    for key, (_, _, number) in sorted(entries.items(), key=lambda item: item[1][2]):
        if key not in present:
            problems.append(f"{display}:{number}: stale entry, no such site any more: {key}")
    for problem in problems:
        print(f"{PROG}: {problem}")
    if problems:
        print(f"{PROG}: {len(problems)} problem(s)", file=sys.stderr)
        return 1
    print(f"{PROG}: {len(sites)} fatal sites, all classified ({totals(entries)})")
    return 0


def update(root: pathlib.Path, inventory: pathlib.Path, display: str) -> int:
    sites = keyed(scan_tree(root))
    entries, _ = read_inventory(inventory) if inventory.is_file() else ({}, [])
    out = [HEADER.rstrip("\n")]
    current_path, new, kept = None, 0, {}
    for key, site in sites:
        if site.path != current_path:
            out.append(f"\n# {site.path}")
            current_path = site.path
        cls, reason, _ = entries.get(key, (UNCLASSIFIED, "", 0))
        if not cls:
            cls = UNCLASSIFIED
        if key not in entries:
            new += 1
        kept[key] = (cls, reason, 0)
        out.append(key)
        out.append(f"    {cls}: {reason}".rstrip())
    dropped = len(set(entries) - set(kept))
    tmp = inventory.with_name(inventory.name + ".tmp")
    try:
        tmp.write_text("\n".join(out) + "\n", encoding="utf-8")
        tmp.replace(inventory)  # atomic: a failed write leaves the old inventory
    except OSError as error:
        print(f"{PROG}: cannot write {display}: {error.strerror}", file=sys.stderr)
        return 1
    print(f"{PROG}: wrote {display}: {len(sites)} sites, {new} new (UNCLASSIFIED), {dropped} "
          f"stale removed ({totals(kept)})")
    return 0


def list_sites(root: pathlib.Path) -> int:
    for key, site in keyed(scan_tree(root)):
        print(f"{site.path}:{site.line}: {key}")
    return 0


def main(argv) -> int:
    parser = argparse.ArgumentParser(prog="abort_audit.py", description=__doc__.split("\n")[0])
    parser.add_argument("mode", choices=("check", "update", "list"))
    parser.add_argument("--root", default=str(pathlib.Path(__file__).resolve().parents[2]))
    parser.add_argument("--inventory", help=f"default: ROOT/{DEFAULT_INVENTORY}")
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_request:
        return 0 if exit_request.code == 0 else 2
    root = pathlib.Path(args.root)
    if not root.is_dir():
        print(f"{PROG}: --root {args.root}: not a directory", file=sys.stderr)
        return 2
    inventory = pathlib.Path(args.inventory) if args.inventory else root / DEFAULT_INVENTORY
    display = args.inventory if args.inventory else DEFAULT_INVENTORY
    if args.mode == "check":
        return check(root, inventory, display)
    if args.mode == "update":
        return update(root, inventory, display)
    return list_sites(root)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
