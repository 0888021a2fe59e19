#!/usr/bin/env python3
"""Fails when a target imports a module that Package.swift does not declare as its dependency.

SwiftPM lets a target see modules its dependencies depend on, so a missing declaration still builds until the
layering changes; this check keeps every `import` backed by a declared dependency. Run from the package root:

    python3 tools/check-imports.py

Exit 0 when every import is declared, 1 (listing target, module and file) otherwise.
"""
import glob
import json
import re
import subprocess
import sys

# Modules that come with the toolchain or the platform, never declared in Package.swift.
PLATFORM = {"Foundation", "Darwin", "Glibc", "Musl", "Synchronization", "Dispatch", "Testing", "XCTest"}
IMPORT = re.compile(r"^\s*(?:@\w+\s+)*(?:(?:public|internal|package|private|fileprivate)\s+)?import\s+(?:\w+\s+)?(\w+)")


def main() -> int:
    manifest = json.loads(subprocess.run(["swift", "package", "dump-package"], check=True,
                                         capture_output=True, text=True).stdout)
    failures = []
    for target in manifest["targets"]:
        declared = set()
        for dep in target["dependencies"]:
            (kind, value), = dep.items()
            declared.add(value[0])  # byName / target / product: the first element is the module name
        root = target.get("path") or ("Tests" if target["type"] == "test" else "Sources") + "/" + target["name"]
        for path in sorted(glob.glob(f"{root}/**/*.swift", recursive=True)):
            with open(path, encoding="utf-8") as source:
                for number, line in enumerate(source, 1):
                    match = IMPORT.match(line)
                    if not match:
                        continue
                    module = match.group(1)
                    if module not in declared and module not in PLATFORM and module != target["name"]:
                        failures.append(f"{path}:{number}: target {target['name']} imports {module}, "
                                        f"which Package.swift does not declare as its dependency")
    for failure in failures:
        print(failure, file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
