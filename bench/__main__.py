"""``python -m bench`` (``make bench``): run every benchmark module of this package.

Each module runs in its own interpreter (``python -m bench.<name>``) so one benchmark's
memory and imports never skew another's figures. ``python -m bench snapshots`` runs a subset.
Exits non-zero when any benchmark fails.
"""

from __future__ import annotations

import pkgutil
import subprocess
import sys
import time
from pathlib import Path


def benchmark_names() -> list[str]:
    package_dir = Path(__file__).resolve().parent
    return sorted(
        module.name
        for module in pkgutil.iter_modules([str(package_dir)])
        if not module.name.startswith("_") and not module.ispkg
    )


def main(argv: list[str]) -> int:
    names = argv or benchmark_names()
    unknown = sorted(set(names) - set(benchmark_names()))
    if unknown:
        print(f"unknown benchmark(s): {', '.join(unknown)}; available: {', '.join(benchmark_names())}")
        return 2
    failed = []
    for name in names:
        print(f"\n=== bench.{name}", flush=True)
        started = time.monotonic()
        result = subprocess.run([sys.executable, "-m", f"bench.{name}"], check=False)
        outcome = "ok" if result.returncode == 0 else "FAILED"
        print(f"=== bench.{name}: {outcome} in {time.monotonic() - started:.1f}s")
        if result.returncode != 0:
            failed.append(name)
    if failed:
        print(f"\nfailed: {', '.join(failed)}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
