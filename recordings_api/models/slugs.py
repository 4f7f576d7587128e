"""Slugs: how the Sentry face addresses organizations and projects (our environments).

A slug is lowercase letters, digits, ``-`` and ``_``, starts with a letter or digit, is at most
``SLUG_MAX_LENGTH`` long and is never all digits — so a path segment that is all digits (or a
UUID, for organizations) is always an id, never a slug. Slugs are unique per table; a new row
gets one derived from its name (``-2``, ``-3``… on collision), and the admin may change it.
"""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.db.models import Model
from django.utils.text import slugify

SLUG_MAX_LENGTH = 50
_SLUG = re.compile(r"^[a-z0-9][a-z0-9_-]*$")


def slug_validate(value: str) -> None:
    """The model validator: Sentry's slug rules (module docstring)."""
    if not _SLUG.match(value) or value.isdigit():
        raise ValidationError(
            "A slug has lowercase letters, digits, '-' and '_', starts with a letter or digit "
            "and is not all digits.",
            code="invalid_slug",
        )


def slug_base(text: str, *, fallback: str) -> str:
    """``text`` as a slug stem; ``fallback`` prefixes a stem that is empty or all digits."""
    stem = slugify(text)[: SLUG_MAX_LENGTH - 8].strip("-_")
    if not stem:
        return fallback
    return f"{fallback}-{stem}" if stem.isdigit() else stem


def slug_unique(model: type[Model], base: str, *, exclude_pk: object = None) -> str:
    """``base``, or ``base-N`` with the smallest N ≥ 2 that no other row of ``model`` uses.

    One query: the taken slugs of the ``base`` family. Two concurrent inserts of the same name
    may still pick the same slug; the unique constraint then refuses the second.
    """
    taken_rows = model._default_manager.filter(slug__startswith=base)
    if exclude_pk is not None:
        taken_rows = taken_rows.exclude(pk=exclude_pk)
    taken = set(taken_rows.values_list("slug", flat=True))
    if base not in taken:
        return base
    suffix = 2
    while f"{base}-{suffix}" in taken:
        suffix += 1
    return f"{base}-{suffix}"
