"""Running a filtered query whose values only the database can fully validate.

Python validates every regular expression before it reaches the database, but PostgreSQL's
regex flavour refuses some patterns Python accepts (possessive quantifiers such as ``a++``).
``database_rejections_as_400`` turns such a refusal (``DataError``) into a 400 instead of a 500.
Inside a transaction the block runs in a savepoint, so the surrounding transaction stays
usable; in autocommit (a request's reads) a refused statement spoils nothing, and the block
costs no BEGIN/COMMIT round trips.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager, nullcontext

from django.db import DataError, connection, transaction
from rest_framework.exceptions import ValidationError


@contextmanager
def database_rejections_as_400() -> Iterator[None]:
    """Evaluate querysets inside this block; a value the database rejects is a 400."""
    try:
        with transaction.atomic() if connection.in_atomic_block else nullcontext():
            yield
    except DataError as error:
        raise ValidationError(
            f"The database rejected a filter value (check regular expressions): {error}".strip()
        ) from None
