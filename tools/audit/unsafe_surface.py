#!/usr/bin/env python3
"""Unsafe-surface audit: the cargo-geiger analogue (seed Tier 1; SPEC §9; STYLE.md).

For every C++/assembly file of the trusted code (lib/, kernel/, user/; no folder is exempt) it
counts, per file:
  asm              inline asm in every spelling (asm, __asm, __asm__, with volatile/goto/inline,
                   asm labels, file-scope asm), __builtin_ia32_* machine intrinsics, and the
                   lines of .S/.s files that emit instructions or bytes
  reinterpret_cast reinterpret_cast expressions
  int_to_pointer   a pointer made from an integer or raw bytes: integral-to-pointer casts of every
                   spelling (C-style, functional, reinterpret_cast), std::bit_cast /
                   __builtin_bit_cast to a pointer type, memcpy/memmove into a pointer object,
                   unions holding a pointer beside an integer member
  pointer_arith    raw pointer arithmetic, raw-pointer subscripts and unchecked two-argument
                   span constructions, as reported by clang-19's -Wunsafe-buffer-usage
  volatile         volatile accesses/declarations
  user_access      user-memory access windows opened (UserAccessWindow objects)
  builtin          other __builtin_* escapes
The clang pass re-runs each translation unit of <build>/compile_commands.json with
-fsyntax-only -Wunsafe-buffer-usage -ast-dump: the warnings give pointer_arith, the AST gives
asm and int_to_pointer sites however they are spelled (macros, token pasting, aliases,
templates) and every mention of the user-memory door. Without it (--no-compiler, fixtures only)
asm, reinterpret_cast and bit_cast are matched in the text.

It fails when
  * a counted site has no `SAFETY:` comment tied to it: on the site's own line, or in the comment
    block directly above the statement holding the site (no code line and no blank line
    between; a statement continued over several lines is one statement). .S files need one
    `SAFETY:` comment per file;
  * asm, reinterpret_cast or int_to_pointer appears outside the arch directories (ARCH_DIRS) in a
    file not listed in tools/audit/unsafe_allowlist.txt (`path  reason` per line; an entry
    without a reason or no longer needed fails too); a .S/.s file outside them fails always;
  * an asm template outside the arch directories holds a privileged instruction (stac, clac,
    popf, wrmsr, control registers, ...) or is not a string literal;
  * the user-memory door (user_access_begin/end, UserAccessWindow, copy_user_bytes, the
    capos_user_copy symbol, UserDoor, stac/clac) is named outside DOOR_FILES and the arch
    folder's translation units, in the source (strings and asm labels included) or in the AST;
  * with --build: a translation unit of a boot image (build_graph.py: the objects of the ISO
    and manifest targets) lies outside lib/, kernel/, user/, is not compiled -ffreestanding, or
    reads a repository file (clang's depfile) that this audit does not scan;
  * clang cannot parse a translation unit (the generated headers must be built first);
  * the counts differ from the checked-in snapshot docs/unsafe-surface.txt.
The clang pass caches each translation unit's results in DIR/unsafe-surface-cache.json, keyed by
its command and the content of every file clang read for it (repository files by SHA-256,
system headers and the compiler by size and mtime), so an unchanged unit is not re-analysed.

Usage:
  unsafe_surface.py check  --build DIR [--root R] [--snapshot FILE]
  unsafe_surface.py update --build DIR [--root R] [--snapshot FILE]
  unsafe_surface.py check  --no-compiler --root R --snapshot FILE   (self-test fixtures)
Exit 0 when clean, 1 with one line per problem otherwise, 2 on usage errors.
"""
import argparse
import collections
import hashlib
import json
import os
import pathlib
import re
import shutil
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import build_graph  # noqa: E402  (tools/audit/build_graph.py)

SCANNED_TOPS = ("lib", "kernel", "user")
# Every suffix clang treats as C or C++ source or that a translation unit can include.
CXX_SUFFIXES = {".h", ".hh", ".hpp", ".hxx", ".h++", ".inc", ".inl", ".ipp", ".tpp", ".def",
                ".cpp", ".cc", ".cxx", ".c++", ".cp", ".C", ".c"}
ASM_SUFFIXES = {".S", ".s", ".asm"}
CATEGORIES = ("asm", "reinterpret_cast", "int_to_pointer", "pointer_arith", "volatile",
              "user_access", "builtin")
# Categories confined to the arch directories and the allowlist.
CONFINED = ("asm", "reinterpret_cast", "int_to_pointer")
# The only places for inline asm, .S files, reinterpret_cast and integer->pointer conversions
# (STYLE.md "Layout"): the kernel's arch layer and the user runtime's arch layer.
ARCH_DIRS = ("kernel/arch/x86_64/", "user/rt/arch/x86_64/")
SAFETY_MARK = re.compile(r"\bSAFETY(?: \([^)]*\))?:")

# The user-memory door (target 10, F-023): the SMAP window and the user copy. Only these files
# and the kernel arch folder's translation units (.cpp/.S, not its headers, which would carry
# the door to every includer) may name it.
DOOR_FILES = ("kernel/mem/user_ptr.h", "kernel/arch/user_access.h",
              "kernel/arch/x86_64/user_access.h")
DOOR_UNIT_DIR = "kernel/arch/x86_64/"
DOOR_NAMES = re.compile(r"\b(?:user_access_begin|user_access_end|UserAccessWindow|copy_user_bytes"
                        r"|capos_user_copy\w*|UserMemoryDoor|UserDoor|UserMemoryAccess)\b")
DOOR_INSTRUCTIONS = re.compile(r"\b(?:stac|clac)\b")

ASM_KEYWORD = re.compile(r"\b(?:asm|__asm|__asm__)\b")
ASM_STATEMENT = re.compile(
    r"\b(?:asm|__asm|__asm__)\b(?:\s*\b(?:volatile|__volatile__|__volatile|goto|inline|__inline"
    r"|__inline__)\b)*\s*\(\s*((?:\"(?:\\.|[^\"\\])*\"\s*)*)")
PATTERNS = {
    "asm": re.compile(r"\b(?:asm|__asm|__asm__)\b|\b__builtin_ia32_\w+"),
    "reinterpret_cast": re.compile(r"\breinterpret_cast\s*<"),
    # The textual half of int_to_pointer (the AST finds the rest): a bit_cast spelled to a
    # pointer type.
    "int_to_pointer": re.compile(r"\b(?:std::)?bit_cast\s*<[^<>;]*\*\s*>|"
                                 r"\b__builtin_bit_cast\s*\([^,;]*\*\s*,"),
    "volatile": re.compile(r"\bvolatile\b"),
    # A window is opened by declaring a UserAccessWindow variable (RAII stac ... clac).
    "user_access": re.compile(r"\bUserAccessWindow\s+\w+\s*[;{(]"),
    "builtin": re.compile(r"\b__builtin_(?!ia32_|bit_cast\b)\w+"),
}
# Instructions an asm template outside the arch directories may not hold: they change
# privilege state, RFLAGS.AC (popf), descriptor tables, MSRs, control registers or port I/O.
PRIVILEGED = {
    "stac", "clac", "cli", "sti", "hlt", "lgdt", "lidt", "lldt", "ltr", "lmsw", "clts", "invd",
    "wbinvd", "invlpg", "invpcid", "wrmsr", "rdmsr", "wrmsrns", "swapgs", "sysret", "sysretq",
    "sysretl", "iret", "iretq", "iretl", "iretw", "in", "inb", "inw", "inl", "out", "outb",
    "outw", "outl", "ins", "insb", "insw", "insl", "outs", "outsb", "outsw", "outsl", "xsetbv",
    "popf", "popfq", "popfl", "popfw", "wrfsbase", "wrgsbase", "wrpkru", "xrstors", "rstorssp",
}
CONTROL_REGISTER = re.compile(r"%?\b[cd]r[0-9]+\b")
# Raw bytes of stac (0f 01 cb) and clac (0f 01 ca) in a .byte directive.
DOOR_BYTES = re.compile(r"0x0?f\s*,\s*0x0?1\s*,\s*0xc[ab]\b", re.IGNORECASE)
# Lines of an assembly file that emit nothing: labels, comments and these directives.
ASM_QUIET_DIRECTIVES = re.compile(
    r"^\.(?:section|text|data|bss|rodata|globl|global|local|type|size|align|balign|p2align|code16"
    r"|code32|code64|intel_syntax|att_syntax|set|equ|equiv|extern|hidden|weak|file|ident|loc"
    r"|pushsection|popsection|previous|cfi_\w+|macro|endm|rept|endr|irp|endif|if\w*|else|ifdef"
    r"|include|option|protected|internal|comm|lcomm|org)\b")

# Per-translation-unit results of the clang pass, in the build directory: a unit is re-analysed
# only when its command or a file it includes changed.
CACHE_NAME = "unsafe-surface-cache.json"
TOOL_DIGEST = hashlib.sha256(pathlib.Path(__file__).read_bytes()
                             + (pathlib.Path(__file__).parent / "build_graph.py").read_bytes()
                             ).hexdigest()
UNSAFE_BUFFER = re.compile(
    r"^(.*?):(\d+):\d+: warning: .*\[-Wunsafe-buffer-usage(?:-in-container)?\]")


# --- source text -------------------------------------------------------------------------------

class Line:
    __slots__ = ("code", "bare", "comment")

    def __init__(self, code: str, bare: str, comment: str):
        self.code = code        # the line without comments (string literals kept)
        self.bare = bare        # the code with the contents of string/char literals removed
        self.comment = comment  # the text of the comments on the line


def split_lines(text: str) -> list[Line]:
    """Splits a C++ file into lines of code and comment text (// and /* */, literals aware)."""
    result = []
    in_block = False
    for raw in text.split("\n"):
        code, bare, comment = [], [], []
        i = 0
        while i < len(raw):
            if in_block:
                end = raw.find("*/", i)
                if end < 0:
                    comment.append(raw[i:])
                    break
                comment.append(raw[i:end])
                i = end + 2
                in_block = False
                continue
            if raw.startswith("//", i):
                comment.append(raw[i:])
                break
            if raw.startswith("/*", i):
                in_block = True
                i += 2
                continue
            char = raw[i]
            separator = (char == "'" and 0 < i < len(raw) - 1 and raw[i - 1].isalnum()
                         and raw[i + 1].isalnum())  # 0x0000'1000: a digit separator
            if char in "\"'" and not separator:
                j = i + 1
                while j < len(raw) and raw[j] != char:
                    j += 2 if raw[j] == "\\" else 1
                code.append(raw[i:j + 1])
                bare.append(char * 2)
                i = j + 1
                continue
            code.append(char)
            bare.append(char)
            i += 1
        result.append(Line("".join(code), "".join(bare), "".join(comment)))
    return result


def ends_statement(code: str) -> bool:
    """True if a code line ends a statement, a block or a label (so the next line starts anew)."""
    code = code.rstrip()
    if code.endswith("\\"):
        return False  # a macro continued on the next line
    return (code.lstrip().startswith("#") or code.endswith((";", "{", "}"))
            or (code.endswith(":") and not code.endswith("::")))


def has_safety(lines: list[Line], index: int) -> bool:
    """A SAFETY: comment tied to the site on line `index` (0-based): on that line, on an earlier
    line of the same statement (a statement continued over several lines, comments between its
    lines included), or in the comment block directly above the statement's first line. A blank
    line or a line that ends another statement, block or label ends the search."""
    if SAFETY_MARK.search(lines[index].comment):
        return True
    for line in reversed(lines[:index]):
        if not line.code.strip():
            if not line.comment.strip():
                return False  # a blank line: the comment above it is not tied to this site
        elif ends_statement(line.code):
            return False
        if SAFETY_MARK.search(line.comment):
            return True
    return False


def asm_templates(code: str) -> list[tuple[int, str | None]]:
    """(offset, template text) of each asm statement or label in `code` (comments removed);
    None when the template is not a string literal."""
    templates = []
    for match in ASM_STATEMENT.finditer(code):
        literals = re.findall(r"\"((?:\\.|[^\"\\])*)\"", match.group(1))
        text = "".join(literals).replace("\\n", "\n").replace("\\t", "\t")
        templates.append((match.start(), text if literals else None))
    return templates


def privileged_instructions(template: str) -> list[str]:
    found = []
    for statement in re.split(r"[\n;]", template):
        words = re.sub(r"^\s*(?:\w+:\s*)*", "", statement).split()
        while words and words[0].lower() in ("rep", "repe", "repz", "repne", "repnz", "lock"):
            words = words[1:]
        if words and words[0].lower() in PRIVILEGED:
            found.append(words[0].lower())
    found += sorted(set(m.group(0).lstrip("%") for m in CONTROL_REGISTER.finditer(template)))
    found += ["stac/clac bytes"] * len(DOOR_BYTES.findall(template))
    return found


def in_arch(relative: str) -> bool:
    return relative.startswith(ARCH_DIRS)


def door_allowed(relative: str) -> bool:
    return relative in DOOR_FILES or (relative.startswith(DOOR_UNIT_DIR) and
                                      pathlib.PurePosixPath(relative).suffix in
                                      {".cpp", ".cc", ".S", ".s"})


def trusted_files(root: pathlib.Path) -> list[pathlib.Path]:
    files = []
    for top in SCANNED_TOPS:
        base = root / top
        if base.is_dir():
            files.extend(p for p in base.rglob("*")
                         if p.is_file() and p.suffix in CXX_SUFFIXES | ASM_SUFFIXES)
    return sorted(files)


# --- the clang pass ----------------------------------------------------------------------------

QUOTED = re.compile(r"'[^']*'|\"(?:\\.|[^\"\\])*\"")
# clang prints a location as path:line:col when the file changed since the last one printed,
# line:N:col when only the line did, col:N otherwise.
LOCATION = re.compile(r"(?<![\w/.])(?:line:(?P<line>\d+):\d+|col:\d+|(?P<file><scratch space>"
                      r"|<built-in>|<invalid sloc>|[^\s<>,]+?):(?P<file_line>\d+):\d+)")
NODE = re.compile(r"^[\s|`-]*")
TYPE = re.compile(r"'([^']*)'(?::'([^']*)')?")
MEMCPY_CALLEE = re.compile(r"Function 0x[0-9a-f]+ '(?:__builtin_)?(?:memcpy|memmove|mempcpy"
                           r"|__builtin_memcpy_inline)'")
BIT_CAST_REF = re.compile(r"Function 0x[0-9a-f]+ 'bit_cast' '([^']*)'")
BUILTIN_INTEGER = re.compile(r"^(?:const |volatile )*(?:(?:signed|unsigned) )?(?:char|short|int|"
                             r"long|long long|__int128|bool|wchar_t|char8_t|char16_t|char32_t)"
                             r"(?: int)?(?:\[\d+\])*$")
ASM_NODES = {"GCCAsmStmt", "MSAsmStmt", "FileScopeAsmDecl", "AsmLabelAttr"}
TRANSPARENT = {"ImplicitCastExpr", "ParenExpr", "CStyleCastExpr", "CXXStaticCastExpr",
               "CXXFunctionalCastExpr", "CXXReinterpretCastExpr", "MaterializeTemporaryExpr"}


def canonical(type_text: str) -> str:
    match = TYPE.search(type_text)
    if not match:
        return ""
    return match.group(2) if match.group(2) is not None else match.group(1)


def is_pointer(type_name: str) -> bool:
    name = type_name.strip()
    while True:
        stripped = re.sub(r"\s*\b(?:const|volatile|__restrict|restrict)$", "", name)
        if stripped == name:
            break
        name = stripped
    return name.endswith("*") or "(*" in name or "::*" in name


def is_pointer_to_pointer(type_name: str) -> bool:
    name = re.sub(r"\s*\b(?:const|volatile|__restrict)\b\s*", "", type_name).replace(" ", "")
    return name.endswith("**")


def parse_ast(stream, relative_of) -> dict:
    """Sites in repository files from clang's text AST dump, read line by line from `stream`.

    `relative_of(path)` maps a file name of the dump to its repository path (None outside the
    scanned tops). Returns {"asm": [[path, line]], "int_to_pointer": [...],
    "door": [[path, line, name]]}."""
    sites = {"asm": set(), "int_to_pointer": set(), "door": set()}
    file_name, file_line, in_project = None, 0, False
    stack = []  # frames: [depth, kind, site, extra]
    for raw in stream:
        if not in_project and "/" not in raw and "<scratch" not in raw and "<built-in" not in raw:
            continue
        bare = QUOTED.sub("", raw) if ("'" in raw or '"' in raw) else raw
        begin = None
        for match in LOCATION.finditer(bare):
            if match.group("file"):
                file_name, file_line = match.group("file"), int(match.group("file_line"))
                in_project = relative_of(file_name) is not None
            elif match.group("line"):
                file_line = int(match.group("line"))
            if begin is None or begin[0] in ("<scratch space>", "<built-in>", "<invalid sloc>"):
                begin = (file_name, file_line)  # a pasted token: its expansion's next location
        depth = len(NODE.match(raw).group(0)) // 2
        body = raw[len(NODE.match(raw).group(0)):].rstrip("\n")
        kind = body.split(" ", 1)[0]
        while stack and stack[-1][0] >= depth:
            close_frame(stack.pop(), sites)
        parent = stack[-1] if stack else None
        if begin is not None:
            path = relative_of(begin[0]) if begin[0] else None
            site = (path, begin[1]) if path else None
        else:
            site = parent[2] if parent else None  # a node without a location: its parent's
        frame = [depth, kind, site, None]
        if parent is not None and parent[3] is not None:
            parent[3].append((depth, kind, body))  # a CallExpr/union collects its subtree
        for ancestor in stack:
            if ancestor[3] is not None and ancestor is not parent:
                ancestor[3].append((depth, kind, body))
        stack.append(frame)
        if site is None:
            continue
        path, line = site
        if kind in ASM_NODES:
            sites["asm"].add((path, line))
        if "'__builtin_ia32_" in body and kind == "DeclRefExpr":
            sites["asm"].add((path, line))
        if "<IntegralToPointer>" in body:
            sites["int_to_pointer"].add((path, line))
        if kind == "BuiltinBitCastExpr" and is_pointer(canonical(body)):
            sites["int_to_pointer"].add((path, line))
        if kind == "DeclRefExpr":
            bit_cast = BIT_CAST_REF.search(body)
            if bit_cast and is_pointer(bit_cast.group(1).split("(", 1)[0]):
                sites["int_to_pointer"].add((path, line))
        if kind in ("CallExpr", "CXXRecordDecl") and (
                kind == "CallExpr" or re.search(r"\bunion\b.*\bdefinition\b", body)):
            frame[3] = []
        if kind != "StringLiteral" and not door_allowed(path):
            for name in DOOR_NAMES.findall(body):
                sites["door"].add((path, line, name))
    while stack:
        close_frame(stack.pop(), sites)
    return {"asm": sorted(sites["asm"]), "int_to_pointer": sorted(sites["int_to_pointer"]),
            "door": sorted(sites["door"])}


def close_frame(frame, sites) -> None:
    """A CallExpr to memcpy/memmove whose destination is a pointer object, or a union holding
    a pointer and an integer, is an int_to_pointer site."""
    depth, kind, site, subtree = frame
    if subtree is None or site is None:
        return
    children = []
    for node_depth, node_kind, body in subtree:
        if node_depth == depth + 1:
            children.append([])
        if children:
            children[-1].append((node_kind, body))
    if kind == "CallExpr":
        if len(children) >= 2 and any(MEMCPY_CALLEE.search(body) for _, body in children[0]):
            for node_kind, body in children[1]:
                if node_kind in TRANSPARENT:
                    continue
                if is_pointer_to_pointer(canonical(body)):
                    sites["int_to_pointer"].add(site)
                break
    else:
        fields = [canonical(child[0][1]) for child in children if child[0][0] == "FieldDecl"]
        if any(is_pointer(f) for f in fields) and any(BUILTIN_INTEGER.match(f) for f in fields):
            sites["int_to_pointer"].add(site)


def compiler_sites(root: pathlib.Path, build: pathlib.Path, audited: set[str],
                   problems: list[str]) -> dict:
    """The clang pass over compile_commands.json: pointer_arith sites, AST sites, and the
    boot-code checks (build_graph.py). A translation unit clang cannot parse is a problem,
    never silently fewer sites."""
    resolved_root = root.resolve()
    tops = tuple(f"{t}/" for t in SCANNED_TOPS)
    relatives: dict[str, str | None] = {}

    def relative_of(name: str) -> str | None:
        if name not in relatives:
            relatives[name] = None
            if name and not name.startswith("<"):
                try:
                    relative = pathlib.Path(os.path.normpath(name)).resolve().relative_to(
                        resolved_root).as_posix()
                    if relative.startswith(tops):
                        relatives[name] = relative
                except (ValueError, OSError):
                    pass
        return relatives[name]

    entries = build_graph.compile_entries(build)
    boot = build_graph.boot_units(build)
    boot_sources = set()
    for unit in boot:
        try:
            relative = unit["file"].relative_to(resolved_root).as_posix()
        except ValueError:
            relative = str(unit["file"])
        boot_sources.add(relative)
        if not relative.startswith(tops):
            problems.append(f"{relative}: compiled into a boot image but outside "
                            f"{', '.join(SCANNED_TOPS)}/ (not audited)")
        elif relative not in audited:
            problems.append(f"{relative}: compiled into a boot image but not audited "
                            "(unknown suffix)")
        if unit["file"].suffix not in ASM_SUFFIXES and "-ffreestanding" not in unit["argv"]:
            problems.append(f"{relative}: compiled into a boot image without -ffreestanding")

    chosen: dict[str, tuple[list[str], str]] = {}
    for entry in entries:
        try:
            relative = entry["file"].relative_to(resolved_root).as_posix()
        except ValueError:
            continue
        if not relative.startswith(tops) or entry["file"].suffix not in CXX_SUFFIXES:
            continue
        argv = entry["argv"]
        # Prefer the freestanding flavour (what the kernel runs) when a file has two.
        if relative not in chosen or "-ffreestanding" in argv:
            chosen[relative] = (argv, entry["directory"])

    cache_path = build / CACHE_NAME
    try:
        cache = json.loads(cache_path.read_text())
        if cache.get("tool") != TOOL_DIGEST:
            cache = {}
    except (OSError, ValueError):
        cache = {}
    cached_units = cache.get("units", {})
    digests: dict[str, str | None] = {}
    source_root = f"{resolved_root}/"

    def digest(path: str) -> str | None:
        """Content hash of a repository file; size and mtime of a system file (the compiler and
        its headers change only with a package, which rewrites them)."""
        if path not in digests:
            try:
                if path.startswith(source_root):
                    digests[path] = hashlib.sha256(pathlib.Path(path).read_bytes()).hexdigest()
                else:
                    status = pathlib.Path(path).stat()
                    digests[path] = f"{status.st_size}:{status.st_mtime_ns}"
            except OSError:
                digests[path] = None
        return digests[path]

    def analyse(item):
        relative, (argv, directory) = item
        command = [argv[0]]
        skip = False
        for argument in argv[1:]:
            if skip:
                skip = False
                continue
            if argument in ("-o", "-MF", "-MT", "-MQ"):
                skip = True
                continue
            if argument in ("-c", "-MD", "-MMD") or argument.startswith("-fsanitize"):
                continue
            if argument.startswith("-W") and not argument.startswith("-Wl"):
                continue
            command.append(argument)
        command += ["-fsyntax-only", "-Wno-everything", "-Wunsafe-buffer-usage",
                    "-fno-color-diagnostics", "-Xclang", "-ast-dump"]
        # Reuse the last result iff the command (compiler included) and the content of every
        # file clang read for it are unchanged.
        previous = cached_units.get(relative)
        if (previous and previous["command"] == command and previous["directory"] == directory
                and all(digest(path) == sha for path, sha in previous["inputs"].items())):
            return relative, None, previous
        with tempfile.TemporaryDirectory() as scratch:
            depfile = pathlib.Path(scratch) / "unit.d"
            errors_path = pathlib.Path(scratch) / "stderr"
            with open(errors_path, "w+") as errors_file:
                process = subprocess.Popen(command + ["-MD", "-MF", str(depfile)], cwd=directory,
                                           stdout=subprocess.PIPE, stderr=errors_file,
                                           text=True, errors="replace")
                ast = parse_ast(process.stdout, lambda name: relative_of(
                    name if os.path.isabs(name) or name.startswith("<")
                    else os.path.join(directory, name)))
                returncode = process.wait()
                errors_file.seek(0)
                stderr = errors_file.read()
            inputs = parse_depfile(depfile, pathlib.Path(directory)) if depfile.is_file() else []
        if returncode != 0:
            errors = [l for l in stderr.splitlines() if ": error: " in l] or ["(no message)"]
            return relative, errors[0], None
        found = set()
        for line in stderr.splitlines():
            match = UNSAFE_BUFFER.match(line)
            if match:
                path = relative_of(str(pathlib.Path(directory) / match.group(1)))
                if path:
                    found.add((path, int(match.group(2))))
        compiler = str(pathlib.Path(shutil.which(command[0]) or command[0]).resolve())
        record = {"command": command, "directory": directory, "sites": sorted(found),
                  "ast": ast, "inputs": {path: digest(path) for path in [compiler, *inputs]}}
        return relative, None, record

    result = {"pointer_arith": set(), "asm": set(), "int_to_pointer": set(), "door": set()}
    units = {}
    build_resolved = build.resolve()
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        for relative, error, record in pool.map(analyse, sorted(chosen.items())):
            if error:
                problems.append(f"{relative}: clang could not analyse it (build first?): {error}")
                continue
            units[relative] = record
            result["pointer_arith"] |= {tuple(site) for site in record["sites"]}
            for category in ("asm", "int_to_pointer", "door"):
                result[category] |= {tuple(site) for site in record["ast"][category]}
            if relative not in boot_sources:
                continue
            # Every repository file a boot unit reads must be one this audit scans.
            for path in record["inputs"]:
                if not path.startswith(source_root) or path.startswith(f"{build_resolved}/"):
                    continue
                read = path[len(source_root):]
                if read not in audited:
                    problems.append(f"{read}: read by boot translation unit {relative} but not "
                                    f"audited (outside {', '.join(SCANNED_TOPS)}/ or an unknown "
                                    "suffix)")
    try:
        scratch = cache_path.with_name(f"{CACHE_NAME}.{os.getpid()}")
        scratch.write_text(json.dumps({"tool": TOOL_DIGEST, "units": units}))
        os.replace(scratch, cache_path)
    except OSError:
        pass  # a read-only build directory only costs the next run its speed
    return result


def parse_depfile(depfile: pathlib.Path, directory: pathlib.Path) -> list[str]:
    """The prerequisites of a Make-style depfile, as absolute paths."""
    text = depfile.read_text().replace("\\\n", " ")
    _, _, prerequisites = text.partition(": ")
    paths = re.split(r"(?<!\\)\s+", prerequisites.strip())
    return sorted({str((directory / path.replace("\\ ", " ")).resolve()) for path in paths if path})


ALLOWLIST = "tools/audit/unsafe_allowlist.txt"


def read_allowlist(root: pathlib.Path, problems: list[str]) -> set[str]:
    """Paths allowed asm/reinterpret_cast/int_to_pointer outside the arch dirs: `path  reason`."""
    path = root / ALLOWLIST
    allowed = set()
    if path.is_file():
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            fields = line.split(None, 1)
            if len(fields) < 2:
                problems.append(f"{ALLOWLIST}:{number}: {fields[0]} has no reason")
            allowed.add(fields[0])
    return allowed


def audit_assembly(relative: str, text: str, allowed: set[str], counter, problems) -> None:
    emitting = []
    for raw in text.splitlines():
        line = re.sub(r"(?://|#).*$", "", raw) if not raw.lstrip().startswith("#") else ""
        line = re.sub(r"/\*.*?\*/", "", line).strip()
        line = re.sub(r"^(?:[\w.$]+:\s*)+", "", line)  # labels
        if not line or line.startswith(("*", "/*")) or ASM_QUIET_DIRECTIVES.match(line):
            continue
        emitting.append(line)
    counter["asm"] = len(emitting)
    if emitting and not SAFETY_MARK.search(text):
        problems.append(f"{relative}: assembly file without a SAFETY: comment")
    if not in_arch(relative) and relative not in allowed:
        problems.append(f"{relative}: assembly file outside {' and '.join(ARCH_DIRS)} and not "
                        f"in {ALLOWLIST}")
    if not door_allowed(relative):
        for line in emitting:
            for name in DOOR_NAMES.findall(line) + DOOR_INSTRUCTIONS.findall(line):
                problems.append(f"{relative}: names the user-memory door ({name}) outside "
                                f"{', '.join(DOOR_FILES)} and {DOOR_UNIT_DIR}*.cpp/.S")
    if not in_arch(relative):
        for instruction in privileged_instructions("\n".join(emitting)):
            problems.append(f"{relative}: privileged instruction {instruction} outside "
                            f"{' and '.join(ARCH_DIRS)}")


def audit(root: pathlib.Path, build: pathlib.Path | None):
    counts: dict[str, collections.Counter] = {}
    problems: list[str] = []
    allowed = read_allowlist(root, problems)
    needed = set()
    files = trusted_files(root)
    audited = {p.relative_to(root).as_posix() for p in files}
    ast = (compiler_sites(root, build, audited, problems) if build
           else {"pointer_arith": set(), "asm": set(), "int_to_pointer": set(), "door": set()})
    ast_by_file = collections.defaultdict(lambda: collections.defaultdict(set))
    for category in ("pointer_arith", "asm", "int_to_pointer"):
        for path, line in ast[category]:
            ast_by_file[path][category].add(line)
    door_by_file = collections.defaultdict(set)
    for path, line, name in ast["door"]:
        door_by_file[path].add((line, name))
    door_where = f"{', '.join(DOOR_FILES)} and {DOOR_UNIT_DIR}*.cpp/.S"
    for path in files:
        relative = path.relative_to(root).as_posix()
        text = path.read_text(errors="replace")
        counter = collections.Counter()
        if path.suffix in ASM_SUFFIXES:
            audit_assembly(relative, text, allowed, counter, problems)
        else:
            lines = split_lines(text)
            text_sites = collections.defaultdict(set)
            for index, line in enumerate(lines):
                for category, pattern in PATTERNS.items():
                    hits = len(pattern.findall(line.bare))
                    if hits:
                        counter[category] += hits
                        text_sites[category].add(index + 1)
                        if not has_safety(lines, index):
                            problems.append(f"{relative}:{index + 1}: {category} without a "
                                            "SAFETY: comment")
                if not door_allowed(relative):
                    for name in DOOR_NAMES.findall(line.bare):
                        problems.append(f"{relative}:{index + 1}: names the user-memory door "
                                        f"({name}) outside {door_where}")
            # Sites only the compiler sees: pointer arithmetic, and asm / int_to_pointer in a
            # spelling the text patterns miss (macros, token pasting, aliases, memcpy, unions).
            for category, found in sorted(ast_by_file.get(relative, {}).items()):
                for line_number in sorted(found - text_sites[category]):
                    if line_number > len(lines):
                        continue
                    counter[category] += 1
                    if not has_safety(lines, line_number - 1):
                        problems.append(f"{relative}:{line_number}: {category} without a "
                                        "SAFETY: comment")
            for line_number, name in sorted(door_by_file.get(relative, ())):
                problems.append(f"{relative}:{line_number}: names the user-memory door ({name}) "
                                f"outside {door_where} (clang AST)")
            joined = "\n".join(line.code for line in lines)
            for offset, template in asm_templates(joined):
                line_number = joined.count("\n", 0, offset) + 1
                if template is not None and not door_allowed(relative):
                    for name in DOOR_NAMES.findall(template) + DOOR_INSTRUCTIONS.findall(template):
                        problems.append(f"{relative}:{line_number}: names the user-memory door "
                                        f"({name}) outside {door_where}")
                if in_arch(relative):
                    continue
                if template is None:
                    problems.append(f"{relative}:{line_number}: asm template outside "
                                    f"{' and '.join(ARCH_DIRS)} is not a string literal")
                    continue
                for instruction in privileged_instructions(template):
                    problems.append(f"{relative}:{line_number}: privileged instruction "
                                    f"{instruction} outside {' and '.join(ARCH_DIRS)}")
        for category in CONFINED:
            if counter[category] and not in_arch(relative):
                needed.add(relative)
                if relative not in allowed and path.suffix not in ASM_SUFFIXES:
                    problems.append(f"{relative}: {category} outside {' and '.join(ARCH_DIRS)} "
                                    f"and not in {ALLOWLIST}")
        if path.suffix in ASM_SUFFIXES and not in_arch(relative):
            needed.add(relative)
        if sum(counter.values()):
            counts[relative] = counter
    for path in sorted(allowed - needed):
        problems.append(f"{ALLOWLIST}: {path} has no asm, reinterpret_cast or int_to_pointer "
                        "outside the arch directories any more: remove its entry")
    return counts, problems


def render(counts: dict[str, collections.Counter]) -> str:
    lines = ["# Unsafe-surface snapshot: per-file counts of the constructs that need a SAFETY:",
             "# comment (docs/REVIEW.md \"Unsafe code\"). Written by tools/audit/unsafe_surface.py,",
             "# checked by ctest gate.unsafe_surface. After reviewing a change, regenerate it with",
             "#   make unsafe-surface-update",
             "# (= python3 tools/audit/unsafe_surface.py update --build build/asan).",
             "# path " + " ".join(CATEGORIES)]
    totals = collections.Counter()
    for path in sorted(counts):
        totals.update(counts[path])
        lines.append(f"{path} " + " ".join(f"{c}={counts[path][c]}" for c in CATEGORIES))
    lines.append("TOTAL " + " ".join(f"{c}={totals[c]}" for c in CATEGORIES))
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description="unsafe-surface audit")
    parser.add_argument("command", choices=("check", "update"))
    parser.add_argument("--root", default=str(pathlib.Path(__file__).resolve().parents[2]))
    parser.add_argument("--build")
    parser.add_argument("--snapshot")
    parser.add_argument("--no-compiler", action="store_true",
                        help="skip the clang pass (fixture self-tests only)")
    args = parser.parse_args()
    root = pathlib.Path(args.root)
    if not args.no_compiler and not args.build:
        print("unsafe-surface: --build DIR is required (or --no-compiler)", file=sys.stderr)
        return 2
    snapshot = (pathlib.Path(args.snapshot) if args.snapshot
                else root / "docs" / "unsafe-surface.txt")
    try:
        counts, problems = audit(root, None if args.no_compiler else pathlib.Path(args.build))
    except (FileNotFoundError, build_graph.BuildGraphError) as error:
        print(f"unsafe-surface: {error}", file=sys.stderr)
        return 2
    text = render(counts)
    if args.command == "update":
        snapshot.write_text(text)
        print(f"unsafe-surface: wrote {snapshot} ({len(counts)} files)")
    elif not snapshot.is_file():
        problems.append(f"{snapshot}: no snapshot (run make unsafe-surface-update)")
    elif snapshot.read_text() != text:
        old = dict(l.split(" ", 1) for l in snapshot.read_text().splitlines()
                   if l and not l.startswith("#"))
        new = dict(l.split(" ", 1) for l in text.splitlines() if l and not l.startswith("#"))
        for path in sorted(set(old) | set(new)):
            if old.get(path) != new.get(path):
                problems.append(f"snapshot drift: {path}: recorded {old.get(path, '(absent)')}, "
                                f"now {new.get(path, '(absent)')} — review, then "
                                "make unsafe-surface-update")
    for problem in problems:
        print(f"unsafe-surface: {problem}", file=sys.stderr)
    if problems:
        print(f"unsafe-surface: {len(problems)} problem(s)", file=sys.stderr)
        return 1
    total = text.strip().splitlines()[-1]
    print(f"unsafe-surface: {len(counts)} files match the snapshot; {total}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
