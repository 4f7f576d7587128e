"""Writes of action definitions: create and update (a soft delete is ``deleted: true``)."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from recordings.models import Action
from recordings_api.models import Environment, User

logger = logging.getLogger(__name__)


def action_create(*, environment: Environment, user: User | None, fields: Mapping[str, Any]) -> Action:
    """A new action of ``environment``; ``fields`` are validated writable fields."""
    action = Action.objects.create(environment=environment, created_by=user, **fields)
    logger.info("action_created", extra={"environment_id": environment.id, "action_id": action.id})
    return action


def action_update(*, action: Action, changes: Mapping[str, Any]) -> Action:
    """Apply validated ``changes``; ``{"deleted": false}`` restores a deleted action."""
    for name, value in changes.items():
        setattr(action, name, value)
    if changes:
        action.save(update_fields=[*changes, "updated_at"])
        logger.info("action_updated", extra={"action_id": action.id, "fields": sorted(changes)})
    return action
