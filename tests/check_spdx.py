#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-only
"""Fail when a source file lacks the project's SPDX licence line in its first lines.

Source files: C/C++ (.c .h .cpp .hpp), Python, meson files, man page sources (.scd)
and every file that starts with '#!' (scripts, debian/rules). The list comes from git,
tracked and untracked-but-not-ignored files alike, so a file someone adds is caught
before it is committed; without git (a release tarball) the tree is walked instead.
"""
import os
import subprocess
import sys

TAG = "SPDX-License-Identifier: LGPL-2.1-only"
EXTS = (".c", ".h", ".cpp", ".hpp", ".py", ".scd", ".in")
NAMES = ("meson.build", "meson_options.txt")
SKIP_DIRS = (".git", ".cache")


def candidates(top):
    try:
        out = subprocess.run(
            ["git", "-C", top, "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
            check=True, capture_output=True).stdout.decode()
        return [f for f in out.split("\0") if f]
    except (OSError, subprocess.CalledProcessError):
        files = []
        for root, dirs, names in os.walk(top):
            dirs[:] = [d for d in dirs if d not in SKIP_DIRS and not d.startswith("build")]
            files += [os.path.relpath(os.path.join(root, n), top) for n in names]
        return files


def needs_tag(path, head):
    return (path.endswith(EXTS) or os.path.basename(path) in NAMES
            or head.startswith(b"#!"))


def main(top):
    missing = []
    checked = 0
    for rel in sorted(candidates(top)):
        path = os.path.join(top, rel)
        if not os.path.isfile(path) or os.path.islink(path):
            continue
        with open(path, "rb") as f:
            head = f.read(4096)
        if not needs_tag(rel, head):
            continue
        checked += 1
        # The first three lines: after a shebang, and after scdoc's title line.
        if TAG.encode() not in b"\n".join(head.split(b"\n")[:3]):
            missing.append(rel)
    for rel in missing:
        print(f"missing '{TAG}': {rel}")
    print(f"{checked} source files checked, {len(missing)} without the SPDX line")
    return 1 if missing or checked == 0 else 0


def self_test():
    """The check must fail on a tree with an untagged file (walked, not from git)."""
    import contextlib
    import io
    import tempfile
    with tempfile.TemporaryDirectory() as d:
        with open(os.path.join(d, "tagged.cpp"), "w") as f:
            f.write("// " + TAG + "\nint a;\n")
        with open(os.path.join(d, "script"), "w") as f:
            f.write("#!/bin/sh\necho no licence line\n")
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            rc = main(d)
        if rc != 1 or "missing" not in out.getvalue() or "script" not in out.getvalue() \
                or "tagged.cpp" in out.getvalue().split("source files checked")[0]:
            print("self-test failed: the check did not catch an untagged script:\n" +
                  out.getvalue())
            return False
    return True


if __name__ == "__main__":
    if not self_test():
        sys.exit(1)
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else
                  os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
