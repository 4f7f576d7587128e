"""The aggregators: read the ingest log in batches and apply it to the recordings tables.

``Aggregator`` is one consumer (``manage.py run_aggregator`` runs one per process; run as many
as the load needs, on any number of machines); ``ingest_log_drain`` applies what is there now
(the embedded scheduler and the ``drain_ingest_log`` task call it, as do tests).
"""

from snapshots.aggregation.aggregator import Aggregator, AggregatorRound, ingest_log_drain

__all__ = ["Aggregator", "AggregatorRound", "ingest_log_drain"]
