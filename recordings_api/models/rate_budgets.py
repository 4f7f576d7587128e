"""Rate budget windows for the embedded mode (no Redis): one row per budget key."""

from __future__ import annotations

from django.db import models


class RateBudgetWindow(models.Model):
    """The hits counted in the current window of one budget (``recordings_api.budgets``).

    Rows are only ever changed by one atomic upsert; windows long over are deleted lazily."""

    key = models.CharField(max_length=200, primary_key=True)
    count = models.PositiveIntegerField()
    window_ends_ms = models.BigIntegerField(db_index=True)

    def __str__(self) -> str:
        return f"{self.key}: {self.count}"
