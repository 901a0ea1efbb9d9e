#!/usr/bin/env python3
"""measure.py REPO LIMITS: re-measure issue 9's figures on the committed
generated Rust and the header specs, print them, and compare them with LIMITS.

Run by tests/metrics/check.sh (inside the toolchain root, whose python3 is
the one this is written for). Figures (the names used in LIMITS):

  ffi_types_in_public_signatures
      occurrences of a `bindings::` or `ffi::` path (any prefix: crate::,
      kernel::, core::), or of a name imported from them with `use`, in a
      public signature: `pub fn` (whatever impl it is in), the methods,
      associated types and consts of a `pub trait`, `pub` fields of structs,
      the fields of a `pub enum`'s variants, `pub type`, `pub const`,
      `pub static`, and the header of a trait impl for a `pub` type.
      `pub(crate)` and narrower are not public. Each occurrence is listed.
      A `#[doc(hidden)]` item is macro plumbing, public only because a
      macro expands to it in the driver's crate (upstream's
      `DeviceId::mdio_device_id` is one): it is listed apart and not counted.
  repeated_comment_paragraphs
      comment paragraphs (a run of consecutive non-empty `//`, `///` or `//!`
      lines of one kind; an empty comment line ends a paragraph) of 3 or more
      lines that occur more than 3 times in one file: how many such
      paragraphs. The worst offenders are listed.
  repeated_comment_paragraph_copies
      how many times those paragraphs occur in total.
  lines_over_100_columns
      lines longer than 100 characters (rustfmt's max_width in the kernel).
  unsafe_in_specs
      the word `unsafe` in header-specs/*.yaml (TEMPLATE.yaml included).

The generated Rust is kernel-crate-overlay/rust/**/*.rs (the safe layer, with
the hand-written files it includes); out/<spec>/bindings/ is bindgen's output
for the `bindings` crate (the raw FFI layer the safe API wraps) and is not
measured. The share of generated lines per spec is printed from
out/<spec>/report.txt when it has a `lines:` line; it has no limit.

Exit status: 0 when every figure is at or below its limit, 1 when one is
above it, 2 on bad input (a malformed LIMITS file, a missing directory).
"""

import collections
import pathlib
import re
import sys

PARAGRAPH_MIN_LINES = 3
PARAGRAPH_MAX_REPEATS = 3
MAX_COLUMNS = 100
FIGURES = [
    "ffi_types_in_public_signatures",
    "repeated_comment_paragraphs",
    "repeated_comment_paragraph_copies",
    "lines_over_100_columns",
    "unsafe_in_specs",
]


def fail_input(msg):
    print(f"metrics: error: {msg}", file=sys.stderr)
    sys.exit(2)


# ---------------------------------------------------------------------------
# A small Rust lexer: identifiers, lifetimes, literals (contents dropped) and
# punctuation, each with its line; comments are skipped.

Tok = collections.namedtuple("Tok", "text line")
PUNCT2 = {"::", "->", "=>", "==", "!=", "<=", ">=", "&&", "||", "+=", "-=", ".."}


def lex(src):
    toks = []
    i, n, line = 0, len(src), 1

    def add(text):
        toks.append(Tok(text, line))

    while i < n:
        c = src[i]
        if c == "\n":
            line += 1
            i += 1
        elif c.isspace():
            i += 1
        elif src.startswith("//", i):
            j = src.find("\n", i)
            i = n if j < 0 else j
        elif src.startswith("/*", i):
            depth, i = 1, i + 2
            while i < n and depth:
                if src.startswith("/*", i):
                    depth, i = depth + 1, i + 2
                elif src.startswith("*/", i):
                    depth, i = depth - 1, i + 2
                else:
                    line += src[i] == "\n"
                    i += 1
        elif c == '"' or (c in "bcr" and re.match(r'(?:b|c|br|cr|r)#*"', src[i:i + 8])):
            m = re.match(r'(?:b|c|br|cr|r)?(#*)"', src[i:i + 8])
            hashes = m.group(1)
            raw = "r" in m.group(0)[: m.start(1)]
            j = i + len(m.group(0))
            while j < n:
                if src[j] == "\\" and not raw:
                    j += 2
                    continue
                if src[j] == '"' and src.startswith(hashes, j + 1):
                    j += 1 + len(hashes)
                    break
                j += 1
            line += src.count("\n", i, j)
            add('""')
            i = j
        elif c == "'":
            m = re.match(r"'(?:\\(?:x[0-9a-fA-F]{2}|u\{[0-9a-fA-F]+\}|.)|[^\\'\n])'", src[i:i + 12])
            if m:
                add("''")
                i += len(m.group(0))
            else:
                m = re.match(r"'[A-Za-z_][A-Za-z0-9_]*", src[i:])
                add(m.group(0) if m else "'")
                i += len(m.group(0)) if m else 1
        elif c.isalpha() or c == "_":
            m = re.match(r"[A-Za-z_][A-Za-z0-9_]*", src[i:])
            add(m.group(0))
            i += len(m.group(0))
        elif c.isdigit():
            m = re.match(r"[0-9][0-9A-Za-z_]*(?:\.[0-9][0-9A-Za-z_]*)?", src[i:])
            add("0")
            i += len(m.group(0))
        elif src[i:i + 2] in PUNCT2:
            add(src[i:i + 2])
            i += 2
        else:
            add(c)
            i += 1
    return toks


OPEN = {"(": ")", "[": "]", "{": "}"}
CLOSE = {")", "]", "}"}


def skip_group(toks, i):
    """toks[i] opens a group; return the index after its closing token."""
    depth = 0
    while i < len(toks):
        t = toks[i].text
        if t in OPEN:
            depth += 1
        elif t in CLOSE:
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1
    return i


def until(toks, i, stops):
    """Index of the first token in `stops` at bracket depth 0, from i."""
    depth = 0
    while i < len(toks):
        t = toks[i].text
        if depth == 0 and t in stops:
            return i
        if t in OPEN:
            depth += 1
        elif t in CLOSE:
            depth -= 1
            if depth < 0:
                return i
        i += 1
    return i


def split_commas(toks, i, end):
    """Split toks[i:end] at commas of bracket and angle depth 0."""
    parts, start, depth, angle = [], i, 0, 0
    for k in range(i, end):
        t = toks[k].text
        if t in OPEN:
            depth += 1
        elif t in CLOSE:
            depth -= 1
        elif t == "<":
            angle += 1
        elif t == ">" and angle:
            angle -= 1
        elif t == "," and depth == 0 and angle == 0:
            parts.append((start, k))
            start = k + 1
    if start < end:
        parts.append((start, end))
    return parts


def text(toks, i, j):
    out = ""
    for t in toks[i:j]:
        s = t.text
        if out and (out[-1].isalnum() or out[-1] in "_'") and (s[0].isalnum() or s[0] in "_'"):
            out += " "
        out += s
    return out


FFI_PATH = re.compile(r"(?:\b(?:crate|kernel|core)\s*::\s*)?\b(bindings|ffi)\s*::\s*([A-Za-z_]\w*)")


def ffi_imports(toks):
    """Names brought into scope by `use ...bindings::...` / `use ...ffi::...`."""
    names = set()
    i = 0
    while i < len(toks):
        if toks[i].text == "use":
            end = until(toks, i + 1, {";"})
            path = text(toks, i + 1, end)
            m = re.match(r"^(?:::)?(?:(?:crate|kernel|core)::)?(bindings|ffi)::(.*)$", path)
            if m:
                for item in re.split(r"[{},]", m.group(2)):
                    item = item.strip()
                    if not item or item == "self" or item == "*":
                        continue
                    alias = re.search(r"\bas\s+(\w+)$", item) or re.search(r"(\w+)$", item)
                    if alias and alias.group(1) != "_":
                        names.add(alias.group(1))
            i = end
        i += 1
    return names


def ffi_names_in(sig, imported):
    found = [f"{m.group(1)}::{m.group(2)}" for m in FFI_PATH.finditer(sig)]
    for name in imported:
        # A bare imported name, not the last segment of a longer path.
        for m in re.finditer(rf"(?<!::)(?<!\w){re.escape(name)}\b", sig):
            found.append(f"{name} (imported from bindings/ffi)")
    return found


def public_signatures(toks):
    """Yield (line, kind, name, signature text) for each public signature."""
    pub_types = set()
    for k in range(len(toks) - 2):
        if toks[k].text == "pub" and toks[k + 1].text in ("struct", "enum", "trait", "type", "union"):
            pub_types.add(toks[k + 2].text)

    out = []

    def items(i, end, ctx):
        """Walk the items of a module (ctx 'mod'), impl ('impl') or pub trait ('trait') body."""
        hidden = False  # a #[doc(hidden)] attribute precedes the next item
        hidden_from = None  # index in `out` where the last hidden item's entries start

        def mark_hidden():
            if hidden_from is not None:
                for k in range(hidden_from, len(out)):
                    line, kind, name, sig = out[k]
                    if not kind.startswith("hidden "):
                        out[k] = (line, "hidden " + kind, name, sig)

        while i < end:
            t = toks[i].text
            if t == "#":  # attribute
                j = i + 1
                if j < end and toks[j].text == "!":
                    j += 1
                if [x.text for x in toks[j:j + 5]] == ["[", "doc", "(", "hidden", ")"]:
                    hidden = True
                i = skip_group(toks, j) if j < end and toks[j].text == "[" else i + 1
                continue
            mark_hidden()
            hidden_from = len(out) if hidden else None
            hidden = False
            if t == ";":
                i += 1
                continue
            # Item: visibility and modifiers, then its keyword.
            start = i
            vis = None
            if t == "pub":
                if i + 1 < end and toks[i + 1].text == "(":
                    vis = "restricted"
                    i = skip_group(toks, i + 1)
                else:
                    vis = "pub"
                    i += 1
            while i < end and toks[i].text in ("unsafe", "const", "async", "extern", '""', "default") and not (
                toks[i].text == "const" and i + 2 < end and toks[i + 2].text == ":"
            ):
                i += 1
            if i >= end:
                break
            kw = toks[i].text
            public = vis == "pub" or ctx == "trait"
            if kw == "macro_rules":
                j = i + 3  # macro_rules ! name {
                i = skip_group(toks, j) if j < end else end
                continue
            if kw == "fn":
                stop = until(toks, i, {"{", ";"})
                if public:
                    out.append((toks[start].line, "trait method" if ctx == "trait" and vis is None else "pub fn",
                                toks[i + 1].text, text(toks, start, stop)))
                i = skip_group(toks, stop) if stop < end and toks[stop].text == "{" else stop + 1
                continue
            if kw in ("const", "static", "type"):
                stop = until(toks, i, {";"})
                if public:
                    sig_end = stop if kw == "type" else until(toks, i, {"=", ";"})
                    kind = ("trait " if ctx == "trait" and vis is None else "pub ") + kw
                    out.append((toks[start].line, kind, toks[i + 1].text if kw != "static" or toks[i + 1].text != "mut"
                                else toks[i + 2].text, text(toks, start, sig_end)))
                i = stop + 1
                continue
            if kw in ("struct", "union", "enum"):
                name = toks[i + 1].text
                body = until(toks, i, {"{", "(", ";"})
                if body < end and toks[body].text == "(":  # tuple struct
                    close = skip_group(toks, body) - 1
                    if vis == "pub":
                        for a, b in split_commas(toks, body + 1, close):
                            if toks[a].text == "pub" and not (a + 1 < b and toks[a + 1].text == "("):
                                out.append((toks[a].line, "pub field", name, text(toks, start, body) + "(" + text(toks, a, b) + ")"))
                    i = until(toks, close, {";"}) + 1
                    continue
                if body < end and toks[body].text == "{":
                    close = skip_group(toks, body) - 1
                    if vis == "pub":
                        fields(body + 1, close, name, kw == "enum", start)
                    i = close + 1
                    continue
                i = body + 1
                continue
            if kw == "trait":
                body = until(toks, i, {"{", ";"})
                if body < end and toks[body].text == "{":
                    close = skip_group(toks, body) - 1
                    if vis == "pub":
                        items(body + 1, close, "trait")
                    i = close + 1
                    continue
                i = body + 1
                continue
            if kw == "impl":
                body = until(toks, i, {"{", ";"})
                header = text(toks, start, body)
                m = re.search(r"\bfor\s+(?:[\w:]*::)?(\w+)", header)
                if m and m.group(1) in pub_types:
                    out.append((toks[start].line, "trait impl", m.group(1), header))
                if body < end and toks[body].text == "{":
                    close = skip_group(toks, body) - 1
                    items(body + 1, close, "impl")
                    i = close + 1
                    continue
                i = body + 1
                continue
            if kw == "mod":
                body = until(toks, i, {"{", ";"})
                if body < end and toks[body].text == "{":
                    close = skip_group(toks, body) - 1
                    items(body + 1, close, "mod")
                    i = close + 1
                    continue
                i = body + 1
                continue
            # Anything else (use, extern crate, a macro call, const _ ...): skip it.
            stop = until(toks, i, {"{", ";"})
            i = skip_group(toks, stop) if stop < end and toks[stop].text == "{" else stop + 1
            if stop < end and toks[stop].text == "{" and i < end and toks[i].text == ";":
                i += 1
        mark_hidden()

    def fields(i, end, owner, is_enum, start):
        for a, b in split_commas(toks, i, end):
            while a < b and toks[a].text == "#":
                a = skip_group(toks, a + 1)
            if a >= b:
                continue
            if is_enum:
                # Variant: Name, Name(T, ..), Name { f: T, .. }, Name = expr.
                if a + 1 < b and toks[a + 1].text in ("(", "{"):
                    close = skip_group(toks, a + 1) - 1
                    out.append((toks[a].line, "pub enum variant", f"{owner}::{toks[a].text}", text(toks, a, close + 1)))
            elif toks[a].text == "pub" and not (a + 1 < b and toks[a + 1].text == "("):
                out.append((toks[a].line, "pub field", f"{owner}::{toks[a + 1].text}", text(toks, a, b)))

    items(0, len(toks), "mod")
    return out


# ---------------------------------------------------------------------------

def comment_paragraphs(lines):
    """Yield (first line number, paragraph text) for each comment paragraph."""
    para, first, kind = [], 0, None

    def flush():
        if len(para) >= PARAGRAPH_MIN_LINES:
            yield first, "\n".join(para)

    for no, raw in enumerate(lines, 1):
        s = raw.strip()
        m = re.match(r"^(///|//!|//)(.*)$", s)
        k = m.group(1) if m else None
        body = m.group(2).strip() if m else ""
        if m and k == kind and body and para:
            para.append(s)
            continue
        yield from flush()
        para, first, kind = ([s], no, k) if m and body else ([], 0, k if m else None)
    yield from flush()


def main():
    if len(sys.argv) != 3:
        fail_input("usage: measure.py REPO LIMITS")
    repo = pathlib.Path(sys.argv[1])
    limits_path = pathlib.Path(sys.argv[2])
    out_dir, specs_dir, overlay = repo / "out", repo / "header-specs", repo / "kernel-crate-overlay"
    for d in (out_dir, specs_dir, overlay):
        if not d.is_dir():
            fail_input(f"{d}: no such directory")

    rust_files = sorted(overlay.glob("rust/**/*.rs"))
    if not rust_files:
        fail_input(f"{overlay}: no generated Rust (kernel-crate-overlay/rust/**/*.rs)")

    figures = {}

    # (a) FFI types in public signatures.
    ffi_hits = []
    for path in rust_files:
        toks = lex(path.read_text())
        imported = ffi_imports(toks)
        for line, kind, name, sig in public_signatures(toks):
            for hit in ffi_names_in(sig, imported):
                ffi_hits.append((path.relative_to(repo), line, kind, name, hit))
    hidden_hits = [h for h in ffi_hits if h[2].startswith("hidden ")]
    ffi_hits = [h for h in ffi_hits if not h[2].startswith("hidden ")]
    figures["ffi_types_in_public_signatures"] = len(ffi_hits)
    print(f"(a) bindings::/ffi:: types in public signatures: {len(ffi_hits)}")
    for rel, line, kind, name, hit in ffi_hits:
        print(f"    {rel}:{line}: {kind} {name}: {hit}")
    print(f"    not counted, #[doc(hidden)] macro plumbing: {len(hidden_hits)}")
    for rel, line, kind, name, hit in hidden_hits:
        print(f"    {rel}:{line}: {kind} {name}: {hit}")

    # (b) Repeated comment paragraphs.
    repeated = []
    for path in rust_files:
        seen = collections.defaultdict(list)
        for first, para in comment_paragraphs(path.read_text().splitlines()):
            seen[para].append(first)
        for para, where in seen.items():
            if len(where) > PARAGRAPH_MAX_REPEATS:
                repeated.append((len(where), path.relative_to(repo), where, para))
    repeated.sort(key=lambda r: (-r[0], str(r[1]), r[2][0]))
    figures["repeated_comment_paragraphs"] = len(repeated)
    figures["repeated_comment_paragraph_copies"] = sum(r[0] for r in repeated)
    print(f"(b) comment paragraphs of >= {PARAGRAPH_MIN_LINES} lines repeated more than "
          f"{PARAGRAPH_MAX_REPEATS} times in one file: {len(repeated)} "
          f"({figures['repeated_comment_paragraph_copies']} copies)")
    for count, rel, where, para in repeated[:5]:
        lines = para.splitlines()
        print(f"    {count}x {rel} (lines {', '.join(map(str, where[:6]))}{', ...' if len(where) > 6 else ''}), "
              f"{len(lines)} lines: {lines[0][:70]}")

    # (c) Long lines.
    long_lines = []
    for path in rust_files:
        for no, line in enumerate(path.read_text().splitlines(), 1):
            if len(line) > MAX_COLUMNS:
                long_lines.append((path.relative_to(repo), no, len(line)))
    figures["lines_over_100_columns"] = len(long_lines)
    print(f"(c) lines over {MAX_COLUMNS} columns: {len(long_lines)}")
    for rel, no, width in long_lines:
        print(f"    {rel}:{no}: {width} columns")

    # (d) `unsafe` in the specs.
    total = 0
    per_spec = []
    for spec in sorted(specs_dir.glob("*.yaml")):
        n = len(re.findall(r"\bunsafe\b", spec.read_text()))
        per_spec.append((spec.relative_to(repo), n))
        total += n
    figures["unsafe_in_specs"] = total
    print(f"(d) the word `unsafe` in header-specs/*.yaml: {total}")
    for rel, n in per_spec:
        print(f"    {rel}: {n}")

    print("share of generated lines (out/<spec>/report.txt):")
    for spec_out in sorted(p for p in out_dir.iterdir() if p.is_dir()):
        report = spec_out / "report.txt"
        lines = [l for l in report.read_text().splitlines() if l.startswith("lines:")] if report.is_file() else []
        print(f"    {spec_out.name}: {lines[0][len('lines:'):].strip() if lines else 'not in report.txt'}")

    # Compare with the limits.
    limits = {}
    try:
        limit_lines = limits_path.read_text().splitlines()
    except OSError as e:
        fail_input(f"{limits_path}: cannot read: {e.strerror}")
    for no, raw in enumerate(limit_lines, 1):
        s = raw.split("#", 1)[0].strip()
        if not s:
            continue
        parts = s.split()
        if len(parts) != 2 or not parts[1].isdigit():
            fail_input(f"{limits_path}:{no}:1: expected `NAME MAX` (MAX a non-negative integer), got `{s}`")
        if parts[0] not in FIGURES:
            fail_input(f"{limits_path}:{no}:1: unknown figure `{parts[0]}`; known: {', '.join(FIGURES)}")
        if parts[0] in limits:
            fail_input(f"{limits_path}:{no}:1: `{parts[0]}` is given twice")
        limits[parts[0]] = int(parts[1])
    missing = [f for f in FIGURES if f not in limits]
    if missing:
        fail_input(f"{limits_path}: no limit for {', '.join(missing)}; add a `NAME MAX` line for each")

    over = 0
    print(f"limits ({limits_path.relative_to(repo) if limits_path.is_relative_to(repo) else limits_path}):")
    for name in FIGURES:
        value, limit = figures[name], limits[name]
        verdict = "ok" if value <= limit else "ABOVE THE LIMIT"
        note = f" (can be lowered to {value})" if value < limit else ""
        print(f"    {name} {value} <= {limit}: {verdict}{note}" if value <= limit
              else f"    {name} {value} > {limit}: {verdict}")
        over += value > limit
    if over:
        print(f"metrics: {over} figure(s) above the limit in {limits_path}: the figures may only go down",
              file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
