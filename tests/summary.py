#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-only
"""Print 'N passed, M failed' for a meson test run.

meson counts one result per registered test; our Catch2 binaries each hold many test
cases, so a Catch2 test contributes its own case counts (read from its summary line)
and any other test counts as one.
"""
import json
import re
import sys

ALL_OK = re.compile(r"All tests passed \(\d+ assertions? in (\d+) test cases?\)")
MIXED = re.compile(r"test cases:\s*(\d+)\s*\|\s*(\d+) passed\s*\|\s*(\d+) failed")


def count(entry):
    out = entry.get("stdout") or ""
    ok = entry.get("result") == "OK"
    m = ALL_OK.search(out)
    if m and ok:
        return int(m.group(1)), 0
    m = MIXED.search(out)
    if m:
        passed, failed = int(m.group(2)), int(m.group(3))
        # A crash after the summary still fails the test as a whole.
        if not ok and failed == 0:
            failed = 1
        return passed, failed
    if entry.get("result") == "SKIP":
        return 0, 0
    return (1, 0) if ok else (0, 1)


def main(path):
    passed = failed = 0
    bad = []
    with open(path) as f:
        for line in f:
            line = line.strip()
            if not line:
                continue
            e = json.loads(line)
            p, fl = count(e)
            passed += p
            failed += fl
            if fl:
                bad.append(e.get("name"))
    for name in bad:
        print(f"FAILED: {name}")
    print(f"{passed} passed, {failed} failed")
    return 1 if failed or passed == 0 else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
