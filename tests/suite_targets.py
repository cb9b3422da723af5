#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-only
"""Print the ninja targets the tests of the given suites need (meson introspection), so a
build that runs only some suites (CI's sanitizer build) compiles only what they use."""
import json
import subprocess
import sys

builddir, suites = sys.argv[1], set(sys.argv[2:])
tests = json.loads(subprocess.check_output(["meson", "introspect", "--tests", builddir]))
targets = json.loads(subprocess.check_output(["meson", "introspect", "--targets", builddir]))
by_id = {t["id"]: t for t in targets}
by_file = {f: t for t in targets for f in t.get("filename", [])}
need = set()
for t in tests:
    if not suites & {s.split(":")[-1] for s in t.get("suite", [])}:
        continue
    for dep in t.get("depends", []):
        if dep in by_id:
            need.add(by_id[dep]["filename"][0])
    cmd0 = t["cmd"][0]
    if cmd0 in by_file:
        need.add(cmd0)
prefix = builddir.rstrip("/") + "/"
import os
absprefix = os.path.abspath(builddir) + "/"
print(" ".join(sorted(p[len(absprefix):] if p.startswith(absprefix) else p for p in need)))
