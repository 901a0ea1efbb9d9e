#!/usr/bin/env python3
"""rustdoc_json.py TREE OUT.json [LIB.rs]: document the `kernel` crate of
the kernel tree TREE as rustdoc JSON, with the command line that the kernel's
own `make rustdoc` used for it (savedcmd_rustdoc-kernel in TREE's
.rustdoc-kernel.cmd: the same flags, cfgs, target and --extern crates, read
from TREE's rust/), its output switched to JSON (-Zunstable-options
--output-format json; the kernel build sets RUSTC_BOOTSTRAP=1) and hidden
items included (macros expand to them). With LIB.rs, the crate's source is
that file (and the modules beside it) instead of TREE's rust/kernel/lib.rs.
Run by tests/api-compat/check.sh inside the toolchain root, after a
`make rustdoc` in TREE. The upstream JSON is cached by a key that includes
this file: any change here re-documents upstream.
"""

import os
import re
import shlex
import subprocess
import sys
import tempfile


def die(msg, code=2):
    print(f"api-compat: error: {msg}", file=sys.stderr)
    sys.exit(code)


def saved_command(tree):
    for rel in (".rustdoc-kernel.cmd", "rust/.rustdoc-kernel.cmd"):
        path = os.path.join(tree, rel)
        if os.path.isfile(path):
            break
    else:
        die(f"{tree}: no .rustdoc-kernel.cmd; run `make rustdoc` in the tree first")
    with open(path) as f:
        content = f.read()
    m = re.search(r"^savedcmd_rustdoc-kernel := (.*)$", content, re.M)
    if not m:
        die(f"{path}:1:1: expected a line `savedcmd_rustdoc-kernel := ...`")
    # Kbuild writes `$` as `$$` and `#` as `$(pound)` (make-cmd in Kbuild.include).
    return path, m.group(1).replace("$(pound)", "#").replace("$$", "$")


def rustdoc_json(tree, out_json, lib_rs=None):
    path, cmd = saved_command(tree)
    try:
        words = shlex.split(cmd)
    except ValueError as e:
        die(f"{path}: cannot split the command: {e}")
    # The kernel's Makefile exports RUSTC_BOOTSTRAP=1 to its commands.
    env = dict(os.environ, RUSTC_BOOTSTRAP="1")
    while words and re.match(r"^[A-Za-z_][A-Za-z0-9_]*=", words[0]):
        k, v = words.pop(0).split("=", 1)
        env[k] = v
    if any(w in (";", "&&", "||", "|") for w in words):
        die(f"{path}: the saved rustdoc command is not one simple command: {cmd}")
    if not words or not os.path.basename(words[0]).startswith("rustdoc"):
        die(f"{path}: expected a rustdoc command, got: {cmd}")
    inputs = [k for k, w in enumerate(words) if w.endswith("kernel/lib.rs")]
    if len(inputs) != 1:
        die(f"{path}: expected one kernel/lib.rs in the saved rustdoc command, got: {cmd}")
    if lib_rs is not None:
        words[inputs[0]] = os.path.abspath(lib_rs)
    args, i = [], 0
    while i < len(words):
        w = words[i]
        if w in ("--output", "-o", "--out-dir"):
            i += 2
            continue
        if w.startswith(("--output=", "--out-dir=", "--output-format")) or w == "--generate-link-to-definition":
            i += 1
            continue
        args.append(w)
        i += 1
    outdir = tempfile.mkdtemp(prefix="rustdoc-json.", dir=os.path.dirname(os.path.abspath(out_json)))
    try:
        args += ["-Zunstable-options", "--output-format", "json", "--document-hidden-items", "--output", outdir]
        proc = subprocess.run(args, cwd=tree, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        if proc.returncode != 0:
            sys.stderr.write(proc.stdout[-6000:])
            die(f"rustdoc (JSON) of the kernel crate failed in {tree} (exit {proc.returncode})", 1)
        produced = os.path.join(outdir, "kernel.json")
        if not os.path.isfile(produced):
            die(f"rustdoc wrote no kernel.json in {outdir}", 1)
        os.replace(produced, out_json)
    finally:
        for name in os.listdir(outdir):
            os.unlink(os.path.join(outdir, name))
        os.rmdir(outdir)


if __name__ == "__main__":
    if len(sys.argv) not in (3, 4):
        die("usage: rustdoc_json.py TREE OUT.json [LIB.rs]")
    rustdoc_json(*sys.argv[1:])
