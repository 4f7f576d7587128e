"""factory_boy factories for domain rows (tests only; production rows come from ingestion)."""

from __future__ import annotations

import uuid
from datetime import timedelta

import factory
from django.utils import timezone

from recordings.expiry import expiry_of
from recordings.models import Person, PersonDistinctId, SessionEvent, SessionRecording


class SessionRecordingFactory(factory.django.DjangoModelFactory[SessionRecording]):
    class Meta:
        model = SessionRecording

    session_id = factory.LazyFunction(lambda: str(uuid.uuid4()))
    distinct_id = factory.Sequence(lambda n: f"user-{n}")
    start_time = factory.LazyFunction(lambda: timezone.now().replace(microsecond=0) - timedelta(hours=1))
    end_time = factory.LazyAttribute(lambda o: o.start_time + timedelta(seconds=120))
    active_milliseconds = 60_000
    click_count = 3
    keypress_count = 5
    mouse_activity_count = 20
    console_log_count = 1
    console_warn_count = 0
    console_error_count = 0
    start_url = "https://example.com/"
    urls = factory.LazyAttribute(lambda o: [o.start_url] if o.start_url else [])
    first_event_properties = factory.LazyFunction(
        lambda: {"$browser": "Chrome", "$os": "Mac OS X", "$device_type": "Desktop"}
    )
    retention_period_days: int | None = None
    persisted = False
    # Stamped as every writer stamps it (``recordings.expiry``).
    expires_at = factory.LazyAttribute(
        lambda o: expiry_of(
            start_time=o.start_time,
            retention_days=o.retention_period_days or o.environment.session_recording_retention_days,
            persisted=o.persisted,
        )
    )


class PersonFactory(factory.django.DjangoModelFactory[Person]):
    class Meta:
        model = Person
        skip_postgeneration_save = True

    properties = factory.LazyFunction(lambda: {"email": "person@example.com"})

    # factory_boy calls the hook with the created Person, not with the factory.
    @factory.post_generation
    def distinct_ids(person: Person, create: bool, extracted: list[str] | None, **kwargs: object) -> None:
        for distinct_id in extracted or []:
            PersonDistinctId.objects.create(
                environment=person.environment, person=person, distinct_id=distinct_id
            )


class SessionEventFactory(factory.django.DjangoModelFactory[SessionEvent]):
    class Meta:
        model = SessionEvent

    uuid = factory.LazyFunction(uuid.uuid4)
    session_id = factory.LazyFunction(lambda: str(uuid.uuid4()))
    event = "$pageview"
    distinct_id = "user-0"
    timestamp = factory.LazyFunction(timezone.now)
    properties = factory.LazyFunction(lambda: {"$current_url": "https://example.com/"})
