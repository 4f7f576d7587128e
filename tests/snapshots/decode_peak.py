"""Run as ``python -m tests.snapshots.decode_peak BODY_FILE CONTENT_TYPE``: decodes one body the
way capture does and prints how far the decode raised the process's peak RSS, in KiB, and what
it raised (``BodyTooLarge``, ``CaptureDecodeError:<code>`` or ``ok``).

A process of its own per body, so that each peak (``ru_maxrss``, a high-water mark) is that
body's alone; the body is read from its file before the baseline is taken, as a worker holds
it before decoding."""

from __future__ import annotations

import os
import resource
import sys


def main(path: str, content_type: str) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    from snapshots.capture.decoding import BodyTooLarge, CaptureDecodeError, decode_body

    with open(path, "rb") as handle:
        body = handle.read()
    warm_up = b'[{"event": "warm-up"}]'
    decode_body(body=warm_up, content_type="application/json", compression="", max_bytes=100)
    baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    outcome = "ok"
    try:
        decode_body(body=body, content_type=content_type, compression="", max_bytes=20 * 1024 * 1024)
    except BodyTooLarge:
        outcome = "BodyTooLarge"
    except CaptureDecodeError as error:
        outcome = f"CaptureDecodeError:{error.code}"
    growth = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - baseline
    print(growth, outcome)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
