"""Per-translation-unit call graph and guard facts for the abort audit (tools/audit/abort_audit.py).

One translation unit is compiled with its real command plus
    -fsyntax-only -Xclang -ast-dump=json -Xclang -ast-dump-filter=capos
(every top-level declaration whose name contains `capos`: namespace capos and the capos_* extern
"C" entry points; the C++ library is not dumped, see "External calls" below) and reduced to a
summary that abort_audit.py merges with the other units' summaries and caches. Everything here
is independent of the policy files except the accessor list, which is part of the cache key.

Locations. clang's JSON dump writes `file` and `line` only when they change from the previous
location it printed, so every location is resolved while walking the dump in document order.
A node written by a macro has a spelling and an expansion location; a site is reported at the
expansion location (the line of the KASSERT/TRY use), or, inside a macro argument, at its
spelling (the argument's own text).

Functions are keyed by their mangled name, so the same inline function or template
instantiation seen by several units is one node, and every instantiation is its own node. The
bodies of uninstantiated templates (patterns) are walked for their locations only.

Edges, per function body:
  direct      CallExpr on a function, CXXOperatorCallExpr (`*r`, `r->`, `v[i]`, `a == b`, ...)
  member      CXXMemberCallExpr (the graph adds every override when the method is virtual)
  ctor        CXXConstructExpr / CXXTemporaryObjectExpr, resolved from the constructed type and
              the constructor's type (several candidates when the type is ambiguous: all kept)
  dtor        CXXBindTemporaryExpr (temporaries), local variables and by-value parameters of
              class type, and, for every destructor, its fields' and bases' destructors
  lambda      a LambdaExpr reaches its operator() (whether or not it is called here)
  indirect    a call through a function pointer: the graph adds every function whose address is
              taken anywhere with the same number of parameters
  external    a call to a function clang did not dump (the C++ library, builtins, asm routines):
              recorded by name; the audit requires each name to be a known sink or listed in
              tools/audit/abort_policy.txt, and adds edges to the special members of every
              capos class named in the call's types (a library template may construct, assign
              or destroy them)
  asm         an asm statement whose text contains hlt or ud2 (a stop that is no call)
Accessor calls (abort_policy.txt `accessor` lines: Result's `*`, `->`, value(), take(), error(),
StaticVector::operator[] ...) are edges like any call, and each also gets a guard verdict from
guards(): the function checks the same object before the access on every path to it.
"""
import json
import re
import subprocess

FUNCTION_KINDS = {"FunctionDecl", "CXXMethodDecl", "CXXConstructorDecl", "CXXDestructorDecl",
                  "CXXConversionDecl"}
RECORD_KINDS = {"CXXRecordDecl", "ClassTemplateSpecializationDecl"}
PATTERN_KINDS = {"ClassTemplateDecl", "ClassTemplatePartialSpecializationDecl",
                 "TypeAliasTemplateDecl", "ConceptDecl", "VarTemplateDecl",
                 "VarTemplatePartialSpecializationDecl"}
TRANSPARENT = {"ImplicitCastExpr", "ParenExpr", "MaterializeTemporaryExpr", "ExprWithCleanups",
               "CXXBindTemporaryExpr", "ConstantExpr", "CXXFunctionalCastExpr",
               "CXXStaticCastExpr", "FullExpr", "SubstNonTypeTemplateParmExpr"}
# Functions that only forward their argument: `std::move(r).take()` accesses `r`.
FORWARDING = {"move", "forward", "as_const"}
# Library functions that only pass references through: no class of ours is constructed,
# assigned or destroyed inside them.
PURE_LIBRARY = {"move", "forward", "as_const", "launder", "addressof", "__builtin_addressof"}
PURE_MEMBERS = PURE_LIBRARY | {
    "operator*", "operator->", "operator[]", "operator bool", "has_value", "size", "size_bytes",
    "empty", "data", "begin", "end", "front", "back", "first", "last", "subspan", "load",
    "operator==", "operator!=", "operator++", "operator--", "max", "min", "countr_zero",
    "countr_one", "popcount", "has_single_bit", "in_range", "bit_cast"}
HALT_ASM = re.compile(r"\b(?:hlt|ud2)\b")


class ClangError(Exception):
    pass


def run_clang(command, directory):
    """The JSON documents clang printed for one unit (one per top-level match)."""
    result = subprocess.run(
        command + ["-fsyntax-only", "-Xclang", "-ast-dump=json", "-Xclang",
                   "-ast-dump-filter=capos"],
        cwd=directory, capture_output=True, check=False)
    if result.returncode != 0:
        errors = [line for line in result.stderr.decode(errors="replace").splitlines()
                  if ": error: " in line] or ["(no message)"]
        raise ClangError(errors[0])
    text = result.stdout.decode("utf-8", errors="replace")
    decoder = json.JSONDecoder()
    documents, index, length = [], 0, len(text)
    space = re.compile(r"\s*")
    while True:
        index = space.match(text, index).end()
        if index >= length:
            return documents
        document, index = decoder.raw_decode(text, index)
        documents.append(document)


def strip_type(text):
    """`const capos::Foo<int> &` -> `capos::Foo<int>`; None for pointers and references."""
    text = text.strip()
    if text.endswith(("*", "&")) or "(*)" in text or "(&)" in text:
        return None
    text = re.sub(r"\s*\[[^\]]*\]$", "", text)
    text = re.sub(r"^(?:(?:const|volatile|struct|class|union|enum)\s+)+", "", text)
    text = re.sub(r"\s+(?:const|volatile)$", "", text)
    return text.strip()


def template_name(text):
    """`capos::Foo<int>::Bar` -> `capos::Foo::Bar` (template arguments removed)."""
    out, depth = [], 0
    for ch in text:
        if ch == "<":
            depth += 1
        elif ch == ">":
            depth -= 1
        elif depth == 0:
            out.append(ch)
    return "".join(out)


def type_string(node):
    kind = node.get("type") or {}
    return kind.get("desugaredQualType") or kind.get("qualType") or ""


CAPOS_NAME = re.compile(r"\bcapos::[A-Za-z_][\w:]*")


def capos_types(text):
    """Every `capos::Name<...>` (template arguments included, balanced) in a type string."""
    found = []
    for match in CAPOS_NAME.finditer(text):
        end = match.end()
        if end < len(text) and text[end] == "<":
            depth = 0
            for index in range(end, len(text)):
                depth += {"<": 1, ">": -1}.get(text[index], 0)
                if depth == 0:
                    end = index + 1
                    break
        found.append(text[match.start():end])
        found += capos_types(text[match.end():end])
    return found


class Unit:
    """Walks the dump of one unit; summary() gives what abort_audit.py caches."""

    def __init__(self, root, accessors):
        self.root = root.rstrip("/") + "/"
        self.accessors = accessors  # {display name: guard kind}
        self.file = None
        self.line = None
        self.counter = 0
        self.decls = {}      # id -> function info
        self.records = {}    # id -> record info
        self.vars = {}       # id -> VarDecl/ParmVarDecl node
        self.pattern_records = set()
        self.noreturn = set()     # keys of [[noreturn]] functions
        self.address_ids = set()  # ids of functions whose address is taken
        self.bodies = []     # (function id, node)
        self.texts = {}
        self.by_canonical = {}
        self.by_template = {}

    # ------------------------------------------------------------------------------------------
    # Phase 1: locations, declarations, records.

    def _bare(self, loc):
        if "file" in loc:
            self.file = loc["file"]
        if "line" in loc:
            self.line = loc["line"]
        return (self.file, self.line, loc.get("col", 0), loc.get("offset", -1),
                loc.get("tokLen", 0))

    def _loc(self, loc):
        """(expansion, spelling, in-macro-argument) of a JSON location, or None."""
        if not loc:
            return None
        if "spellingLoc" in loc or "expansionLoc" in loc:
            result = {}
            for key, value in loc.items():
                if key in ("spellingLoc", "expansionLoc") and value:
                    result[key] = (self._bare(value), bool(value.get("isMacroArgExpansion")))
            expansion = result.get("expansionLoc") or result.get("spellingLoc")
            spelling = result.get("spellingLoc") or expansion
            return (expansion[0], spelling[0], expansion[1])
        if "offset" not in loc and "col" not in loc:
            return None
        bare = self._bare(loc)
        return (bare, bare, False)

    def walk(self, documents):
        for document in documents:
            self._visit(document, None, (), False)
        for info in self.records.values():
            for name in info["names"]:
                self.by_canonical.setdefault(name, []).append(info)
            self.by_template.setdefault(template_name(info["canonical"]), []).append(info)

    def _visit(self, node, parent, context, pattern):
        self.counter += 1
        node["_n"] = self.counter
        node["_p"] = parent
        for key in ("loc", "range"):
            value = node.get(key)
            if not value:
                continue
            if key == "loc":
                node["_l"] = self._loc(value)
            else:
                node["_b"] = self._loc(value.get("begin"))
                node["_e"] = self._loc(value.get("end"))
        kind = node.get("kind")
        inner = node.get("inner") or ()
        child_context = context
        if kind == "NamespaceDecl":
            child_context = context + (node.get("name") or "(anonymous namespace)",)
        elif kind in PATTERN_KINDS:
            if kind == "ClassTemplatePartialSpecializationDecl":
                self.pattern_records.add(node.get("id"))
            pattern = pattern or kind != "ClassTemplateDecl"
        elif kind in RECORD_KINDS and not node.get("isImplicit"):
            record_pattern = pattern or (kind == "CXXRecordDecl" and parent is not None and
                                         parent.get("kind") == "ClassTemplateDecl")
            parent_id = node.get("parentDeclContextId")
            if parent_id in self.pattern_records:
                record_pattern = True
            name = node.get("name") or "(lambda)"
            if record_pattern:
                self.pattern_records.add(node.get("id"))
                pattern = True
            elif inner or node.get("completeDefinition"):
                self._record(node, context, name)
            child_context = context + (name,)
        elif kind in FUNCTION_KINDS:
            function_pattern = pattern
            if parent is not None and parent.get("kind") == "FunctionTemplateDecl":
                siblings = [c for c in parent.get("inner", ()) if c.get("kind") in FUNCTION_KINDS]
                function_pattern = function_pattern or (siblings and siblings[0] is node)
            if node.get("parentDeclContextId") in self.pattern_records:
                function_pattern = True
            if not function_pattern:
                self._function(node, context, parent)
            pattern = pattern or function_pattern
            child_context = context + ((node.get("name") or "?"),)
        elif kind in ("VarDecl", "ParmVarDecl"):
            self.vars[node.get("id")] = node
        elif kind == "DeclRefExpr" and not pattern:
            referenced = node.get("referencedDecl") or {}
            if referenced.get("kind") in FUNCTION_KINDS and not is_callee(node):
                # Its address is taken (a function pointer, a global initializer, `&C::f`):
                # an indirect call may reach it.
                self.address_ids.add(referenced.get("id"))
        for child in inner:
            if isinstance(child, dict):
                self._visit(child, node, child_context, pattern)
        for child in node.get("array_filler") or ():
            if isinstance(child, dict):
                self._visit(child, node, child_context, pattern)
        node["_z"] = self.counter  # the last node number of this subtree

    def _qualify(self, context, node):
        parent_id = node.get("parentDeclContextId")
        if parent_id in self.records:
            return self.records[parent_id]["name"]
        return "::".join(part for part in context)

    def _record(self, node, context, name):
        qualified = "::".join(context + (name,))
        if node.get("parentDeclContextId") in self.records:
            qualified = self.records[node["parentDeclContextId"]]["name"] + "::" + name
        canonical = qualified
        if node.get("kind") == "ClassTemplateSpecializationDecl":
            arguments = []
            for child in node.get("inner", ()):
                if child.get("kind") != "TemplateArgument":
                    continue
                if "type" in child:
                    arguments.append(type_string(child))
                elif "value" in child:
                    arguments.append(str(child["value"]))
                else:
                    arguments.append("?")
            canonical = f"{qualified}<{', '.join(arguments)}>"
            # clang prints a type without its trailing default arguments (`Result<int>` for
            # `Result<int, Error>`): the shorter spellings name it too.
            names = [f"{qualified}<{', '.join(arguments[:n])}>" for n in
                     range(len(arguments), 0, -1)]
        else:
            names = [canonical]
        bases = [strip_type(type_string(base)) for base in node.get("bases") or ()]
        fields = [type_string(child) for child in node.get("inner", ())
                  if child.get("kind") == "FieldDecl"]
        previous = self.records.get(node.get("id"))
        self.records[node.get("id")] = {
            "name": qualified, "canonical": canonical, "bases": [b for b in bases if b],
            "fields": fields, "ctors": [], "dtors": [], "assigns": [], "methods": [],
            "names": names,
            "lambda": name == "(lambda)"} if previous is None else previous

    def _function(self, node, context, parent):
        if node.get("isImplicit") and not node.get("mangledName"):
            return
        key = node.get("mangledName")
        if not key:
            return
        parent_id = node.get("parentDeclContextId")
        record = self.records.get(parent_id)
        if record is None and parent is not None and parent.get("kind") in RECORD_KINDS:
            record = self.records.get(parent.get("id"))
        if record is None and parent is not None and parent.get("kind") == "FunctionTemplateDecl":
            grand = parent.get("_p")
            if grand is not None and grand.get("kind") in RECORD_KINDS:
                record = self.records.get(grand.get("id"))
        name = node.get("name") or "?"
        scope = record["name"] if record else self._qualify(context, node)
        display = f"{template_name(scope)}::{name}" if scope else name
        inner = node.get("inner") or ()
        body = next((c for c in inner if c.get("kind") == "CompoundStmt"), None)
        params = [c for c in inner if c.get("kind") == "ParmVarDecl"]
        type_text = (node.get("type") or {}).get("qualType", "")
        if any(c.get("kind") in ("CXX11NoReturnAttr", "C11NoReturnAttr", "NoReturnAttr")
               for c in inner) or "__attribute__((noreturn))" in type_text:
            self.noreturn.add(key)
        info = {
            "key": key, "name": display, "kind": node.get("kind"), "method": name,
            "record": record["canonical"] if record else None,
            "nparams": len(params), "virtual": bool(node.get("virtual")),
            "const": bool(re.search(r"\)\s*const\b", type_text)),
            "implicit": bool(node.get("isImplicit")) or
                        node.get("explicitlyDefaulted") == "default",
            "node": node, "body": body, "params": params,
        }
        self.decls[node.get("id")] = info
        if record:
            bucket = {"CXXConstructorDecl": "ctors", "CXXDestructorDecl": "dtors"}.get(
                node.get("kind"), "methods")
            if name == "operator=":
                bucket = "assigns"
            record[bucket].append(info)
        if body is not None or node.get("isImplicit") or \
                node.get("explicitlyDefaulted") == "default":
            self.bodies.append(info)  # an implicit or `= default` member: its edges are made

    # ------------------------------------------------------------------------------------------
    # Helpers.

    def rel(self, path):
        if path and path.startswith(self.root):
            return path[len(self.root):]
        return path

    def text(self, path):
        """A file's bytes as latin-1 text: clang's offsets count bytes, and latin-1 maps each
        byte to one character (statements are decoded back to UTF-8 by site_of)."""
        if path not in self.texts:
            try:
                with open(path, "rb") as handle:
                    self.texts[path] = handle.read().decode("latin-1")
            except OSError:
                self.texts[path] = ""
        return self.texts[path]

    def site_of(self, node):
        """(relative path, line, column, statement text) of a call or access."""
        begin, end = node.get("_b"), node.get("_e")
        if not begin:
            return None, 0, 0, ""
        expansion, spelling, in_argument = begin
        if in_argument and end and end[2] and spelling[0] == end[1][0]:
            path, line, col, start = spelling[0], spelling[1], spelling[2], spelling[3]
            stop = end[1][3] + end[1][4]
            statement = self.text(path)[start:stop] if stop > start else ""
        else:
            path, line, col, start = expansion[0], expansion[1], expansion[2], expansion[3]
            stop = end[0][3] + end[0][4] if end else start
            source = self.text(path)
            if end and end[0][0] == path and stop > start and not \
                    re.match(r"[A-Z_][A-Z0-9_]*\s*\(", source[start:start + 40]):
                statement = source[start:stop]
            else:
                statement = balanced(source, start)
        statement = statement.encode("latin-1").decode("utf-8", errors="replace")
        return self.rel(path), line or 0, col, re.sub(r"\s+", " ", statement).strip()

    def records_for(self, type_text):
        name = strip_type(type_text or "")
        if not name:
            return []
        exact = self.by_canonical.get(name)
        if exact:
            # A shorter spelling shared by several specializations: prefer the one whose full
            # argument list is that spelling (clang drops only default arguments).
            full = [record for record in exact if record["canonical"] == name]
            return full or exact
        return self.by_template.get(template_name(name), [])

    # ------------------------------------------------------------------------------------------
    # Phase 2: per function, its edges, sites and accessor calls.

    def summary(self):
        functions = {}
        address_taken = set()
        self._call_sites = []
        for info in self.bodies:
            entry = functions.get(info["key"])
            if entry is not None and entry["defined"]:
                continue
            functions[info["key"]] = self._summarise(info, address_taken)
        self._derive(functions)
        for identifier in self.address_ids:
            info = self.decls.get(identifier)
            if info is not None:
                address_taken.add(info["key"])
        for info in self.decls.values():
            if info["key"] not in functions:
                functions[info["key"]] = self._declaration(info)
        records = {}
        for info in self.records.values():
            if info["lambda"]:
                continue
            records.setdefault(info["canonical"], {
                "name": info["name"], "bases": [], "special": []})
            entry = records[info["canonical"]]
            for base in info["bases"]:
                for candidate in self.records_for(base) or [{"canonical": base}]:
                    if candidate["canonical"] not in entry["bases"]:
                        entry["bases"].append(candidate["canonical"])
            for member in info["ctors"] + info["dtors"] + info["assigns"]:
                if member["key"] not in entry["special"]:
                    entry["special"].append(member["key"])
        return {"functions": functions, "records": records,
                "address_taken": sorted(address_taken)}

    def _derive(self, functions):
        """Preconditions on parameters, propagated to the callers in this unit (fixpoint).

        An access that is not guarded in its function but is made on a parameter (`v[i]` with
        `v` and `i` parameters, `*r` with `r` a parameter) gives the function a precondition;
        every call of it in this unit is then checked like an access, with the arguments in
        place of the parameters, and may in turn give its caller a precondition."""
        derived = {}
        for key, summary in functions.items():
            for access in summary["accesses"]:
                if access[7] != "guarded" and access[8] is not None and \
                        access[8] not in derived.setdefault(key, []):
                    derived[key].append(access[8])
        checked = set()
        changed = True
        while changed:
            changed = False
            for caller, callee, node, arguments in self._call_sites:
                for precondition in list(derived.get(callee["key"], ())):
                    marker = (node["_n"], tuple(map(str, precondition)))
                    if marker in checked:
                        continue
                    checked.add(marker)
                    if caller["name"] in self.accessors:
                        continue
                    self._function_info = caller
                    guard, key, index, strict = translate(self, precondition, arguments)
                    if key:
                        verdict, known = guarded(self, node, guard, key, index, strict)
                    else:
                        verdict, known = "an argument is not a variable", ()
                    inherited = None
                    if verdict != "guarded" and key:
                        inherited = parameter_precondition(self, guard, key, index, known,
                                                           strict)
                    path, line, col, statement = self.site_of(node)
                    summary = functions[caller["key"]]
                    summary["accesses"].append(
                        [callee["key"], callee["name"], guard, path, line, col, statement,
                         verdict, inherited, precondition])
                    if inherited is not None and \
                            inherited not in derived.setdefault(caller["key"], []):
                        derived[caller["key"]].append(inherited)
                        changed = True
        for key, preconditions in derived.items():
            if preconditions:
                functions[key]["preconditions"] = preconditions

    def _declaration(self, info):
        node = info["node"]
        located = node.get("_l")
        path, line = (self.rel(located[0][0]), located[0][1]) if located else (None, 0)
        return {"name": info["name"], "method": info["method"], "record": info["record"],
                "nparams": info["nparams"], "virtual": info["virtual"], "defined": False,
                "file": path, "line": line, "calls": [], "accesses": [],
                "preconditions": [], "noreturn": info["key"] in self.noreturn}

    def _summarise(self, info, address_taken):
        result = self._declaration(info)
        result["defined"] = True  # a body, or an implicit constructor or destructor
        calls = []
        accesses = []
        self._calls, self._accesses, self._address = calls, accesses, address_taken
        self._function_info = info
        node = info["node"]
        for child in node.get("inner") or ():
            kind = child.get("kind")
            if kind == "ParmVarDecl":
                for record in self.records_for(type_string(child)):
                    self._add_dtors(record, child)
            elif kind == "CompoundStmt" or kind == "CXXCtorInitializer":
                self._walk(child)
        if info["kind"] == "CXXDestructorDecl" and info["record"]:
            owner = next((r for r in self.records.values()
                          if r["canonical"] == info["record"]), None)
            if owner:
                for field in owner["fields"]:
                    for record in self.records_for(field):
                        self._add_dtors(record, node)
                    self._external_types(field, node)
                for base in owner["bases"]:
                    for record in self.records_for(base):
                        self._add_dtors(record, node)
        if info["kind"] == "CXXConstructorDecl" and info["implicit"] and info["body"] is None \
                and info["record"]:
            owner = next((r for r in self.records.values()
                          if r["canonical"] == info["record"]), None)
            for field in owner["fields"] if owner else ():
                for record in self.records_for(field):
                    for ctor in record["ctors"]:
                        self._edge("ctor", ctor["key"], node)
        result["calls"] = calls
        result["accesses"] = accesses
        return result

    def _edge(self, kind, target, node):
        path, line, col, statement = self.site_of(node)
        entry = [kind, target, path, line, col, statement]
        if kind == "external":
            entry.append([])  # capos classes in its types (_external_types)
        self._calls.append(entry)

    def _add_dtors(self, record, node):
        for dtor in record["dtors"]:
            self._edge("dtor", dtor["key"], node)

    def _external_types(self, type_text, node):
        """Marks the capos classes named in a library call's types: the graph adds edges to
        their constructors, destructors and assignments (a library template may run them).
        Not for the library's observers (PURE_MEMBERS: `*`, `->`, `[]`, size(), data(), ...),
        which return a reference or a scalar and run none of our code."""
        if self._calls and self._calls[-1][0] == "external" and \
                self._calls[-1][1].rpartition("::")[2] not in PURE_MEMBERS:
            names = self._calls[-1][6]
            for name in capos_types(type_text or ""):
                if name in self.by_canonical and name not in names:
                    names.append(name)

    def _walk(self, node):
        kind = node.get("kind")
        if kind == "LambdaExpr":
            for child in node.get("inner", ()):
                if child.get("kind") == "CXXRecordDecl":
                    record = self.records.get(child.get("id"))
                    for method in record["methods"] if record else ():
                        if method["method"] == "operator()":
                            self._edge("lambda", method["key"], node)
                elif child is not node["inner"][-1]:
                    self._walk(child)
            return
        if kind in RECORD_KINDS or kind in FUNCTION_KINDS or kind == "FunctionTemplateDecl":
            return  # a local class: its members are functions of their own
        handler = HANDLERS.get(kind)
        if handler:
            handler(self, node)
        for child in node.get("inner") or ():
            if isinstance(child, dict):
                self._walk(child)
        for child in node.get("array_filler") or ():
            if isinstance(child, dict):
                self._walk(child)

    def _callee_decl(self, node):
        """The function a call's callee expression names, as (info or None, name, node)."""
        callee = strip(node["inner"][0]) if node.get("inner") else None
        if callee is None:
            return None, None, None
        if callee.get("kind") == "DeclRefExpr":
            referenced = callee.get("referencedDecl") or {}
            if referenced.get("kind") in FUNCTION_KINDS:
                return self.decls.get(referenced.get("id")), referenced.get("name"), callee
            return None, None, callee
        if callee.get("kind") == "MemberExpr":
            info = self.decls.get(callee.get("referencedMemberDecl"))
            if info is not None:
                return info, callee.get("name"), callee
        return None, None, callee  # a function pointer: an indirect call

    def on_call(self, node):
        info, name, callee = self._callee_decl(node)
        if callee is not None and callee.get("kind") == "CXXPseudoDestructorExpr":
            return  # `x.~T()` for a scalar T: no code
        arguments = node.get("inner", [])[1:]
        if info is not None:
            self._edge("direct", info["key"], node)
            member_operator = node.get("kind") == "CXXOperatorCallExpr" and \
                info["kind"] != "FunctionDecl"
            obj = arguments[0] if arguments and member_operator else None
            self._maybe_access(info, node, obj, arguments)
            self._call_sites.append((self._function_info, info, node,
                                     arguments[1:] if member_operator else arguments))
            callee["_callee"] = True
        elif name is not None:
            callee["_callee"] = True
            if node.get("kind") == "CXXOperatorCallExpr" and arguments:
                owner = strip_type(type_string(arguments[0]))
                if owner and "::" in owner:
                    name = f"{template_name(owner)}::{name}"
            self._edge("external", name, node)
            if name in self.accessors and node.get("kind") == "CXXOperatorCallExpr":
                self._maybe_access({"key": "ext:" + name, "name": name}, node, arguments[0],
                                   arguments)
            if name not in PURE_LIBRARY:
                for argument in arguments:
                    self._external_types(type_string(argument), node)
        else:
            self._edge("indirect", str(len(arguments)), node)

    def on_member_call(self, node):
        inner = node.get("inner") or []
        callee = strip(inner[0]) if inner else None
        if callee is not None and callee.get("kind") == "CXXPseudoDestructorExpr":
            return  # `x.~T()` for a scalar T: no code
        if callee is None or callee.get("kind") != "MemberExpr":
            self._edge("indirect", str(max(0, len(inner) - 1)), node)
            return
        info = self.decls.get(callee.get("referencedMemberDecl"))
        obj = callee.get("inner", [None])[0]
        if info is None:
            owner = template_name(strip_type(type_string(obj)) or "?") if obj else "?"
            if callee.get("isArrow"):
                owner = template_name(type_string(obj).rstrip(" *").replace("const ", ""))
            name = f"{owner}::{callee.get('name')}"
            self._edge("external", name, node)
            self._external_types(type_string(obj) if obj else "", node)
            if name in self.accessors:
                self._maybe_access({"key": "ext:" + name, "name": name}, node, obj, inner[1:])
            for argument in inner[1:]:
                self._external_types(type_string(argument), node)
            return
        self._edge("member", info["key"], node)
        self._maybe_access(info, node, obj, inner[1:], arrow=callee.get("isArrow"))
        self._call_sites.append((self._function_info, info, node, inner[1:]))

    def on_construct(self, node):
        constructed = type_string(node)
        ctor_type = (node.get("ctorType") or {}).get("qualType")
        records = self.records_for(constructed)
        targets = []
        for record in records:
            targets += [c for c in record["ctors"]
                        if (c["node"].get("type") or {}).get("qualType") == ctor_type]
        if not targets:
            for record in records:
                targets += record["ctors"]
        if records:
            for target in {t["key"]: t for t in targets}.values():
                self._edge("ctor", target["key"], node)
        elif constructed and not re.match(r"^(?:const\s+)?(?:unsigned |signed )?\w+$",
                                          constructed):
            self._edge("external", template_name(strip_type(constructed) or constructed) +
                       "::(constructor)", node)
            self._external_types(constructed, node)

    def on_bind_temporary(self, node):
        dtor = node.get("dtor") or {}
        info = self.decls.get(dtor.get("id"))
        if info is not None:
            self._edge("dtor", info["key"], node)
        elif dtor:
            self._edge("external", template_name(strip_type(type_string(node)) or "?") +
                       "::(destructor)", node)
            self._external_types(type_string(node), node)

    def on_var(self, node):
        if node.get("storageClass") in ("static", "extern"):
            return
        type_text = type_string(node)
        for record in self.records_for(type_text):
            self._add_dtors(record, node)

    def on_new(self, node):
        operator = node.get("operatorNewDecl") or {}
        if operator and operator.get("id") not in self.decls:
            self._edge("external", operator.get("name", "operator new"), node)

    def on_delete(self, node):
        operator = node.get("operatorDeleteDecl") or {}
        if operator:
            self._edge("external", operator.get("name", "operator delete"), node)

    def on_asm(self, node):
        path, line, col, statement = self.site_of(node)
        begin, end = node.get("_b"), node.get("_e")
        text = ""
        if begin and end:
            text = self.text(begin[0][0])[begin[0][3]:end[0][3] + end[0][4]]
        if HALT_ASM.search(text):
            self._calls.append(["asm", "asm", path, line, col, statement[:80]])

    # ------------------------------------------------------------------------------------------
    # Guard analysis (the Result-access class).

    def _maybe_access(self, info, node, obj, arguments, arrow=False):
        guard = self.accessors.get(info["name"])
        if guard is None:
            return
        if self._function_info["name"] in self.accessors:
            return  # inside an accessor: its own precondition, judged at its callers
        key = path_key(self, obj) if obj is not None else None
        index = None
        if guard == "index":
            index_node = arguments[1] if node.get("kind") == "CXXOperatorCallExpr" and \
                len(arguments) > 1 else (arguments[0] if arguments else None)
            index = value_key(self, index_node)
        if key:
            verdict, known = guarded(self, node, guard, key, index)
        else:
            verdict, known = "the object is not a variable (a temporary or a call's result)", ()
        path, line, col, statement = self.site_of(node)
        precondition = None
        if verdict != "guarded" and key:
            precondition = parameter_precondition(self, guard, key, index, known)
        self._accesses.append([info["key"], info["name"], guard, path, line, col, statement,
                               verdict, precondition])


def is_callee(node):
    """Whether a DeclRefExpr is the function a call names (not an address taken)."""
    child, parent = node, node.get("_p")
    while parent is not None and parent.get("kind") in ("ImplicitCastExpr", "ParenExpr"):
        child, parent = parent, parent.get("_p")
    return parent is not None and parent.get("kind") in ("CallExpr", "CXXOperatorCallExpr") \
        and (parent.get("inner") or [None])[0] is child


def strip(node):
    while node is not None and node.get("kind") in TRANSPARENT and node.get("inner"):
        node = node["inner"][0]
    return node


def balanced(source, start):
    open_at = source.find("(", start, start + 200)
    if open_at < 0:
        end = source.find("\n", start)
        return source[start:end if end >= 0 else start + 80]
    depth = 0
    for index in range(open_at, min(len(source), open_at + 2000)):
        if source[index] == "(":
            depth += 1
        elif source[index] == ")":
            depth -= 1
            if depth == 0:
                return source[start:index + 1]
    return source[start:open_at + 80]


# ------------------------------------------------------------------------------------------------
# Object keys: which expressions name "the same object" for the guard analysis.

def path_key(unit, node):
    """A stable name for a variable path (`r`, `this->m_x.y`, `*p`, `v[i].caps`), or None for
    anything involving another call, a temporary or an unknown form. Local references are
    followed to the path they were bound to (`const auto& v = m.services;` -> `m.services`)."""
    node = strip(node)
    if node is None:
        return None
    kind = node.get("kind")
    inner = node.get("inner") or []
    if kind == "CXXConstructExpr" and len(inner) == 1:
        return path_key(unit, inner[0])  # a copy or move holds the same state
    if kind == "CallExpr" and inner:
        callee = strip(inner[0])
        if callee.get("kind") == "DeclRefExpr" and \
                (callee.get("referencedDecl") or {}).get("name") in FORWARDING and \
                len(inner) == 2:
            return path_key(unit, inner[1])
        return None
    if kind == "DeclRefExpr":
        referenced = node.get("referencedDecl") or {}
        if referenced.get("kind") not in ("VarDecl", "ParmVarDecl"):
            return None
        variable = unit.vars.get(referenced.get("id"))
        if variable is not None and variable.get("kind") == "VarDecl" and \
                type_string(variable).rstrip().endswith("&") and variable.get("inner"):
            bound = path_key(unit, variable["inner"][0])
            if bound:
                return bound
        return f"v{referenced.get('id')}"
    if kind == "MemberExpr":
        base_key = path_key(unit, inner[0] if inner else None)
        return f"{base_key}.{node.get('name')}" if base_key else None
    if kind == "CXXThisExpr":
        return "this"
    if kind == "UnaryOperator" and node.get("opcode") == "*":
        return path_key(unit, inner[0] if inner else None)  # `(*p).x` and `p->x` are one path
    if kind in ("CXXOperatorCallExpr", "ArraySubscriptExpr") and len(inner) >= 2:
        if kind == "CXXOperatorCallExpr":
            callee = strip(inner[0])
            if ((callee or {}).get("referencedDecl") or {}).get("name") != "operator[]" or \
                    len(inner) != 3:
                return None
            base, index = inner[1], inner[2]
        else:
            base, index = inner[0], inner[1]
        base_key, index_key = path_key(unit, base), value_key(unit, index)
        if base_key and isinstance(index_key, str):
            return f"{base_key}[{index_key}]"
    return None


def value_key(unit, node):
    """An index: a path, a constant (`#3`), or `size(K) - 1` as ("last", K)."""
    node = strip(node)
    if node is None:
        return None
    if node.get("kind") == "IntegerLiteral":
        return f"#{node.get('value')}"
    if node.get("kind") == "BinaryOperator" and node.get("opcode") == "-":
        left, right = node["inner"][0], strip(node["inner"][1])
        size = size_key(unit, left)
        if size and right is not None and right.get("kind") == "IntegerLiteral" and \
                str(right.get("value")) == "1":
            return ("last", size)
    return path_key(unit, node)


# ------------------------------------------------------------------------------------------------
# Facts a condition establishes.

def member_call(node):
    """(object node, method name) of `obj.m()` / `obj->m()`, else (None, None)."""
    node = strip(node)
    if node is None or node.get("kind") != "CXXMemberCallExpr" or not node.get("inner"):
        return None, None
    callee = strip(node["inner"][0])
    if callee.get("kind") != "MemberExpr":
        return None, None
    return callee.get("inner", [None])[0], callee.get("name")


def size_key(unit, node, depth=0):
    """The object whose size() `node` reads, directly or through an unmodified const local."""
    obj, name = member_call(node)
    if obj is not None and name in ("size", "length", "count"):
        return path_key(unit, obj)
    node = strip(node)
    if depth < 3 and node is not None and node.get("kind") == "DeclRefExpr":
        variable = unit.vars.get((node.get("referencedDecl") or {}).get("id"))
        if variable is not None and variable.get("kind") == "VarDecl" and variable.get("inner") \
                and (variable.get("type") or {}).get("qualType", "").startswith("const "):
            return size_key(unit, variable["inner"][0], depth + 1)
    return None


def facts(unit, node, truth, depth=0):
    """The facts that hold when `node` evaluates to `truth`:
      ("has", K) / ("no", K)   K holds a value / an error
      ("lt", A, B), ("le", A, B)   A < B, A <= B; A and B are index keys or ("size", K)"""
    node = strip(node)
    if node is None or depth > 8:
        return set()
    kind = node.get("kind")
    if kind == "UnaryOperator" and node.get("opcode") == "!":
        return facts(unit, node["inner"][0], not truth, depth + 1)
    if kind == "BinaryOperator":
        opcode = node.get("opcode")
        left, right = node["inner"][0], node["inner"][1]
        if opcode == "&&":
            return facts(unit, left, True, depth + 1) | facts(unit, right, True, depth + 1) \
                if truth else set()
        if opcode == "||":
            return facts(unit, left, False, depth + 1) | facts(unit, right, False, depth + 1) \
                if not truth else set()
        if opcode in ("<", ">", "<=", ">=", "==", "!="):
            return comparison(unit, opcode, left, right, truth)
        return set()
    obj, name = member_call(node)
    if obj is not None and name in ("has_value", "operator bool"):
        pushed_to, pushed = member_call(obj)
        if pushed in ("push_back", "emplace_back") and truth:
            # A push that succeeded: the vector is not empty (its last index is valid).
            key = path_key(unit, pushed_to)
            return {("lt", "#0", ("size", key))} if key else set()
        key = path_key(unit, obj)
        return {("has" if truth else "no", key)} if key else set()
    if obj is not None and name == "empty" and not truth:
        key = path_key(unit, obj)
        return {("lt", "#0", ("size", key))} if key else set()
    if kind == "DeclRefExpr":
        # A local bool: `const bool resolved = index.has_value(); KASSERT(resolved);`
        variable = unit.vars.get((node.get("referencedDecl") or {}).get("id"))
        if variable is not None and variable.get("kind") == "VarDecl" and variable.get("inner") \
                and not assigned_anywhere(unit, f"v{variable.get('id')}"):
            return facts(unit, variable["inner"][0], truth, depth + 1)
    return set()


def operand(unit, node):
    size = size_key(unit, node)
    if size:
        return ("size", size)
    return value_key(unit, node)


def comparison(unit, opcode, left, right, truth):
    a, b = operand(unit, left), operand(unit, right)
    if a is None or b is None:
        return set()
    if not truth:
        opcode = {"<": ">=", ">=": "<", ">": "<=", "<=": ">", "==": "!=", "!=": "=="}[opcode]
    if opcode == "<":
        return {("lt", a, b)}
    if opcode == ">":
        return {("lt", b, a)}
    if opcode == "<=":
        return {("le", a, b)}
    if opcode == ">=":
        return {("le", b, a)}
    if opcode == "!=" and b == "#0" and isinstance(a, tuple):
        return {("lt", "#0", a)}  # size() != 0
    if opcode == "==":
        return {("le", a, b), ("le", b, a)}
    return set()


def bound(known, value, target, strict):
    """Whether a chain of < and <= facts leads from `value` to `target` (with at least one <
    when `strict`)."""
    frontier, seen = [(value, False)], set()
    while frontier:
        current, was_strict = frontier.pop()
        if (current, was_strict) in seen:
            continue
        seen.add((current, was_strict))
        if current == target and (was_strict or not strict):
            return True
        for fact in known:
            if fact[0] in ("lt", "le") and fact[1] == current:
                frontier.append((fact[2], was_strict or fact[0] == "lt"))
    return False


def satisfied(known, guard, key, index, strict=True):
    if guard == "has_value":
        return ("has", key) in known
    if guard == "no_value":
        return ("no", key) in known
    if guard == "index" and index is not None:
        if isinstance(index, tuple) and index[0] == "last":
            # size(K) - 1 is an index of K when K is not empty.
            return index[1] == key and bound(known, "#0", ("size", key), True)
        if index == "#0" and not strict:
            return True
        return bound(known, index, ("size", key), strict)
    return False


# ------------------------------------------------------------------------------------------------
# Control structure: which facts hold at a node.

def exits(node):
    """True when `node` (a statement) never completes normally: return, break, continue, a call
    of a [[noreturn]] function (capos_panic, fail_boot, ...), or a block/if whose every path
    does."""
    node = strip(node)
    if node is None:
        return False
    kind = node.get("kind")
    if kind in ("ReturnStmt", "BreakStmt", "ContinueStmt", "GotoStmt"):
        return True
    if kind == "CompoundStmt":
        return any(exits(child) for child in node.get("inner") or ())
    if kind == "IfStmt":
        _, then, otherwise = if_parts(node)
        return otherwise is not None and exits(then) and exits(otherwise)
    if kind in ("CallExpr", "CXXMemberCallExpr"):
        callee = strip(node["inner"][0]) if node.get("inner") else None
        if callee is None:
            return False
        declared = callee.get("referencedDecl") or {}
        info = UNIT[0].decls.get(declared.get("id") or callee.get("referencedMemberDecl"))
        if info is not None:
            return info["key"] in UNIT[0].noreturn
        return declared.get("name") in NORETURN_BUILTINS
    return False


NORETURN_BUILTINS = {"__builtin_trap", "__builtin_unreachable", "__builtin_abort", "abort"}
UNIT = [None]  # the unit being analysed (exits() has no other way to reach its tables)


def if_parts(node):
    """(condition, then, else) of an IfStmt (init statement and condition variable skipped)."""
    inner = node.get("inner") or []
    count = 2 + (1 if node.get("hasElse") else 0)
    tail = inner[-count:]
    return tail[0], tail[1], (tail[2] if node.get("hasElse") else None)


def kassert_condition(node):
    """The condition `c` of `KASSERT(c)` (`do { if (!(c)) capos_panic(...); } while (0)`): the
    IfStmt's condition, which is false after the statement."""
    node = strip(node)
    if node is None or node.get("kind") != "DoStmt":
        return None
    body = node.get("inner", [None])[0]
    if body is not None and body.get("kind") == "CompoundStmt" and \
            len(body.get("inner") or ()) == 1:
        body = body["inner"][0]
    if body is None or body.get("kind") != "IfStmt" or body.get("hasElse"):
        return None
    condition, then, _ = if_parts(body)
    return condition if exits(then) else None


def statement_facts(unit, statement):
    """(facts, node number after which a write cancels them) that hold after `statement`
    completes normally: an early exit on the negated condition (`if (!r) return ...;`,
    `KASSERT(r)`, `if (c) {...} else return;`)."""
    statement = strip(statement)
    if statement is None:
        return set(), 0
    if statement.get("kind") == "IfStmt":
        condition, then, otherwise = if_parts(statement)
        known = set()
        if exits(then):
            known |= facts(unit, condition, False)
        if otherwise is not None and exits(otherwise):
            known |= facts(unit, condition, True)
        return known, condition.get("_z", 0)
    condition = kassert_condition(statement)
    if condition is not None:
        return facts(unit, condition, False), condition.get("_z", 0)
    return set(), 0


def lambda_site(method):
    """The LambdaExpr that defines `method` (its operator()), when the lambda is passed
    straight to a call (not stored): the facts at that argument hold while the call runs it."""
    record = method.get("_p")
    if record is not None and record.get("kind") == "FunctionTemplateDecl":
        record = record.get("_p")
    lambda_node = record.get("_p") if record is not None else None
    if lambda_node is None or lambda_node.get("kind") != "LambdaExpr":
        return None
    parent = lambda_node.get("_p")
    while parent is not None and parent.get("kind") in TRANSPARENT | {"CXXConstructExpr"}:
        parent = parent.get("_p")
    if parent is None or parent.get("kind") not in ("CallExpr", "CXXMemberCallExpr",
                                                     "CXXOperatorCallExpr"):
        return None
    return lambda_node


def guarded(unit, access, guard, key, index, strict=True):
    """('guarded', facts) when the facts on every path to `access` prove its precondition,
    otherwise (a short reason, facts). Structured code only: the enclosing if/?:/&&/||/while/for
    conditions and the earlier statements of every enclosing block (an early exit on the
    negated condition), across a lambda passed straight to a call. A write to the object or
    the index (assignment, ++/--, a non-const method call) between the check and the access
    cancels the check."""
    known = []  # (facts, window start, window end): a write inside the window cancels them
    node, parent = access, access.get("_p")
    outermost = None
    # Writes after the access still reach it again when a loop (or a lambda the callee may run
    # repeatedly) encloses both: facts established outside such a loop are cancelled by a
    # write anywhere in it.
    horizon = access["_n"]

    def add(found, after):
        if found:
            known.append((found, after, horizon))

    while parent is not None:
        kind = parent.get("kind")
        inner = parent.get("inner") or []
        if kind == "IfStmt":
            condition, then, otherwise = if_parts(parent)
            if node is then:
                add(facts(unit, condition, True), condition.get("_z", 0))
            elif node is otherwise:
                add(facts(unit, condition, False), condition.get("_z", 0))
        elif kind == "ConditionalOperator" and len(inner) == 3:
            if node is inner[1]:
                add(facts(unit, inner[0], True), inner[0].get("_z", 0))
            elif node is inner[2]:
                add(facts(unit, inner[0], False), inner[0].get("_z", 0))
        elif kind == "BinaryOperator" and parent.get("opcode") in ("&&", "||") and \
                node is inner[1]:
            add(facts(unit, inner[0], parent.get("opcode") == "&&"), inner[0].get("_z", 0))
        elif kind in ("WhileStmt", "ForStmt", "DoStmt", "CXXForRangeStmt"):
            condition = loop_condition(parent) if kind in ("WhileStmt", "ForStmt") else None
            if condition is not None and inner and node is inner[-1]:
                # From the start of the body: the increment runs before the condition.
                add(facts(unit, condition, True), node["_n"] - 1)
            horizon = max(horizon, parent.get("_z", 0) + 1)
        elif kind in ("CompoundStmt", "StmtExpr"):
            for sibling in inner:
                if sibling is node:
                    break
                found, after = statement_facts(unit, sibling)
                add(found, after)
        elif kind in FUNCTION_KINDS:
            outermost = parent
            site = lambda_site(parent)
            if site is None:
                break
            horizon = max(horizon, site.get("_z", 0) + 1)
            node, parent = site, site.get("_p")
            continue
        node, parent = parent, parent.get("_p")
    writes = assignments(unit, outermost) if outermost is not None else {}
    usable = set()
    for found, after, before in known:
        for fact in found:
            if not killed(writes, fact, after, before):
                usable.add(fact)
    if satisfied(usable, guard, key, index, strict):
        return "guarded", usable
    if guard == "index":
        return ("no check of the index against this object's size() dominates the access",
                usable)
    return "no check of this Result dominates the access", usable


def loop_condition(node):
    inner = node.get("inner") or []
    if node.get("kind") == "WhileStmt":
        return inner[-2] if len(inner) >= 2 else None
    # ForStmt: [init, condition variable, condition, increment, body]; absent parts are {}.
    if len(inner) == 5:
        return inner[2] if inner[2] else None
    return None


CONST_LIKE = {"has_value", "operator bool", "value", "take", "error", "operator*", "operator->",
              "operator[]", "size", "empty", "begin", "end", "data", "at", "span", "first",
              "subspan", "last", "value_or", "size_bytes"}


def assignments(unit, function=None):
    """{object key: [node numbers]} of every write in a function body (cached on the node):
    assignments, compound assignments, ++/--, operator=, and calls of non-const methods."""
    function = function if function is not None else unit._function_info["node"]
    cached = function.get("_writes")
    if cached is not None:
        return cached
    writes = {}

    def add(target, node):
        key = path_key(unit, target)
        if key:
            writes.setdefault(key, []).append(node["_n"])

    def visit(node):
        kind = node.get("kind")
        inner = node.get("inner") or []
        if kind in ("BinaryOperator", "CompoundAssignOperator") and inner and \
                (kind == "CompoundAssignOperator" or node.get("opcode") == "="):
            add(inner[0], node)
        elif kind == "UnaryOperator" and node.get("opcode") in ("++", "--") and inner:
            add(inner[0], node)
        elif kind == "CXXOperatorCallExpr" and len(inner) >= 2:
            callee = strip(inner[0])
            name = ((callee or {}).get("referencedDecl") or {}).get("name", "")
            if name in ("operator=", "operator++", "operator--", "operator+=", "operator-="):
                add(inner[1], node)
        elif kind == "CXXMemberCallExpr" and inner:
            callee = strip(inner[0])
            if callee is not None and callee.get("kind") == "MemberExpr":
                method = unit.decls.get(callee.get("referencedMemberDecl"))
                if (method is None or not method["const"]) and \
                        callee.get("name") not in CONST_LIKE:
                    add(callee.get("inner", [None])[0], node)
        for child in inner:
            if isinstance(child, dict):
                visit(child)

    for child in function.get("inner") or ():
        if isinstance(child, dict) and child.get("kind") != "ParmVarDecl":
            visit(child)
    function["_writes"] = writes
    return writes


def assigned_anywhere(unit, key):
    return key in assignments(unit)


VARIABLE = re.compile(r"v0x[0-9a-f]+")


def killed(writes, fact, after, before):
    """Whether a write between node numbers `after` and `before` touches a path of `fact`: the
    path itself, a prefix of it (`v = ...` kills `v.items`), a path under it, or a variable
    used inside it (`v[i]` after `++i`)."""
    keys = []
    for part in fact[1:]:
        part = part[1] if isinstance(part, tuple) else part
        if isinstance(part, str) and not part.startswith("#"):
            keys.append(part)
            keys += VARIABLE.findall(part)
    for key in keys:
        for prefix, numbers in writes.items():
            if key == prefix or key.startswith((prefix + ".", prefix + "[")) or \
                    prefix.startswith((key + ".", key + "[")):
                if any(after < number < before for number in numbers):
                    return True
    return False


def translate(unit, precondition, arguments):
    """(guard, object key, index key, strict) of a callee's parameter precondition at one call:
    the arguments' paths in place of the parameters."""
    guard, object_position, rest, index_position, index_rest, strict = precondition

    def argument_key(position, suffix):
        if position is None or position >= len(arguments):
            return None
        key = value_key(unit, arguments[position])
        if not isinstance(key, str) or key.startswith("#"):
            return key if not suffix else None
        return f"{key}.{suffix}" if suffix else key

    key = argument_key(object_position, rest)
    if guard != "index":
        return guard, key, None, True
    if index_position is None:
        return guard, key, index_rest, strict  # a constant index
    return guard, key, argument_key(index_position, index_rest), strict


def parameter_precondition(unit, guard, key, index, known, strict=True):
    """When an unguarded access is on a path rooted at a parameter, the precondition it gives
    the function (checked at every call in the same unit by Unit._derive):
      has_value / no_value on parameter P's path;
      index: parameter Q's path (or a constant) < size of parameter P's path, or, for a local
      index bounded by a parameter (`for (j = 0; j < i; ++j) v[j]`), i <= size (i < size when
      the bound is <=)."""
    params = unit._function_info["params"]
    ids = {f"v{param.get('id')}": position for position, param in enumerate(params)}

    def split(path):
        if not isinstance(path, str):
            return None, None
        root, _, rest = path.partition(".")
        if "[" in root:
            return None, None
        return (ids[root], rest) if root in ids else (None, None)

    object_position, rest = split(key)
    if object_position is None:
        return None
    # The caller's check speaks of the state at the call: a write to the object (or the index)
    # anywhere in this function voids it, so no precondition is derived then.
    writes = assignments(unit)

    def written(path):
        return killed(writes, ("lt", path, path), -1, float("inf"))

    if written(key):
        return None
    if guard != "index":
        return [guard, object_position, rest, None, None, True]
    if isinstance(index, str) and index.startswith("#"):
        return [guard, object_position, rest, None, index, strict]
    index_position, index_rest = split(index)
    if index_position is not None:
        if written(index):
            return None
        return [guard, object_position, rest, index_position, index_rest, strict]
    for fact in sorted(known, key=str):
        if fact[0] in ("lt", "le") and fact[1] == index:
            bound_position, bound_rest = split(fact[2])
            if bound_position is not None and not written(fact[2]):
                # index < bound (or <=): bound <= size (or <) is enough.
                return [guard, object_position, rest, bound_position, bound_rest,
                        fact[0] == "le"]
    return None


HANDLERS = {
    "CallExpr": Unit.on_call,
    "CXXOperatorCallExpr": Unit.on_call,
    "CXXMemberCallExpr": Unit.on_member_call,
    "CXXConstructExpr": Unit.on_construct,
    "CXXTemporaryObjectExpr": Unit.on_construct,
    "CXXBindTemporaryExpr": Unit.on_bind_temporary,
    "VarDecl": Unit.on_var,
    "CXXNewExpr": Unit.on_new,
    "CXXDeleteExpr": Unit.on_delete,
    "GCCAsmStmt": Unit.on_asm,
}


def analyse(command, directory, root, accessors):
    """Runs clang on one unit and returns its summary (see the module docstring)."""
    documents = run_clang(command, directory)
    unit = Unit(root, accessors)
    UNIT[0] = unit
    unit.walk(documents)
    return unit.summary()
