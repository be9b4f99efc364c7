"""Textual fatal-site scan of lib/, kernel/ and user/ (the abort audit's second source).

abort_audit.py takes the kernel's fatal sites from clang's AST (abort_ast.py). This scan finds
the literal sites of every C++ and assembly file of lib/, kernel/ and user/ (KASSERT,
capos_panic, fail_boot, exit_emulator, __builtin_trap/unreachable, std::unreachable, abort,
terminate, assert, an explicit `.take()`/`.value()`, `ud2` in asm strings and .S files, the
32-bit boot FAIL exit, rt::exit in user/), so the inventory also lists what the kernel does not
compile: host-only code (CAPOS_CHECKED_RESULTS, lib/core/host/), templates the kernel never
instantiates, user programs, and the .S files. A textual site on a line where the kernel's AST
has a call or an access is the AST's (abort_audit.py drops it). Sites inside a #define body
are not sites: each use of the macro is.
"""
import collections
import pathlib
import re

SCANNED_TOPS = ("lib", "kernel", "user")
CXX_SUFFIXES = {".h", ".hpp", ".cpp", ".cc", ".c", ".inc"}
ASM_SUFFIXES = {".S", ".s"}

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


def function_map(blanked: str, global_only: bool = False):
    """Returns a sorted list of (start, end, function-name) for every function body (with
    `global_only`, only those outside every namespace and class: the functions clang's
    `-ast-dump-filter=capos` does not dump unless their name contains capos)."""
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
                scoped = [entry for entry in stack if entry[0] in ("namespace", "class")]
                if not outer and not (global_only and (scoped or "::" in name)):
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
    sites = [Site(rel, line_of(offset), enclosing(bodies, macros, offset), kind, normalise(stmt))
             for offset, kind, stmt in sorted(found)]
    return [site for site in sites if not site.function.startswith("macro:")]


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


def global_functions(text: str):
    """[(name, first line, last line)] of the function definitions at global scope."""
    _, blanked = strip_cxx(text)
    line_of = _line_index(text)
    return [(name, line_of(start), line_of(end))
            for start, end, name in function_map(blanked, global_only=True)]
