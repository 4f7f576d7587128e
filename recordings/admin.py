"""Operators' admin for recordings, persons, session events and error issues.

Rows are written by ingestion, so they are read-only here. Actions go through the same services
as the API: "persist" is ``session_recording_persist``; deleting (the admin's own action, with
its confirmation page, or the object page's button) is ``session_recordings_bulk_delete``
(tombstone now, blobs and live buffer by the background task); "flush now" runs the snapshot
data hook's flush (``recordings.hooks``). **Watch** opens the recording in the share page's rrweb
player (``sharing.pages.staff_recording_page``), which fetches the snapshots with the staff
session through the API's two-phase protocol: no share token is created.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.contrib import admin, messages
from django.db.models import OuterRef, QuerySet, Subquery, TextField
from django.db.models.functions import Cast
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html

from recordings.hooks import recording_data_flush
from recordings.metrics.formulas import is_ongoing
from recordings.models import (
    DeletedRecording,
    ErrorIssue,
    Person,
    PersonDistinctId,
    SessionEvent,
    SessionRecording,
)
from recordings.services import session_recording_persist, session_recordings_bulk_delete


class ReadOnlyAdmin(admin.ModelAdmin):
    """Every field read-only and no "add": the rows are ingestion's."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return [field.name for field in self.model._meta.fields]


class ConsoleErrorsFilter(admin.SimpleListFilter):
    title = "console errors"
    parameter_name = "errors"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("yes", "with errors"), ("no", "without errors")]

    def queryset(
        self, request: HttpRequest, queryset: QuerySet[SessionRecording]
    ) -> QuerySet[SessionRecording]:
        if self.value() == "yes":
            return queryset.filter(console_error_count__gt=0)
        if self.value() == "no":
            return queryset.filter(console_error_count=0)
        return queryset


def _duration(seconds: int) -> str:
    hours, rest = divmod(max(0, seconds), 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


@admin.register(SessionRecording)
class SessionRecordingAdmin(ReadOnlyAdmin):
    list_display = (
        "session_id",
        "start_time",
        "duration_shown",
        "person",
        "start_url_link",
        "click_count",
        "console_error_count",
        "ongoing",
        "persisted",
        "watch",
    )
    list_display_links = ("session_id",)
    list_filter = ("environment", "start_time", ConsoleErrorsFilter, "persisted")
    search_fields = ("session_id", "distinct_id", "start_url")
    search_help_text = "Session id, distinct id, or part of any visited URL."
    date_hierarchy = "start_time"
    ordering = ("-start_time", "-id")
    list_select_related = ("environment",)
    list_per_page = 50
    show_full_result_count = False
    actions = ("delete_selected", "persist_recordings", "flush_recordings")

    def get_queryset(self, request: HttpRequest) -> QuerySet[SessionRecording]:
        person = PersonDistinctId.objects.filter(
            environment_id=OuterRef("environment_id"), distinct_id=OuterRef("distinct_id")
        ).values("person_id")[:1]
        return super().get_queryset(request).annotate(person_id=Subquery(person))

    def get_search_results(self, request: HttpRequest, queryset: Any, search_term: str) -> tuple[Any, bool]:
        """Also matches any URL the session visited (``urls``), not only its start URL."""
        results, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        term = search_term.strip()
        if term:
            by_url = queryset.annotate(_urls_text=Cast("urls", TextField())).filter(
                _urls_text__icontains=term
            )
            results = results | queryset.filter(pk__in=by_url.values("pk"))
        return results, may_have_duplicates

    # --- columns --------------------------------------------------------------------------------

    @admin.display(description="Duration", ordering="duration")
    def duration_shown(self, recording: SessionRecording) -> str:
        return _duration(recording.duration_seconds)

    @admin.display(description="Person / distinct id", ordering="distinct_id")
    def person(self, recording: SessionRecording) -> str:
        person_id = getattr(recording, "person_id", None)
        if person_id is None:
            return recording.distinct_id or "—"
        url = reverse("admin:recordings_person_change", args=[person_id])
        return format_html('<a href="{}">{}</a>', url, recording.distinct_id)

    @admin.display(description="Start URL", ordering="start_url")
    def start_url_link(self, recording: SessionRecording) -> str:
        if not recording.start_url:
            return "—"
        shown = recording.start_url if len(recording.start_url) <= 60 else recording.start_url[:59] + "…"
        return format_html('<span title="{}">{}</span>', recording.start_url, shown)

    @admin.display(description="Ongoing", boolean=True)
    def ongoing(self, recording: SessionRecording) -> bool:
        return is_ongoing(recording)

    @admin.display(description="Replay")
    def watch(self, recording: SessionRecording) -> str:
        url = reverse(
            "staff_recording_watch",
            kwargs={"environment_id": recording.environment_id, "session_id": recording.session_id},
        )
        return format_html(
            '<a class="watch-recording" href="{}" target="_blank" rel="noopener">Watch</a>', url
        )

    # --- actions ----------------------------------------------------------------------------------

    def delete_model(self, request: HttpRequest, obj: SessionRecording) -> None:
        self.delete_queryset(request, SessionRecording.objects.filter(pk=obj.pk))

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[SessionRecording]) -> None:
        """The API's deletion: tombstones now, snapshot data in the background."""
        by_environment: dict[Any, list[str]] = defaultdict(list)
        for recording in queryset.select_related("environment"):
            by_environment[recording.environment].append(recording.session_id)
        for environment, session_ids in by_environment.items():
            session_recordings_bulk_delete(
                environment=environment, session_ids=session_ids, user=request.user
            )

    @admin.action(description="Persist the selected recordings (keep past retention)", permissions=["change"])
    def persist_recordings(self, request: HttpRequest, queryset: QuerySet[SessionRecording]) -> None:
        recordings = list(queryset.select_related("environment"))
        for recording in recordings:
            session_recording_persist(recording=recording)
        self.message_user(request, f"Persisted {len(recordings)} recording(s).", messages.SUCCESS)

    @admin.action(description="Flush the selected recordings' buffered data now", permissions=["change"])
    def flush_recordings(self, request: HttpRequest, queryset: QuerySet[SessionRecording]) -> None:
        outcomes: dict[str, int] = defaultdict(int)
        for recording in queryset:
            for status in recording_data_flush(
                environment_id=recording.environment_id, session_id=recording.session_id
            ):
                outcomes[status] += 1
        summary = (
            ", ".join(f"{count} {status}" for status, count in sorted(outcomes.items())) or "nothing to do"
        )
        level = messages.ERROR if outcomes.get("failed") else messages.SUCCESS
        self.message_user(request, f"Flush: {summary}.", level)


class PersonDistinctIdInline(admin.TabularInline):
    model = PersonDistinctId
    extra = 0
    can_delete = False
    fields = ("distinct_id",)
    readonly_fields = ("distinct_id",)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Person)
class PersonAdmin(ReadOnlyAdmin):
    list_display = ("uuid", "email", "distinct_ids_list", "environment", "created_at", "last_seen_at")
    list_filter = ("environment", "last_seen_at")
    search_fields = ("distinct_ids__distinct_id", "properties__email")
    search_help_text = "A distinct id, or part of the person's email."
    inlines = [PersonDistinctIdInline]
    list_select_related = ("environment",)
    show_full_result_count = False

    def get_queryset(self, request: HttpRequest) -> QuerySet[Person]:
        return super().get_queryset(request).prefetch_related("distinct_ids")

    @admin.display(description="Email")
    def email(self, person: Person) -> str:
        value = (person.properties or {}).get("email")
        return str(value) if value else "—"

    @admin.display(description="Distinct ids")
    def distinct_ids_list(self, person: Person) -> str:
        ids = [row.distinct_id for row in person.distinct_ids.all()]
        return ", ".join(ids[:3]) + (f" (+{len(ids) - 3})" if len(ids) > 3 else "")


@admin.register(SessionEvent)
class SessionEventAdmin(ReadOnlyAdmin):
    list_display = ("event", "timestamp", "session_id", "distinct_id", "environment")
    list_filter = ("environment", "timestamp")
    search_fields = ("=session_id", "=distinct_id", "event")
    search_help_text = "An exact session id or distinct id, or part of an event name."
    date_hierarchy = "timestamp"
    ordering = ("-timestamp",)
    list_select_related = ("environment",)
    show_full_result_count = False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # events go with their recording


@admin.register(DeletedRecording)
class DeletedRecordingAdmin(ReadOnlyAdmin):
    """Tombstones: which sessions were deleted, when and by whom (ingestion drops their data)."""

    list_display = ("session_id", "environment", "deleted_at", "deleted_by")
    list_filter = ("environment", "deleted_at")
    search_fields = ("=session_id",)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(ErrorIssue)
class ErrorIssueAdmin(ReadOnlyAdmin):
    """Issues: error events grouped by fingerprint (``recordings.grouping``); the id is what
    Sentry's ``issue.id`` names. Deleting one keeps its events, ungrouped."""

    list_display = ("id", "title", "culprit", "level", "environment", "first_seen")
    list_filter = ("environment", "level")
    search_fields = ("=id", "title", "=fingerprint")
    search_help_text = "An exact issue id or fingerprint, or part of a title."
    ordering = ("-first_seen",)
    list_select_related = ("environment",)
    show_full_result_count = False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
