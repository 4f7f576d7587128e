"""A recording's segments as Sentry's Replays API serves them (recording-segments endpoints).

A Sentry replay's segments are its ``ReplaySegment`` rows whose ``replay_event`` arrived (as
Sentry lists them), numbered by the SDK; a segment's events are its snapshot line's ``data``,
byte for byte as sent. A posthog-js recording's segments are its stored blobs in time order
(then the data still in the live buffer, as one last segment), numbered from 0; a segment's
events are those of every line of that blob. ``listing`` finds segments, ``streams`` streams
their events from object storage and the live buffer.
"""

from snapshots.replay_segments.listing import (
    ReplaySegmentRef,
    replay_segment_get,
    replay_segments_count,
    replay_segments_list,
)
from snapshots.replay_segments.streams import replay_segment_chunks, replay_segments_chunks

__all__ = [
    "ReplaySegmentRef",
    "replay_segment_chunks",
    "replay_segment_get",
    "replay_segments_chunks",
    "replay_segments_count",
    "replay_segments_list",
]
