"""An aggregator's liveness: every round touches ``AGGREGATOR_HEARTBEAT_FILE`` (when set).

``python -m snapshots.aggregation.heartbeat FILE MAX_AGE_SECONDS`` exits 0 when the file was
touched within ``MAX_AGE_SECONDS``, else 1 (the container healthcheck).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path


def heartbeat_touch(path: str | None) -> None:
    if path:
        Path(path).touch()


def heartbeat_fresh(path: str, max_age_seconds: float) -> bool:
    try:
        return time.time() - Path(path).stat().st_mtime <= max_age_seconds
    except OSError:
        return False


if __name__ == "__main__":
    sys.exit(0 if heartbeat_fresh(sys.argv[1], float(sys.argv[2])) else 1)
