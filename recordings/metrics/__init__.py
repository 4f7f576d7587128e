"""Recording metrics: the formulas (``formulas``) and the registry every API face reads (``registry``)."""

from recordings.metrics.registry import (
    FACES,
    NUMERIC_KINDS,
    RECORDING_FIELDS,
    Face,
    FaceNames,
    FieldContext,
    RecordingField,
    fields_named,
    filter_fields,
    order_fields,
    search_fields,
    shown_fields,
)

__all__ = [
    "FACES",
    "NUMERIC_KINDS",
    "RECORDING_FIELDS",
    "Face",
    "FaceNames",
    "FieldContext",
    "RecordingField",
    "fields_named",
    "filter_fields",
    "order_fields",
    "search_fields",
    "shown_fields",
]
