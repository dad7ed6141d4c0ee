#!/usr/bin/env python3
"""Repair the build paths baked into the ROS 2 PyPI wheels.

The ``ros-jazzy-*`` wheels were built on a manylinux image whose Python lived in
/opt/python/cp311-cp311; their exported CMake files still point there for the
Python headers and numpy's C headers, which makes ``rosidl_generate_interfaces``
fail on any other machine. This rewrites those two paths to the running
interpreter's. Idempotent: a second run changes nothing.

Usage: python tools/fix_wheel_paths.py PREFIX   (the venv holding the wheels)
"""

from __future__ import annotations

import re
import sys
import sysconfig
from pathlib import Path

import numpy

BAKED_PREFIX = re.compile(r"/opt/python/cp3\d+-cp3\d+")


def replacements() -> list[tuple[re.Pattern[str], str]]:
    python_include = sysconfig.get_paths()["include"]
    numpy_include = numpy.get_include()
    return [
        (re.compile(BAKED_PREFIX.pattern + r"/lib/python3\.\d+/site-packages/numpy/_?core/include"), numpy_include),
        (re.compile(BAKED_PREFIX.pattern + r"/include/python3\.\d+"), python_include),
    ]


def fix(prefix: Path) -> int:
    """Rewrite every share/*/cmake/*.cmake under prefix; return files changed."""
    changed = 0
    rules = replacements()
    for path in sorted(prefix.glob("share/*/cmake/*.cmake")):
        text = path.read_text()
        new = text
        for pattern, target in rules:
            new = pattern.sub(target, new)
        if new != text:
            path.write_text(new)
            changed += 1
    leftovers = [p for p in prefix.glob("share/*/cmake/*.cmake") if BAKED_PREFIX.search(p.read_text())]
    if leftovers:
        raise SystemExit(
            f"fix_wheel_paths: unknown baked paths remain in {leftovers[0]} (and {len(leftovers) - 1} more)"
        )
    return changed


def main() -> int:
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    prefix = Path(sys.argv[1]).resolve()
    if not (prefix / "share").is_dir():
        print(f"fix_wheel_paths: {prefix}/share not found: is {prefix} the venv with the ROS wheels?", file=sys.stderr)
        return 2
    print(f"fix_wheel_paths: {fix(prefix)} CMake files repaired under {prefix}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
