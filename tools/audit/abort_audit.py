#!/usr/bin/env python3
"""Untrusted-path abort audit (seed Tier 1 "panic/unwrap on untrusted paths"; STYLE.md "Errors").

The question it answers: which fatal sites can hostile input reach? From every untrusted entry
(tools/audit/untrusted_entries.txt: syscall entry, user-fault path, ring dispatch, every
CapObject::invoke override, manifest decode, ELF parse and load, ...) it walks a call graph that
clang builds from the kernel's own translation units (compile_commands.json of the build, the
kernel's flags; tools/audit/abort_ast.py) and lists every fatal site reachable, with the path.

Fatal sites (what stops the machine), all in the kernel image:
  sink calls    a call of a function named by a `sink` line of tools/audit/abort_policy.txt
                (capos_panic, fail_boot, exit_emulator, debug_exit, the __builtin traps,
                abort, ...), at the spelling of the macro use (the KASSERT line, not panic.h);
  asm halts     an asm statement containing hlt or ud2;
  accesses      a call of a checked accessor (`accessor` lines: Result's `*`, `->`, value(),
                take(), error(); StaticVector::operator[]; CapTable::take; std::optional's
                value/`*`/`->`) that the guard analysis (abort_ast.guarded) cannot prove
                checked in its function. An access on a parameter gives its function a
                precondition instead, checked at each call in the same translation unit; a
                call from another unit, through a pointer or a virtual call counts as unchecked.
The sink calls inside an accessor's own body are its precondition (class `precondition`): each
call of the accessor is judged instead.

Every site is listed in docs/abort-inventory.txt (key `path | function | kind | `statement``,
no line numbers) with a class, a reason and the boundaries it is reachable from:
  invariant     unreachable unless our own code is wrong; the reason names the invariant.
                A reachable access site can never be accepted: it must be guarded.
  precondition  a sink in an accessor's body (verified: the function is a declared accessor)
  user-process  in a function declared by a `user-process` policy line (the halt policy for a
                process's own end: SYS_EXIT, a user fault; phase 2 ends the boot by design)
  boot          verified: reachable from no untrusted entry
  host-only     verified: not compiled into the kernel (a textual site of lib/, kernel/ or user/
                that no kernel translation unit contains)
  user-process  also every textual site under user/ (a user program's own stop)
    reach: <boundaries>   computed; a change fails the check until `update` rewrites it
The check also fails when an entry, sink, accessor, user-process or external pattern matches
nothing (a rename cannot drop an entry silently), when a kernel function calls a function clang
did not analyse that no `external` line covers, and when clang cannot parse a unit.

Usage:
  abort_audit.py check  [--root R] [--build B] [--inventory F] [--cache F]
  abort_audit.py update [...]      rewrite the inventory: keeps classes and reasons, computes
                                   reach lines, new sites UNCLASSIFIED (which check rejects)
  abort_audit.py list   [...]      every site with its line, class, reach and one path
Exit 0 when clean, 1 with one line per problem, 2 on usage errors. The clang pass is cached in
B/abort-audit-cache.json per translation unit, keyed by its command and the content of every
file it read.
"""
import argparse
import collections
import fnmatch
import hashlib
import json
import os
import pathlib
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
from concurrent.futures import ProcessPoolExecutor

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import abort_ast  # noqa: E402
import abort_text  # noqa: E402

PROG = "abort-audit"
DEFAULT_INVENTORY = "docs/abort-inventory.txt"
ENTRIES = "tools/audit/untrusted_entries.txt"
POLICY = "tools/audit/abort_policy.txt"
CACHE_NAME = "abort-audit-cache.json"
# The kernel's translation units: objects of the capos_kernel target (kernel/CMakeLists.txt).
UNIT_OBJECT = re.compile(r"/capos_kernel\.dir/")
CLASSES = ("invariant", "precondition", "user-process", "boot", "host-only")
UNCLASSIFIED = "UNCLASSIFIED"
TOOL_DIGEST = hashlib.sha256(
    (pathlib.Path(__file__).resolve().parent / "abort_ast.py").read_bytes()).hexdigest()
ACCESS_KINDS = {"has_value": "result_access", "no_value": "result_error",
                "index": "index_access", "none": "unchecked_call"}


class UsageError(Exception):
    pass


# ------------------------------------------------------------------------------------------------
# Policy files.

Pattern = collections.namedtuple("Pattern", "kind pattern argument reason line")


def read_entries(path: pathlib.Path, display: str, problems):
    """[(boundary, pattern, overrides?, line)] from untrusted_entries.txt."""
    entries = []
    if not path.is_file():
        raise UsageError(f"{display}: missing")
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        fields = line.split()
        if len(fields) == 3 and fields[1] == "overrides":
            entries.append((fields[0], fields[2], True, number))
        elif len(fields) == 2:
            entries.append((fields[0], fields[1], False, number))
        else:
            problems.append(f"{display}:{number}: expected `boundary pattern` or "
                            f"`boundary overrides pattern`: {raw.strip()}")
    return entries


POLICY_KINDS = {"sink": 1, "builtin-sink": 1, "accessor": 1, "user-process": 0, "external": 0,
                "boot-asm": 0, "unanalysed": 0}


def read_policy(path: pathlib.Path, display: str, problems):
    """{kind: [Pattern]} from abort_policy.txt: `kind pattern [argument] -- reason`."""
    policy = collections.defaultdict(list)
    if not path.is_file():
        raise UsageError(f"{display}: missing")
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not raw.strip() or raw.lstrip().startswith("#"):
            continue
        head, separator, reason = raw.partition("--")
        fields = head.split()
        kind = fields[0] if fields else ""
        if kind in POLICY_KINDS and POLICY_KINDS[kind] == 0 and len(fields) > 2:
            fields = [kind, " ".join(fields[1:])]  # `external operator new -- ...`
        if kind not in POLICY_KINDS or len(fields) != 2 + POLICY_KINDS[kind]:
            problems.append(f"{display}:{number}: expected `{'|'.join(POLICY_KINDS)} pattern "
                            f"[argument] -- reason`: {raw.strip()[:80]}")
            continue
        if not separator or len(reason.split()) < 3:
            problems.append(f"{display}:{number}: {fields[1]}: no reason after `--`")
        argument = fields[2] if len(fields) > 2 else None
        if kind == "accessor" and argument not in ACCESS_KINDS:
            problems.append(f"{display}:{number}: accessor guard must be one of "
                            f"{', '.join(ACCESS_KINDS)}")
        policy[kind].append(Pattern(kind, fields[1], argument, reason.strip(), number))
    return policy


def matches(pattern: str, name: str) -> bool:
    return fnmatch.fnmatchcase(name, pattern)


# ------------------------------------------------------------------------------------------------
# The clang pass, cached per translation unit.

def source_dir_of(build: pathlib.Path):
    cache = build / "CMakeCache.txt"
    if cache.is_file():
        for line in cache.read_text(errors="replace").splitlines():
            if line.startswith("CMAKE_HOME_DIRECTORY:"):
                return line.split("=", 1)[1].strip()
    return None


def kernel_units(root: pathlib.Path, build: pathlib.Path):
    """[(relative source, argv, directory)] of the kernel's C++ translation units, rebased on
    `root` when the build was configured for another source tree (the mutant self-test)."""
    database = build / "compile_commands.json"
    if not database.is_file():
        raise UsageError(f"{database}: missing (configure the build first: cmake --preset asan)")
    original = source_dir_of(build)
    target = str(root.resolve())
    units = []
    for entry in json.loads(database.read_text()):
        argv = entry.get("arguments") or shlex.split(entry["command"])
        output = entry.get("output") or (argv[argv.index("-o") + 1] if "-o" in argv else "")
        if not UNIT_OBJECT.search("/" + output) or not entry["file"].endswith(
                (".cpp", ".cc", ".cxx")):
            continue
        path = entry["file"]
        if original and original != target:
            argv = [a.replace(original, target) for a in argv]
            path = path.replace(original, target)
        command = [argv[0]]
        skip = False
        for argument in argv[1:]:
            if skip:
                skip = False
                continue
            if argument in ("-o", "-MF", "-MT", "-MQ"):
                skip = True
                continue
            if argument in ("-c", "-MD", "-MMD") or argument.startswith("-W") or \
                    argument == "-Werror" or argument.startswith("-fsanitize"):
                continue
            command.append(argument)
        command.append("-Wno-everything")
        try:
            relative = pathlib.Path(path).resolve().relative_to(root.resolve()).as_posix()
        except ValueError:
            continue
        units.append((relative, command, entry["directory"]))
    return units


def kernel_asm(root: pathlib.Path, build: pathlib.Path):
    """Relative paths of the kernel's assembly sources."""
    out = set()
    original = source_dir_of(build)
    for entry in json.loads((build / "compile_commands.json").read_text()):
        argv = entry.get("arguments") or shlex.split(entry["command"])
        output = entry.get("output") or (argv[argv.index("-o") + 1] if "-o" in argv else "")
        if UNIT_OBJECT.search("/" + output) and entry["file"].endswith((".S", ".s")):
            path = entry["file"]
            if original:
                path = path.replace(original, str(root.resolve()))
            try:
                out.add(pathlib.Path(path).resolve().relative_to(root.resolve()).as_posix())
            except ValueError:
                pass
    return out


def _analyse_unit(job):
    relative, command, directory, root, accessors = job
    with tempfile.TemporaryDirectory() as scratch:
        depfile = pathlib.Path(scratch) / "unit.d"
        try:
            summary = abort_ast.analyse(command + ["-MD", "-MF", str(depfile)], directory,
                                        root, accessors)
        except abort_ast.ClangError as error:
            return relative, str(error), None, []
        inputs = parse_depfile(depfile, pathlib.Path(directory)) if depfile.is_file() else []
    return relative, None, summary, inputs


def parse_depfile(depfile: pathlib.Path, directory: pathlib.Path):
    text = depfile.read_text().replace("\\\n", " ")
    _, _, prerequisites = text.partition(": ")
    paths = re.split(r"(?<!\\)\s+", prerequisites.strip())
    return sorted({str((directory / p.replace("\\ ", " ")).resolve()) for p in paths if p})


def summaries(root: pathlib.Path, build: pathlib.Path, cache_path: pathlib.Path, accessors,
              problems, stats):
    """{unit: summary} for every kernel translation unit, from the cache where valid."""
    units = kernel_units(root, build)
    if not units:
        raise UsageError(f"{build}/compile_commands.json: no kernel translation unit "
                         "(objects under capos_kernel.dir)")
    root_text = str(root.resolve()) + "/"
    accessor_digest = hashlib.sha256(json.dumps(sorted(accessors.items())).encode()).hexdigest()
    try:
        cache = json.loads(cache_path.read_text())
        if cache.get("tool") != TOOL_DIGEST or cache.get("accessors") != accessor_digest:
            cache = {}
    except (OSError, ValueError):
        cache = {}
    cached = cache.get("units", {})
    digests = {}

    def relative_or_absolute(path):
        return path[len(root_text):] if path.startswith(root_text) else path

    def digest(name):
        if name not in digests:
            path = name if name.startswith("/") else root_text + name
            try:
                if name.startswith("/"):
                    status = pathlib.Path(path).stat()
                    digests[name] = f"{status.st_size}:{status.st_mtime_ns}"
                else:
                    digests[name] = hashlib.sha256(pathlib.Path(path).read_bytes()).hexdigest()
            except OSError:
                digests[name] = None
        return digests[name]

    def portable(command):
        return [argument.replace(root_text.rstrip("/"), "<ROOT>") for argument in command]

    result, fresh, jobs = {}, {}, []
    stats["inputs"] = set()
    for relative, command, directory in units:
        previous = cached.get(relative)
        if previous and previous["command"] == portable(command) and \
                all(digest(name) == value for name, value in previous["inputs"].items()):
            result[relative] = previous["summary"]
            fresh[relative] = previous
            stats["inputs"] |= {n for n in previous["inputs"] if not n.startswith("/")}
            continue
        jobs.append((relative, command, directory, str(root.resolve()), accessors))
    stats["units"] = len(units)
    stats["analysed"] = len(jobs)
    if jobs:
        workers = min(len(jobs), os.cpu_count() or 2)
        with ProcessPoolExecutor(max_workers=workers) as pool:
            for relative, error, summary, inputs in pool.map(_analyse_unit, jobs):
                if error:
                    problems.append(f"{relative}: clang could not analyse it: {error}")
                    continue
                command = next(c for r, c, _ in units if r == relative)
                compiler = str(pathlib.Path(shutil.which(command[0]) or command[0]).resolve())
                names = [relative_or_absolute(p) for p in [compiler, *inputs]]
                fresh[relative] = {"command": portable(command), "summary": summary,
                                   "inputs": {name: digest(name) for name in names}}
                stats["inputs"] |= {n for n in names if not n.startswith("/")}
                result[relative] = summary
    if jobs:
        try:
            scratch = cache_path.with_name(f"{cache_path.name}.{os.getpid()}")
            scratch.write_text(json.dumps({"tool": TOOL_DIGEST, "accessors": accessor_digest,
                                           "units": fresh}))
            os.replace(scratch, cache_path)
        except OSError:
            pass  # a read-only build directory only costs the next run its speed
    return result


# ------------------------------------------------------------------------------------------------
# The graph.

Site = collections.namedtuple(
    "Site", "path line col function kind statement owner detail")


def short_name(display: str) -> str:
    """`capos::kernel::RingDispatcher::call` -> `RingDispatcher::call` (namespaces dropped; the
    path is in the key)."""
    parts = display.split("::")
    kept = [part for part in parts[:-1] if part and (part[0].isupper() or part == "(lambda)"
                                                     or part.startswith("~"))]
    return "::".join(kept + parts[-1:])


class Graph:
    def __init__(self, units, policy, problems):
        self.problems = problems
        self.policy = policy
        self.functions = {}
        self.defined_in = collections.defaultdict(set)
        self.records = {}
        self.address_taken = set()
        for unit, summary in sorted(units.items()):
            for key, function in summary["functions"].items():
                if function["defined"]:
                    self.defined_in[key].add(unit)
                known = self.functions.get(key)
                if known is None or (function["defined"] and not known["defined"]):
                    self.functions[key] = dict(function, unit=unit)
                elif function["defined"] and known["defined"]:
                    merge(known, function)
                elif function.get("virtual"):
                    known["virtual"] = True
            for name, record in summary["records"].items():
                known = self.records.setdefault(name, {"bases": [], "special": [],
                                                       "name": record["name"]})
                for base in record["bases"]:
                    if base not in known["bases"]:
                        known["bases"].append(base)
                for member in record["special"]:
                    if member not in known["special"]:
                        known["special"].append(member)
            self.address_taken |= set(summary["address_taken"])
        self.by_name = collections.defaultdict(list)
        for key, function in self.functions.items():
            self.by_name[function["name"]].append(key)
        self._overrides()
        self.sinks = self._select("sink")
        self.user_process = self._select("user-process")
        accessor_keys = self._select("accessor")
        self.accessors = set(accessor_keys)
        self.sink_kind = {}
        for pattern in policy["sink"]:
            for key in self.keys_matching(pattern.pattern):
                self.sink_kind[key] = pattern.argument
        self.builtin_sinks = {p.pattern: p.argument for p in policy["builtin-sink"]}

    def keys_matching(self, pattern):
        return [key for name, keys in self.by_name.items() if matches(pattern, name)
                for key in keys]

    def _select(self, kind):
        selected = {}
        for pattern in self.policy[kind]:
            keys = self.keys_matching(pattern.pattern)
            if not keys and not pattern.pattern.startswith("std::"):
                self.problems.append(f"{POLICY}:{pattern.line}: {kind} {pattern.pattern} "
                                     "matches no kernel function (renamed or removed?)")
            for key in keys:
                selected[key] = pattern
        return selected

    def _overrides(self):
        """Class-hierarchy analysis: every override of a virtual method (same name, same number
        of parameters, in a class derived from the method's class)."""
        methods = collections.defaultdict(list)
        for key, function in self.functions.items():
            if function.get("record"):
                methods[(function["record"], function["method"], function["nparams"])].append(key)
        ancestors = {}

        def bases_of(record, seen=()):
            if record in ancestors:
                return ancestors[record]
            found = []
            for base in self.records.get(record, {}).get("bases", []):
                if base in seen:
                    continue
                found.append(base)
                found += bases_of(base, seen + (record,))
            ancestors[record] = found
            return found

        self.overrides = collections.defaultdict(set)
        self.virtual = {key for key, f in self.functions.items() if f.get("virtual")}
        changed = True
        while changed:
            changed = False
            for (record, method, count), keys in methods.items():
                for base in bases_of(record):
                    for base_key in methods.get((base, method, count), ()):
                        if base_key in self.virtual:
                            for key in keys:
                                if key not in self.overrides[base_key]:
                                    self.overrides[base_key].add(key)
                                    changed = True
                                if key not in self.virtual:
                                    self.virtual.add(key)
                                    changed = True

    def indirect_targets(self, count):
        """Every function whose address is taken somewhere, with `count` parameters."""
        return [key for key in sorted(self.address_taken)
                if key in self.functions and self.functions[key]["nparams"] == count]

    def externals(self, function):
        return [call for call in function["calls"] if call[0] == "external"]

    def external_allowed(self, name):
        if name in self.builtin_sinks:
            return True
        return any(matches(p.pattern, name) for p in self.policy["external"])

    def callees(self, key):
        """[(callee key, call record)] of one function, virtual and indirect calls expanded."""
        function = self.functions.get(key)
        if function is None:
            return []
        out = []
        for call in function["calls"]:
            kind, target = call[0], call[1]
            if kind in ("direct", "member", "ctor", "dtor", "lambda", "callback"):
                out.append((target, call))
                if kind in ("member", "direct") and target in self.virtual:
                    for override in sorted(self.overrides.get(target, ())):
                        out.append((override, call))
            elif kind == "indirect":
                for candidate in self.indirect_targets(int(target)):
                    out.append((candidate, call))
            elif kind == "external":
                for record in call[6]:
                    for member in self.records.get(record, {}).get("special", ()):
                        out.append((member, call))
        return out


def merge(known, other):
    calls = {tuple(map(str, c)) for c in known["calls"]}
    for call in other["calls"]:
        if tuple(map(str, call)) not in calls:
            known["calls"].append(call)
    accesses = {tuple(map(str, a[:8])) for a in known["accesses"]}
    for access in other["accesses"]:
        if tuple(map(str, access[:8])) not in accesses:
            known["accesses"].append(access)
    for precondition in other.get("preconditions", []):
        if precondition not in known.setdefault("preconditions", []):
            known["preconditions"].append(precondition)


def sites_of(graph: Graph, key):
    """Fatal sites inside one function: [(Site, precondition?)]."""
    function = graph.functions[key]
    out = []
    inside_accessor = key in graph.accessors
    checked_calls = {(a[3], a[4], a[5], a[0]) for a in function["accesses"]}
    for call in function["calls"]:
        kind, target, path, line, col, statement = call[:6]
        sink = None
        if kind in ("direct", "member") and target in graph.sinks:
            sink = graph.sink_kind.get(target) or "sink"
        elif kind == "external" and target in graph.builtin_sinks:
            sink = graph.builtin_sinks[target]
        elif kind == "asm":
            sink = "asm_halt"
        elif kind == "indirect" and any(t in graph.sinks for t in
                                        graph.indirect_targets(int(target))):
            sink = "indirect_sink"  # a function pointer that may hold a stop primitive
        elif kind in ("direct", "member") and target in graph.virtual and \
                any(o in graph.sinks for o in graph.overrides.get(target, ())):
            sink = "virtual_sink"
        if sink:
            macro = re.match(r"([A-Z][A-Z0-9_]*)\s*\(", statement)
            if macro:
                sink = macro.group(1)
            out.append((Site(path, line, col, key, sink, statement, key,
                             "precondition" if inside_accessor else ""), inside_accessor))
        elif kind in ("direct", "member") and not inside_accessor:
            callee = graph.functions.get(target)
            if callee and callee.get("preconditions") and \
                    (path, line, col, target) not in checked_calls:
                out.append((Site(path, line, col, key, "unchecked_call", statement, key,
                                 f"{callee['name']} has a precondition on its arguments that "
                                 "this unit cannot check (defined in another unit)"), False))
        elif kind == "member" and not inside_accessor and target in graph.virtual:
            for override in graph.overrides.get(target, ()):
                callee = graph.functions.get(override)
                if callee and callee.get("preconditions"):
                    out.append((Site(path, line, col, key, "unchecked_call", statement, key,
                                     f"virtual call may reach {callee['name']}, which has a "
                                     "precondition on its arguments"), False))
    for access in function["accesses"]:
        callee, callee_name, guard, path, line, col, statement, verdict, inherited = access[:9]
        if verdict == "guarded" or inside_accessor:
            continue
        if inherited is not None:
            continue  # the function's own precondition: its callers are checked
        kind = ACCESS_KINDS.get(guard, "unchecked_call")
        if len(access) > 9:
            kind = "precondition_call"
        out.append((Site(path, line, col, key, kind, statement, key,
                         f"{callee_name}: {verdict}"), False))
    return out


def entry_sites(graph, key):
    """Accesses on an untrusted entry's own parameters: the boundary's arguments are hostile, so
    a precondition on them is a site at the access."""
    function = graph.functions[key]
    out = []
    for access in function["accesses"]:
        callee, callee_name, guard, path, line, col, statement, verdict, inherited = access[:9]
        if verdict != "guarded" and inherited is not None:
            out.append(Site(path, line, col, key, ACCESS_KINDS.get(guard, "unchecked_call"),
                            statement, key, f"{callee_name}: on an argument of an untrusted "
                            "entry"))
    return out


def reach(graph: Graph, entries, problems):
    """{boundary: {function key: (parent key, call line, call path)}} and the entry keys."""
    roots = collections.defaultdict(set)
    for boundary, pattern, overrides, line in entries:
        keys = [k for k in graph.keys_matching(pattern) if graph.functions[k]["defined"] or
                overrides]
        if not keys:
            problems.append(f"{ENTRIES}:{line}: entry {pattern} ({boundary}) matches no "
                            "function defined in the kernel (renamed or removed? update the "
                            "entry in the same change)")
            continue
        if overrides:
            found = set()
            for key in keys:
                found |= {k for k in graph.overrides.get(key, ()) if
                          graph.functions[k]["defined"]}
            if not found:
                problems.append(f"{ENTRIES}:{line}: no override of {pattern} is defined "
                                f"({boundary})")
            keys = sorted(found)
        roots[boundary] |= set(keys)
    reached = {}
    for boundary, keys in roots.items():
        parents = {key: None for key in keys}
        queue = collections.deque(sorted(keys))
        while queue:
            key = queue.popleft()
            if key in graph.sinks:
                continue  # a stop primitive: its own body is not part of any path
            for callee, call in graph.callees(key):
                if callee not in parents and callee in graph.functions:
                    parents[callee] = (key, call[2], call[3])
                    queue.append(callee)
        reached[boundary] = parents
    return reached, roots


def path_to(graph, parents, key, limit=8):
    chain = []
    while key is not None and len(chain) < 40:
        step = parents.get(key)
        name = short_name(graph.functions[key]["name"])
        chain.append(name if step is None else f"{name} ({step[1]}:{step[2]})")
        key = step[0] if step else None
    chain.reverse()
    if len(chain) > limit:
        chain = chain[:2] + ["..."] + chain[-(limit - 3):]
    return " -> ".join(chain)


# ------------------------------------------------------------------------------------------------
# The inventory.

KEY_LINE = re.compile(r"^(\S[^|]*?) \| (.+?) \| (\S+?) \| `(.*)`$")
CLASS_LINE = re.compile(r"^    (\S+?):\s*(.*)$")
REACH_LINE = re.compile(r"^    reach:\s*(.*)$")

HEADER = """\
# Abort inventory (tools/audit/abort_audit.py; docs/REVIEW.md "Abort inventory"; regenerate with
# `make abort-audit-update`, then classify new sites by hand). Every fatal site of the kernel
# image (clang's call graph of the kernel's translation units), and the textual sites of lib/,
# kernel/ and user/ that the kernel does not compile, with:
#   invariant     unreachable unless our own code is wrong (the reason names the invariant);
#                 a reachable unguarded access (Result `*`/`->`/take(), an index) is never
#                 accepted: guard it
#   precondition  a sink in a checked accessor's body (each call of the accessor is judged)
#   user-process  in a declared user-process halt (tools/audit/abort_policy.txt), or in user/
#   boot          verified unreachable from every untrusted entry
#   host-only     verified not compiled into the kernel
# `reach:` is computed (the boundaries of tools/audit/untrusted_entries.txt that reach the
# site); the check fails when it changes, so a site that becomes reachable shows in review.
# Key: path | function | kind | `statement` (no line numbers).
"""


def read_inventory(path: pathlib.Path, display: str):
    entries, problems = {}, []
    if not path.is_file():
        return entries, [f"{display}: inventory missing (run make abort-audit-update)"]
    pending = None
    for number, line in enumerate(path.read_text(encoding="utf-8").split("\n"), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if KEY_LINE.match(line):
            if line in entries:
                problems.append(f"{display}:{number}: duplicate entry {line}")
            pending = line
            entries[line] = {"class": "", "reason": "", "reach": None, "line": number}
            continue
        reach_match = REACH_LINE.match(line)
        if reach_match and pending:
            entries[pending]["reach"] = reach_match.group(1).strip()
            continue
        class_match = CLASS_LINE.match(line)
        if class_match and pending and not entries[pending]["class"]:
            entries[pending]["class"] = class_match.group(1)
            entries[pending]["reason"] = class_match.group(2).strip()
            continue
        problems.append(f"{display}:{number}: not an inventory line: {line.strip()[:80]}")
    for key, entry in entries.items():
        if not entry["class"]:
            problems.append(f"{display}:{entry['line']}: {key}: no class line")
    return entries, problems


def keyed(sites):
    """[(key, site)] with #n for repeated keys, in path/line order."""
    seen = collections.Counter()
    out = []
    for site in sorted(sites, key=lambda s: (s.path, s.line, s.col, s.kind)):
        function = site.function
        base = (site.path, function, site.kind, site.statement)
        seen[base] += 1
        statement = site.statement.replace("`", "'")
        if seen[base] > 1:
            statement += f"#{seen[base]}"
        out.append((f"{site.path} | {function} | {site.kind} | `{statement}`", site))
    return out


# ------------------------------------------------------------------------------------------------
# The audit.

def audit(args):
    root = pathlib.Path(args.root).resolve()
    build = pathlib.Path(args.build) if args.build else root / "build" / "asan"
    problems = []
    entries_path = pathlib.Path(args.entries) if args.entries else root / ENTRIES
    policy_path = pathlib.Path(args.policy) if args.policy else root / POLICY
    entries = read_entries(entries_path, ENTRIES, problems)
    policy = read_policy(policy_path, POLICY, problems)
    accessors = {p.pattern: p.argument for p in policy["accessor"]}
    cache = pathlib.Path(args.cache) if args.cache else build / CACHE_NAME
    stats = {}
    units = summaries(root, build, cache, accessors, problems, stats)
    graph = Graph(units, policy, problems)
    reached, roots = reach(graph, entries, problems)

    # Every function clang did not analyse that the kernel calls must be a known one.
    missing = collections.defaultdict(list)
    for key, function in graph.functions.items():
        if not function["defined"]:
            continue
        for call in function["calls"]:
            if call[0] == "external" and not graph.external_allowed(call[1]):
                missing[call[1]].append(f"{call[2]}:{call[3]}")
            elif call[0] in ("direct", "member") and call[1] in graph.functions and \
                    not graph.functions[call[1]]["defined"] and call[1] not in graph.sinks and \
                    call[1] not in graph.virtual and \
                    not graph.external_allowed(graph.functions[call[1]]["name"]):
                missing[graph.functions[call[1]]["name"]].append(f"{call[2]}:{call[3]}")
    for name, where in sorted(missing.items()):
        problems.append(f"{where[0]}: call of {name}, which clang did not analyse (library, "
                        f"asm or another target): add an `external` line to {POLICY} if it "
                        f"cannot stop the machine ({len(where)} call(s))")

    # Sites of every defined kernel function, each once.
    all_sites = {}
    for key, function in graph.functions.items():
        if not function["defined"] or key in graph.sinks:
            continue  # a stop primitive's own body is the stop, not a site
        for site, precondition in sites_of(graph, key):
            all_sites.setdefault((site.path, site.line, site.col, site.kind, site.statement),
                                 (site, precondition, set()))
    for boundary, keys in roots.items():
        for key in keys:
            for site in entry_sites(graph, key):
                all_sites.setdefault((site.path, site.line, site.col, site.kind,
                                      site.statement), (site, False, set()))
    paths = {}
    for boundary, parents in reached.items():
        for key in parents:
            if key in graph.sinks:
                continue
            own = [s for s, _ in sites_of(graph, key)]
            if key in roots[boundary]:
                own += entry_sites(graph, key)
            for site in own:
                record = all_sites[(site.path, site.line, site.col, site.kind, site.statement)]
                if record[1]:
                    continue  # an accessor's precondition: judged at each call
                record[2].add(boundary)
                paths.setdefault((site.path, site.line, site.col, site.kind), {})[boundary] = \
                    path_to(graph, parents, key)

    # AST sites are keyed with their function's short name; textual sites the kernel does not
    # compile complete the inventory.
    merged = []
    covered = set()
    for key, function in graph.functions.items():
        if function["defined"]:
            for call in function["calls"]:
                covered.add((call[2], call[3]))
            for access in function["accesses"]:
                covered.add((access[3], access[4]))
    for site, precondition, boundaries in all_sites.values():
        named = site._replace(function=short_name(graph.functions[site.function]["name"]))
        merged.append((named, precondition, boundaries))
    # Functions at global scope are not dumped unless their name contains capos (kmain, the
    # mem* routines, __cxa_pure_virtual): each must be declared `unanalysed`, and its textual
    # sites are kernel sites outside the graph.
    kernel_files = {n for n in stats["inputs"] if n.startswith(("lib/", "kernel/", "user/"))}
    asm_files = kernel_asm(root, build)
    unanalysed = {p.pattern: p for p in policy["unanalysed"]}
    used = set()
    hidden = collections.defaultdict(list)  # path -> [(first, last, name)]
    for name in sorted(kernel_files):
        if pathlib.Path(name).suffix not in abort_text.CXX_SUFFIXES:
            continue
        text = (root / name).read_text(encoding="utf-8", errors="replace")
        for function, first, last in abort_text.global_functions(text):
            if "capos" in function:
                continue
            pattern = next((p for p in unanalysed if matches(p, function)), None)
            if pattern is None:
                problems.append(f"{name}:{first}: {function} is defined outside namespace capos, "
                                "so clang's dump (filter `capos`) does not show it: move it "
                                f"into the namespace or declare it `unanalysed` in {POLICY}")
                continue
            used.add(pattern)
            hidden[name].append((first, last, function))
    for pattern, line in ((p.pattern, p.line) for p in policy["unanalysed"]):
        if pattern not in used:
            problems.append(f"{POLICY}:{line}: unanalysed {pattern} matches no global function "
                            "of the kernel")
    for site in abort_text.scan_tree(root):
        if (site.path, site.line) in covered:
            continue
        detail = "textual"
        if site.path in asm_files:
            detail = "asm"
        elif any(first <= site.line <= last for first, last, _ in hidden.get(site.path, ())):
            detail = "unanalysed"
        merged.append((Site(site.path, site.line, 0, site.function, site.kind, site.statement,
                            None, detail), False, set()))

    result = {"graph": graph, "merged": merged, "paths": paths, "problems": problems,
              "stats": stats, "roots": roots, "reached": reached, "entries": entries,
              "policy": policy}
    return result


def judge(result, inventory, display):
    graph, problems, paths = result["graph"], result["problems"], result["paths"]
    entries, inventory_problems = inventory
    problems += inventory_problems
    present = set()
    counts = collections.Counter()
    reachable = 0
    for key, site in keyed([s for s, _, _ in result["merged"]]):
        record = next(r for r in result["merged"] if r[0] is site)
        _, precondition, boundaries = record
        reach_text = ", ".join(sorted(boundaries)) or "-"
        where = f"{site.path}:{site.line}"
        present.add(key)
        entry = entries.get(key)
        detail = f" ({site.detail})" if site.detail and site.detail not in (
            "textual", "precondition") else ""
        if boundaries:
            reachable += 1
        if site.kind in ("result_access", "result_error", "index_access", "precondition_call",
                         "unchecked_call") and boundaries:
            via = paths.get((site.path, site.line, site.col, site.kind), {})
            first = sorted(via)[0]
            problems.append(f"{where}: unguarded {site.kind} `{site.statement}` in "
                            f"{site.function} is reachable from {reach_text}{detail}; guard it "
                            f"or return the error. Path ({first}): {via[first]}")
            continue
        if entry is None:
            problems.append(f"{where}: {site.kind} in {site.function} is not in {display} (run "
                            f"make abort-audit-update, then classify it; reach: {reach_text}): "
                            f"`{site.statement[:100]}`")
            continue
        cls, reason = entry["class"], entry["reason"]
        counts[cls] += 1
        if not cls:
            continue
        if cls == UNCLASSIFIED:
            problems.append(f"{where}: {site.kind} in {site.function} is UNCLASSIFIED in "
                            f"{display}:{entry['line']} (reach: {reach_text})")
            continue
        if cls not in CLASSES:
            problems.append(f"{where}: {site.kind} in {site.function}: class '{cls}' in "
                            f"{display}:{entry['line']} is not one of {', '.join(CLASSES)}")
            continue
        if len(reason.split()) < 3:
            problems.append(f"{where}: {site.kind} in {site.function}: no reason after "
                            f"'{cls}:' in {display}:{entry['line']}")
        textual = site.detail == "textual"
        if cls == "host-only" and not textual:
            problems.append(f"{where}: {site.kind} in {site.function} is classified host-only "
                            f"({display}:{entry['line']}) but the kernel compiles it")
        elif cls == "boot" and boundaries:
            via = paths.get((site.path, site.line, site.col, site.kind), {})
            first = sorted(via)[0]
            problems.append(f"{where}: {site.kind} in {site.function} is classified boot "
                            f"({display}:{entry['line']}) but is reachable from {reach_text}: "
                            f"{via[first]}")
        elif cls == "boot" and textual:
            problems.append(f"{where}: {site.kind} in {site.function} is classified boot "
                            f"({display}:{entry['line']}) but the kernel does not compile it "
                            "(host-only?)")
        elif cls == "boot" and site.detail == "asm" and not any(
                matches(p.pattern, site.path) for p in result["policy"]["boot-asm"]):
            problems.append(f"{where}: {site.kind} in {site.function}: an assembly site can be "
                            f"boot only in a file of a `boot-asm` line of {POLICY}")
        elif cls == "precondition" and site.detail != "precondition":
            problems.append(f"{where}: {site.kind} in {site.function} is classified "
                            f"precondition ({display}:{entry['line']}) but its function is not "
                            f"a declared accessor of {POLICY}")
        elif cls == "user-process" and not (
                (textual and site.path.startswith("user/")) or
                (site.owner in graph.user_process)):
            problems.append(f"{where}: {site.kind} in {site.function} is classified "
                            f"user-process ({display}:{entry['line']}) but is neither in a "
                            f"`user-process` function of {POLICY} nor under user/")
        elif cls == "invariant" and textual and not site.path.startswith("user/"):
            problems.append(f"{where}: {site.kind} in {site.function} is classified invariant "
                            f"({display}:{entry['line']}) but the kernel does not compile it: "
                            "host-only")
        elif cls == "invariant" and site.kind in ("result_access", "result_error",
                                                   "index_access", "precondition_call",
                                                   "unchecked_call") and boundaries:
            pass  # reported above
        if entry["reach"] is None:
            problems.append(f"{display}:{entry['line']}: {key}: no `reach:` line (run make "
                            "abort-audit-update)")
        elif entry["reach"] != reach_text:
            problems.append(f"{where}: {site.kind} in {site.function}: reach changed from "
                            f"'{entry['reach']}' to '{reach_text}' ({display}:{entry['line']}); "
                            "review the class, then run make abort-audit-update")
    for key, entry in sorted(entries.items(), key=lambda item: item[1]["line"]):
        if key not in present:
            problems.append(f"{display}:{entry['line']}: stale entry, no such site any more: "
                            f"{key}")
    return counts, reachable


def check(args) -> int:
    result = audit(args)
    inventory = pathlib.Path(args.inventory) if args.inventory else \
        pathlib.Path(args.root) / DEFAULT_INVENTORY
    display = args.inventory or DEFAULT_INVENTORY
    counts, reachable = judge(result, read_inventory(inventory, display), display)
    problems = result["problems"]
    for problem in problems:
        print(f"{PROG}: {problem}")
    stats = result["stats"]
    graph = result["graph"]
    accesses = sum(len(f["accesses"]) for f in graph.functions.values() if f["defined"])
    guarded = sum(1 for f in graph.functions.values() if f["defined"]
                  for a in f["accesses"] if a[7] == "guarded")
    functions = len({k for parents in result["reached"].values() for k in parents})
    summary = (f"{len(result['merged'])} fatal sites ({reachable} reachable from "
               f"{len(result['roots'])} boundaries, {functions} functions reached); "
               f"{accesses} checked accesses, {guarded} guarded; {stats['units']} units "
               f"({stats['analysed']} analysed, the rest cached); "
               + ", ".join(f"{cls} {counts[cls]}" for cls in CLASSES))
    if problems:
        print(f"{PROG}: {len(problems)} problem(s); {summary}", file=sys.stderr)
        return 1
    print(f"{PROG}: {summary}")
    return 0


def update(args) -> int:
    result = audit(args)
    inventory = pathlib.Path(args.inventory) if args.inventory else \
        pathlib.Path(args.root) / DEFAULT_INVENTORY
    display = args.inventory or DEFAULT_INVENTORY
    entries, _ = read_inventory(inventory, display) if inventory.is_file() else ({}, [])
    fatal = [p for p in result["problems"] if "clang could not analyse" in p]
    if fatal:
        for problem in fatal:
            print(f"{PROG}: {problem}", file=sys.stderr)
        return 1
    out = [HEADER.rstrip("\n")]
    current, new, kept = None, 0, set()
    boundaries_of = {id(site): b for site, _, b in result["merged"]}
    for key, site in keyed([s for s, _, _ in result["merged"]]):
        if site.path != current:
            out.append(f"\n# {site.path}")
            current = site.path
        entry = entries.get(key, {"class": UNCLASSIFIED, "reason": ""})
        if key not in entries:
            new += 1
        kept.add(key)
        out.append(key)
        out.append(f"    {entry['class'] or UNCLASSIFIED}: {entry['reason']}".rstrip())
        out.append(f"    reach: {', '.join(sorted(boundaries_of[id(site)])) or '-'}")
    dropped = len(set(entries) - kept)
    scratch = inventory.with_name(inventory.name + ".tmp")
    try:
        scratch.write_text("\n".join(out) + "\n", encoding="utf-8")
        scratch.replace(inventory)
    except OSError as error:
        print(f"{PROG}: cannot write {display}: {error.strerror}", file=sys.stderr)
        return 1
    print(f"{PROG}: wrote {display}: {len(kept)} sites, {new} new (UNCLASSIFIED), {dropped} "
          "stale removed")
    return 0


def list_sites(args) -> int:
    result = audit(args)
    for key, site in keyed([s for s, _, _ in result["merged"]]):
        record = next(r for r in result["merged"] if r[0] is site)
        via = result["paths"].get((site.path, site.line, site.col, site.kind), {})
        print(f"{site.path}:{site.line}: {key}")
        print(f"    reach: {', '.join(sorted(record[2])) or '-'}")
        for boundary, path in sorted(via.items()):
            print(f"    {boundary}: {path}")
    for problem in result["problems"]:
        print(f"{PROG}: {problem}", file=sys.stderr)
    return 0


def main(argv) -> int:
    parser = argparse.ArgumentParser(prog="abort_audit.py", description=__doc__.split("\n")[0])
    parser.add_argument("mode", choices=("check", "update", "list"))
    parser.add_argument("--root", default=str(pathlib.Path(__file__).resolve().parents[2]))
    parser.add_argument("--build", help="build directory with compile_commands.json "
                        "(default ROOT/build/asan)")
    parser.add_argument("--inventory", help=f"default: ROOT/{DEFAULT_INVENTORY}")
    parser.add_argument("--entries", help=f"default: ROOT/{ENTRIES}")
    parser.add_argument("--policy", help=f"default: ROOT/{POLICY}")
    parser.add_argument("--cache", help=f"default: BUILD/{CACHE_NAME}")
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_request:
        return 0 if exit_request.code == 0 else 2
    if not pathlib.Path(args.root).is_dir():
        print(f"{PROG}: --root {args.root}: not a directory", file=sys.stderr)
        return 2
    try:
        if args.mode == "check":
            return check(args)
        if args.mode == "update":
            return update(args)
        return list_sites(args)
    except UsageError as error:
        print(f"{PROG}: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
