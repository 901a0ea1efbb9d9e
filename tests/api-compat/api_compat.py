#!/usr/bin/env python3
"""api_compat.py: the public API of the generated kernel::net::phy and
kernel::block::mq against upstream 6.12's, from rustdoc JSON of the `kernel`
crate (tests/api-compat/rustdoc_json.py). Run by tests/api-compat/check.sh inside the toolchain root.

  api_compat.py compare UPSTREAM.json GENERATED.json DIFFERENCES.md
      Compare the two; print one line per difference:
        missing ITEM                                 upstream has it, generated not
        changed ITEM: upstream SIG / generated SIG
      A difference is allowed when DIFFERENCES.md lists it. Exit 1 on an
      unlisted difference or on a listed one that no longer occurs (stale);
      exit 2 on bad input.
  api_compat.py dump API.json
      Print every ITEM and its SIG (to read one side alone).

ITEMs, all reached through public paths (re-exports followed) under the
modules in SCOPES, plus the `#[macro_export]` macros defined in their files:
modules, structs (and their pub fields), unions, enums (and each variant with
its fields and discriminant value), traits (and each method, associated const
and type, with whether it has a default: a default that upstream lacks is
no change, one that the generated trait lacks is), inherent impls' pub methods and
associated consts, trait impls (Send, Sync and Unpin included, explicit or
not; blanket impls excluded: they follow from the rest), functions, constants, statics, type
aliases and macros (their matchers). Parameter names are not part of a
signature; types are written with their shortest public path.
"""

import json
import os
import re
import sys

SCOPES = ["kernel::net::phy", "kernel::block::mq"]
SCOPE_FILES = re.compile(r"(^|/)rust/kernel/(net/phy|block/mq)(\.rs$|/)")
# Auto traits: whether (and when) a type is Send, Sync or Unpin is API. The
# unwind-safety traits mean nothing in the kernel (panics abort) and Freeze is
# compiler-internal: not compared.
AUTO_COMPARED = {"core::marker::Send", "core::marker::Sync", "core::marker::Unpin"}
AUTO_IGNORED = {"core::marker::Freeze", "core::panic::unwind_safe::UnwindSafe",
                "core::panic::unwind_safe::RefUnwindSafe"}


def die(msg, code=2):
    print(f"api-compat: error: {msg}", file=sys.stderr)
    sys.exit(code)


# ---------------------------------------------------------------------------
# The API of one crate: {ITEM: SIG} plus the public paths of each local item.


def first(d, *keys, default=None):
    for k in keys:
        if isinstance(d, dict) and k in d:
            return d[k]
    return default


class Api:
    def __init__(self, path):
        with open(path) as f:
            doc = json.load(f)
        self.index = doc["index"]
        self.paths = doc.get("paths", {})
        self.crate_root = str(doc["root"])
        self.crate_name = self.index[self.crate_root]["name"]
        self.format_version = doc.get("format_version")
        self.public = {}  # id -> set of public paths
        self._walk(self.crate_root, [self.crate_name], set())
        self.canonical = {i: min(ps, key=lambda p: (p.count("::"), p)) for i, ps in self.public.items()}
        self.entries = {}  # ITEM -> SIG
        self._collect()

    # -- public paths ------------------------------------------------------

    def _walk(self, mod_id, prefix, seen):
        key = (mod_id, "::".join(prefix))
        if key in seen or len(prefix) > 12:
            return
        seen.add(key)
        mod = self.index.get(mod_id)
        if mod is None:
            return
        for child in first(mod["inner"]["module"], "items", default=[]):
            child = str(child)
            item = self.index.get(child)
            if item is None or not self._is_public(item):
                continue
            kind, inner = next(iter(item["inner"].items()))
            if kind in ("use", "import"):
                target = inner.get("id")
                target = None if target is None else str(target)
                if inner.get("is_glob", inner.get("glob")):
                    if target in self.index and "module" in self.index[target]["inner"]:
                        self._walk(target, prefix, seen)
                    continue
                name = inner["name"]
                if target in self.index:
                    self._add(target, prefix + [name], seen)
                else:
                    self.public.setdefault(f"extern:{inner['source']}", set()).add("::".join(prefix + [name]))
                continue
            if item.get("name") is None:
                continue
            self._add(child, prefix + [item["name"]], seen)

    def _add(self, item_id, path, seen):
        self.public.setdefault(item_id, set()).add("::".join(path))
        if "module" in self.index[item_id]["inner"]:
            self._walk(item_id, path, seen)

    @staticmethod
    def _is_public(item):
        return item.get("visibility") in ("public", "default")

    def in_scope(self, path):
        return any(path == s or path.startswith(s + "::") for s in SCOPES)

    # -- rendering ---------------------------------------------------------

    def name_of(self, item_id, fallback):
        item_id = None if item_id is None else str(item_id)
        if item_id in self.canonical:
            return f"⟦{self.canonical[item_id]}⟧"
        if item_id in self.paths:
            return "::".join(self.paths[item_id]["path"])
        return fallback

    def path(self, p):
        base = self.name_of(p.get("id"), first(p, "path", "name", default="?"))
        return base + self.args(p.get("args"))

    def args(self, a):
        if not a:
            return ""
        if "angle_bracketed" in a:
            ab = a["angle_bracketed"]
            parts = [self.generic_arg(x) for x in ab.get("args", [])]
            for c in first(ab, "constraints", "bindings", default=[]):
                parts.append(self.constraint(c))
            return f"<{', '.join(parts)}>" if parts else ""
        if "parenthesized" in a:
            pa = a["parenthesized"]
            out = f"({', '.join(self.ty(t) for t in pa.get('inputs', []))})"
            if pa.get("output") is not None:
                out += f" -> {self.ty(pa['output'])}"
            return out
        if a == "return_type_notation" or "return_type_notation" in a:
            return "(..)"
        return "<?>"

    def generic_arg(self, x):
        if x == "infer":
            return "_"
        if "lifetime" in x:
            return x["lifetime"]
        if "type" in x:
            return self.ty(x["type"])
        if "const" in x:
            c = x["const"]
            return first(c, "expr", "value", default="?") if isinstance(c, dict) else str(c)
        return "?"

    def constraint(self, c):
        name = c["name"] + self.args(c.get("args"))
        b = first(c, "binding", default={})
        if "equality" in b:
            eq = b["equality"]
            val = self.ty(eq["type"]) if isinstance(eq, dict) and "type" in eq else (
                first(eq.get("constant", {}), "expr", default="?") if isinstance(eq, dict) and "constant" in eq
                else self.ty(eq))
            return f"{name} = {val}"
        if "constraint" in b:
            return f"{name}: {self.bounds(b['constraint'])}"
        return name

    def bounds(self, bs):
        return " + ".join(self.bound(b) for b in bs)

    def bound(self, b):
        if "trait_bound" in b:
            tb = b["trait_bound"]
            mod = {"maybe": "?", "maybe_const": "~const ", "none": ""}.get(tb.get("modifier", "none"), "")
            hr = self.hrtb(tb.get("generic_params", []))
            return f"{hr}{mod}{self.path(tb['trait'])}"
        if "outlives" in b:
            return b["outlives"]
        if "use" in b:
            return f"use<{', '.join(u if isinstance(u, str) else next(iter(u.values())) for u in b['use'])}>"
        return "?"

    def hrtb(self, params):
        names = [p["name"] for p in params]
        return f"for<{', '.join(names)}> " if names else ""

    def ty(self, t):
        if t is None:
            return "()"
        if isinstance(t, str):
            return "_" if t == "infer" else t
        kind, v = next(iter(t.items()))
        if kind == "primitive":
            return v
        if kind == "generic":
            return v
        if kind == "resolved_path":
            return self.path(v)
        if kind == "borrowed_ref":
            lt = v.get("lifetime")
            mut = first(v, "is_mutable", "mutable", default=False)
            return f"&{lt + ' ' if lt else ''}{'mut ' if mut else ''}{self.ty(v['type'])}"
        if kind == "raw_pointer":
            mut = first(v, "is_mutable", "mutable", default=False)
            return f"*{'mut' if mut else 'const'} {self.ty(v['type'])}"
        if kind == "tuple":
            inner = ", ".join(self.ty(x) for x in v)
            return f"({inner},)" if len(v) == 1 else f"({inner})"
        if kind == "slice":
            return f"[{self.ty(v)}]"
        if kind == "array":
            return f"[{self.ty(v['type'])}; {v['len']}]"
        if kind == "pat":
            return self.ty(v["type"])
        if kind == "impl_trait":
            return f"impl {self.bounds(v)}"
        if kind == "dyn_trait":
            parts = [self.hrtb(pt.get("generic_params", [])) + self.path(pt["trait"]) for pt in v["traits"]]
            if v.get("lifetime"):
                parts.append(v["lifetime"])
            return f"dyn {' + '.join(parts)}"
        if kind == "function_pointer":
            sig = first(v, "sig", "decl")
            header = self.header(v.get("header", {}))
            return f"{self.hrtb(first(v, 'generic_params', default=[]))}{header}fn{self.fn_params(sig)}"
        if kind == "qualified_path":
            trait = v.get("trait")
            self_ty = self.ty(v["self_type"])
            base = f"<{self_ty} as {self.path(trait)}>" if trait else self_ty
            return f"{base}::{v['name']}{self.args(v.get('args'))}"
        return f"?{kind}"

    def header(self, h):
        out = ""
        if first(h, "is_const", "const", default=False):
            out += "const "
        if first(h, "is_async", "async", default=False):
            out += "async "
        if first(h, "is_unsafe", "unsafe", default=False):
            out += "unsafe "
        abi = h.get("abi", "Rust")
        if abi != "Rust":
            name = abi if isinstance(abi, str) else next(iter(abi))
            out += f'extern "{name}" '
        return out

    def fn_params(self, sig):
        params = []
        for name, t in sig.get("inputs", []):
            params.append(f"self: {self.ty(t)}" if name == "self" else self.ty(t))
        if first(sig, "is_c_variadic", "c_variadic", default=False):
            params.append("...")
        out = f"({', '.join(params)})"
        if sig.get("output") is not None:
            out += f" -> {self.ty(sig['output'])}"
        return out

    def generics(self, g):
        params = []
        for p in g.get("params", []):
            k, v = next(iter(p["kind"].items()))
            if k == "lifetime":
                params.append(p["name"] + (f": {' + '.join(v['outlives'])}" if v.get("outlives") else ""))
            elif k == "type":
                if first(v, "is_synthetic", "synthetic", default=False):
                    continue
                s = p["name"]
                if v.get("bounds"):
                    s += f": {self.bounds(v['bounds'])}"
                if v.get("default") is not None:
                    s += f" = {self.ty(v['default'])}"
                params.append(s)
            elif k == "const":
                s = f"const {p['name']}: {self.ty(v['type'])}"
                if v.get("default") is not None:
                    s += f" = {v['default']}"
                params.append(s)
        return f"<{', '.join(params)}>" if params else ""

    def where(self, g):
        preds = []
        for wp in g.get("where_predicates", []):
            k, v = next(iter(wp.items()))
            if k == "bound_predicate":
                preds.append(f"{self.hrtb(v.get('generic_params', []))}{self.ty(v['type'])}: {self.bounds(v['bounds'])}")
            elif k in ("lifetime_predicate", "region_predicate"):
                preds.append(f"{v['lifetime']}: {' + '.join(v['outlives'])}")
            elif k == "eq_predicate":
                rhs = v["rhs"]
                preds.append(f"{self.ty(v['lhs'])} = {self.ty(rhs['type']) if 'type' in rhs else rhs}")
        return f" where {', '.join(preds)}" if preds else ""

    def fn_sig(self, name, f):
        sig = first(f, "sig", "decl")
        g = f.get("generics", {})
        return f"{self.header(f.get('header', {}))}fn {name}{self.generics(g)}{self.fn_params(sig)}{self.where(g)}"

    # -- entries -----------------------------------------------------------

    def _collect(self):
        for item_id, paths in sorted(self.public.items()):
            if item_id.startswith("extern:"):
                for p in paths:
                    if self.in_scope(p):
                        self.entries[p] = f"use {item_id[len('extern:'):]}"
                continue
            item = self.index[item_id]
            kind, inner = next(iter(item["inner"].items()))
            scoped = [p for p in paths if self.in_scope(p)]
            if kind == "macro" and not scoped:
                filename = (item.get("span") or {}).get("filename", "")
                if SCOPE_FILES.search(filename):
                    scoped = sorted(paths)
            for p in scoped:
                self.item(p, item_id, item)

    def item(self, path, item_id, item):
        kind, v = next(iter(item["inner"].items()))
        name = path.rsplit("::", 1)[-1]
        E = self.entries
        if kind == "module":
            E[path] = "mod"
        elif kind == "function":
            E[path] = self.fn_sig(name, v)
        elif kind in ("constant",):
            E[path] = f"const {name}: {self.ty(first(v, 'type', default=None))}"
        elif kind == "static":
            E[path] = f"static {'mut ' if first(v, 'is_mutable', 'mutable', default=False) else ''}{name}: {self.ty(v['type'])}"
        elif kind in ("type_alias", "typedef"):
            g = v.get("generics", {})
            E[path] = f"type {name}{self.generics(g)}{self.where(g)} = {self.ty(v['type'])}"
        elif kind == "macro":
            E[path] = "macro " + " ".join(v.split())
        elif kind == "proc_macro":
            E[path] = f"proc_macro {v.get('kind')}"
        elif kind in ("struct", "union"):
            g = v.get("generics", {})
            shape = ""
            sk = v.get("kind")
            fields = []
            if kind == "union":
                fields = v.get("fields", [])
                shape = " { .. }"
            elif sk == "unit":
                shape = ";"
            elif isinstance(sk, dict) and "tuple" in sk:
                # Without a public field, a tuple struct and a braced one are
                # the same to a user: neither can be built or destructured.
                pub = any(f is not None for f in sk["tuple"])
                shape = f"({', '.join('_' if f is None else 'pub' for f in sk['tuple'])})" if pub else " { .. }"
                for pos, f in enumerate(sk["tuple"]):
                    if f is not None:
                        E[f"{path}::{pos}"] = f"pub {self.ty(self.index[str(f)]['inner']['struct_field'])}"
            elif isinstance(sk, dict) and "plain" in sk:
                fields = sk["plain"].get("fields", [])
                shape = " { .. }"
            for f in fields:
                fi = self.index.get(str(f))
                if fi is not None and fi.get("visibility") == "public":
                    E[f"{path}::{fi['name']}"] = f"pub {fi['name']}: {self.ty(fi['inner']['struct_field'])}"
            E[path] = f"{kind} {name}{self.generics(g)}{self.where(g)}{shape}"
            self.impls(path, v.get("impls", []))
        elif kind == "enum":
            g = v.get("generics", {})
            E[path] = f"enum {name}{self.generics(g)}{self.where(g)}"
            for var_id in v.get("variants", []):
                var = self.index[str(var_id)]
                E[f"{path}::{var['name']}"] = self.variant(var)
            self.impls(path, v.get("impls", []))
        elif kind == "trait":
            g = v.get("generics", {})
            unsafe = "unsafe " if first(v, "is_unsafe", "unsafe", default=False) else ""
            auto = "auto " if first(v, "is_auto", "auto", default=False) else ""
            sup = f": {self.bounds(v['bounds'])}" if v.get("bounds") else ""
            E[path] = f"{unsafe}{auto}trait {name}{self.generics(g)}{sup}{self.where(g)}"
            for member_id in v.get("items", []):
                m = self.index.get(str(member_id))
                if m is not None:
                    E[f"{path}::{m['name']}"] = self.assoc(m, in_trait=True)
        elif kind in ("trait_alias",):
            E[path] = f"trait {name} = {self.bounds(v.get('params', []))}"
        else:
            E[path] = kind

    def variant(self, var):
        v = var["inner"]["variant"]
        k = v.get("kind", "plain")
        s = var["name"]
        if isinstance(k, dict) and "tuple" in k:
            s += f"({', '.join('_' if f is None else self.ty(self.index[str(f)]['inner']['struct_field']) for f in k['tuple'])})"
        elif isinstance(k, dict) and "struct" in k:
            fs = [self.index[str(f)] for f in k["struct"]["fields"]]
            s += " { " + ", ".join(f"{f['name']}: {self.ty(f['inner']['struct_field'])}" for f in fs) + " }"
        disc = v.get("discriminant")
        if disc:
            s += f" = {disc.get('value', disc.get('expr'))}"
        return s

    def assoc(self, m, in_trait):
        kind, v = next(iter(m["inner"].items()))
        if kind == "function":
            body = " { .. }" if v.get("has_body") else ";"
            return self.fn_sig(m["name"], v) + (body if in_trait else "")
        if kind in ("assoc_const", "constant"):
            default = first(v, "value", "default", default=None)
            if kind == "constant":
                default = "..."
            return f"const {m['name']}: {self.ty(first(v, 'type', default=None))}{' = ..' if in_trait and default is not None else ''}"
        if kind == "assoc_type":
            g = v.get("generics", {})
            s = f"type {m['name']}{self.generics(g)}"
            if v.get("bounds"):
                s += f": {self.bounds(v['bounds'])}"
            default = first(v, "type", "default", default=None)
            if default is not None:
                s += f" = {self.ty(default)}"
            return s + self.where(g)
        return kind

    def impls(self, owner, impl_ids):
        E = self.entries
        for impl_id in impl_ids:
            impl = self.index.get(str(impl_id))
            if impl is None:
                continue
            v = impl["inner"]["impl"]
            if v.get("blanket_impl") is not None:
                continue
            g = v.get("generics", {})
            unsafe = "unsafe " if first(v, "is_unsafe", "unsafe", default=False) else ""
            head = f"{unsafe}impl{self.generics(g)} "
            trait = v.get("trait")
            for_ty = self.ty(v["for"])
            if trait is None:
                for mid in v.get("items", []):
                    m = self.index.get(str(mid))
                    if m is None or m.get("visibility") != "public":
                        continue
                    E[f"{owner}::{m['name']}"] = f"{head}{for_ty}{self.where(g)} {{ pub {self.assoc(m, False)} }}"
                continue
            neg = "!" if first(v, "is_negative", "negative", default=False) else ""
            tname = self.path(trait)
            if self.plain(tname) in AUTO_IGNORED:
                continue
            if self.plain(tname) in AUTO_COMPARED:
                head = f"impl{self.generics(g)} "  # explicit or synthetic: only the conditions count
            key = f"{owner}: impl {neg}{self.plain(tname)}"
            E[key] = f"{head}{neg}{tname} for {for_ty}{self.where(g)}"
            for mid in v.get("items", []):
                m = self.index.get(str(mid))
                if m is not None and "assoc_type" in m["inner"]:
                    E[f"{key}::{m['name']}"] = self.assoc(m, False)

    @staticmethod
    def plain(s):
        return re.sub(r"⟦([^⟧]*)⟧", r"\1", s)


# ---------------------------------------------------------------------------
# compare


def read_differences(path):
    """The listed differences: {(kind, ITEM): line number}."""
    listed = {}
    try:
        with open(path) as f:
            lines = f.read().splitlines()
    except OSError as e:
        die(f"{path}: cannot read: {e.strerror}")
    for no, line in enumerate(lines, 1):
        if not line.startswith("- `"):
            continue
        m = re.match(r"^- `(missing|changed) ([^`]+)`: (\S.*)$", line)
        if not m:
            die(f"{path}:{no}:1: expected `- \\`missing ITEM\\`: REASON` or `- \\`changed ITEM\\`: REASON`, "
                f"got: {line}")
        key = (m.group(1), m.group(2))
        if key in listed:
            die(f"{path}:{no}:1: {m.group(1)} {m.group(2)} is listed twice (first on line {listed[key]})")
        listed[key] = no
    return listed


def compare(upstream_json, generated_json, diffs_path):
    up, gen = Api(upstream_json), Api(generated_json)
    for api, which in ((up, upstream_json), (gen, generated_json)):
        if not any(api.in_scope(p) for ps in api.public.values() for p in ps):
            die(f"{which}: no public item under {' or '.join(SCOPES)}")
    # A type in a generated signature is written with the upstream name when
    # the generated crate has that path too (so that a shorter extra alias is
    # not a change).
    up_names = set(up.canonical.values())
    gen_alias = {}
    for i, c in gen.canonical.items():
        same = sorted(p for p in gen.public[i] if p in up_names)
        gen_alias[c] = c if c in up_names or not same else same[0]

    def norm(sig, alias):
        return re.sub(r"⟦([^⟧]*)⟧", lambda m: alias.get(m.group(1), m.group(1)), sig)

    diffs = []  # (kind, item, line)
    missing_owners = []
    for item in sorted(up.entries):
        if any(item.startswith(o + "::") or item.startswith(o + ": ") for o in missing_owners):
            continue  # the owner is missing; its members go with it
        u = norm(up.entries[item], {})
        if item not in gen.entries:
            if ": impl !core::marker::" in item:
                continue  # upstream's type is not Send/Sync/Unpin, the generated one may be: an addition
            diffs.append(("missing", item, f"missing {item}"))
            missing_owners.append(item)
            continue
        g = norm(gen.entries[item], gen_alias)
        # A trait method that upstream requires and the generated trait
        # provides a default for is no change for an implementor.
        if u.endswith(";") and g.endswith(" { .. }") and u[:-1] == g[: -len(" { .. }")]:
            continue
        if g == u + " = ..":  # the same for an associated const
            continue
        if u != g:
            diffs.append(("changed", item, f"changed {item}: upstream {u} / generated {g}"))
    extra = sorted(set(gen.entries) - set(up.entries))

    doc = os.path.relpath(diffs_path)
    listed = read_differences(diffs_path)
    unlisted = [d for d in diffs if (d[0], d[1]) not in listed]
    found = {(d[0], d[1]) for d in diffs}
    stale = sorted((no, k, item) for (k, item), no in listed.items() if (k, item) not in found)

    for _, _, line in diffs:
        print(line)
    n_missing = sum(d[0] == "missing" for d in diffs)
    n_changed = len(diffs) - n_missing
    print(f"api-compat: {len(up.entries)} upstream items, {len(gen.entries)} generated items "
          f"(rustdoc JSON format {up.format_version} / {gen.format_version}); "
          f"{n_missing} missing, {n_changed} changed, {len(diffs) - len(unlisted)} of them listed in {doc}; "
          f"{len(extra)} extra items only in the generated modules")
    if unlisted:
        print(f"not listed in {doc} ({len(unlisted)}): add each with its reason, or fix the generated API:")
        for _, _, line in unlisted:
            print(f"  {line}")
    if stale:
        print(f"stale in {doc} ({len(stale)}): these no longer occur; remove their lines:")
        for no, k, item in stale:
            print(f"  {doc}:{no}: {k} {item}")
    return 1 if unlisted or stale else 0


def dump(json_path):
    api = Api(json_path)
    for k in sorted(api.entries):
        print(f"{k}\t{Api.plain(api.entries[k])}")


def main():
    if len(sys.argv) == 5 and sys.argv[1] == "compare":
        return compare(sys.argv[2], sys.argv[3], sys.argv[4])
    if len(sys.argv) == 3 and sys.argv[1] == "dump":
        dump(sys.argv[2])
        return 0
    die("usage: api_compat.py compare UPSTREAM.json GENERATED.json DIFFERENCES.md"
        " | dump API.json")


if __name__ == "__main__":
    sys.exit(main())
