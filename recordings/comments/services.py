"""Writes of recording comments: create (on a visible recording of the environment) and update."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from rest_framework.exceptions import ValidationError

from recordings.models import RecordingComment
from recordings.selectors import session_recording_find
from recordings_api.models import Environment, User

logger = logging.getLogger(__name__)


def recording_comment_create(
    *, environment: Environment, user: User | None, session_id: str, content: str, item_context: Any
) -> RecordingComment:
    """A comment on the recording ``session_id``; 400 (``item_id``) when the environment has none."""
    if session_recording_find(environment=environment, session_id=session_id) is None:
        raise ValidationError({"item_id": [f"Recording {session_id!r} not found."]})
    comment = RecordingComment.objects.create(
        environment=environment,
        session_id=session_id,
        content=content,
        item_context=item_context,
        created_by=user,
    )
    logger.info(
        "recording_comment_created", extra={"environment_id": environment.id, "session_id": session_id}
    )
    return comment


def recording_comment_update(*, comment: RecordingComment, changes: Mapping[str, Any]) -> RecordingComment:
    """Apply validated ``changes``; a new ``content`` bumps ``version``."""
    fields = list(changes)
    if "content" in changes and changes["content"] != comment.content:
        comment.version += 1
        fields.append("version")
    for name, value in changes.items():
        setattr(comment, name, value)
    if fields:
        comment.save(update_fields=fields)
    return comment
