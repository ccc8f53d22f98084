"""The school's recording settings (admins): `recordingSettings`, `updateRecordingSettings`, and
`testSummariser`, which asks the school's model for a two-line summary. The summariser's key is
write-only: `summaryKeySet` says whether one is stored."""

from __future__ import annotations

from datetime import datetime

import strawberry
from django.utils import timezone
from strawberry.types import Info

from attendance.recordings import settings as services
from attendance.recordings.models import RETENTION_DAYS_MAX, RETENTION_DAYS_MIN
from attendance.recordings.models import RecordingSettings as SettingsRow
from attendance.recordings.policy import recording_settings
from tenants.graphql.context import client_ip, require_admin
from tenants.graphql.errors import FieldError, typed_errors


@strawberry.type(description="The school's choices about recordings, transcripts and summaries.")
class RecordingSettings:
    students_may_view: bool = strawberry.field(
        description="The class's students may play recordings and read transcripts and summaries."
    )
    parents_may_view: bool = strawberry.field(
        description="Parents of the class's students may, too."
    )
    retention_days: int | None = strawberry.field(
        description="Days after the class when its recording, transcript and summary are"
        " deleted, here and at Zoom; null keeps them until someone deletes them."
    )
    retention_days_min: int
    retention_days_max: int
    summary_endpoint: str = strawberry.field(
        description="The base URL of an OpenAI-compatible API (the part before"
        " /chat/completions, e.g. https://api.openai.com/v1); empty: the local summariser."
    )
    summary_model: str
    summary_key_set: bool = strawberry.field(description="Whether a key is stored (never shown).")


@strawberry.input
class RecordingSettingsInput:
    students_may_view: bool
    parents_may_view: bool
    retention_days: int | None = None
    summary_endpoint: str
    summary_model: str
    summary_api_key: str | None = strawberry.field(
        default=None, description="null keeps the stored key; an empty string removes it."
    )


@strawberry.type
class UpdateRecordingSettingsPayload:
    ok: bool = False
    settings: RecordingSettings | None = None
    errors: list[FieldError] = strawberry.field(default_factory=list)


@strawberry.type(description="What the school's summariser answered to a two-line sample.")
class SummariserTest:
    ok: bool
    outcome: str = strawberry.field(
        description="ok | not_configured | refused | timeout | unreachable | http | answer"
    )
    message: str
    answer: str = strawberry.field(description="The model's summary of the sample, when ok.")
    action_items: int
    status: int | None = strawberry.field(description="The endpoint's HTTP status, if it failed")
    tested_at: datetime


@strawberry.type
class TestSummariserPayload:
    result: SummariserTest | None = None
    errors: list[FieldError] = strawberry.field(default_factory=list)


def settings_out(row: SettingsRow) -> RecordingSettings:
    return RecordingSettings(
        students_may_view=row.students_may_view,
        parents_may_view=row.parents_may_view,
        retention_days=row.retention_days,
        retention_days_min=RETENTION_DAYS_MIN,
        retention_days_max=RETENTION_DAYS_MAX,
        summary_endpoint=row.summary_endpoint,
        summary_model=row.summary_model,
        summary_key_set=bool(row.summary_api_key),
    )


@strawberry.type
class RecordingSettingsQuery:
    @strawberry.field(description="The school's recording settings (admins).")
    def recording_settings(self, info: Info) -> RecordingSettings:
        require_admin(info)
        return settings_out(recording_settings())


@strawberry.type
class RecordingSettingsMutation:
    @strawberry.mutation(description="Save the school's recording settings (admins).")
    @typed_errors(UpdateRecordingSettingsPayload)
    def update_recording_settings(
        self, info: Info, input: RecordingSettingsInput
    ) -> UpdateRecordingSettingsPayload:
        admin = require_admin(info)
        row = services.recording_settings_save(
            actor=admin,
            ip=client_ip(info),
            students_may_view=input.students_may_view,
            parents_may_view=input.parents_may_view,
            retention_days=input.retention_days,
            summary_endpoint=input.summary_endpoint,
            summary_model=input.summary_model,
            summary_api_key=input.summary_api_key,
        )
        return UpdateRecordingSettingsPayload(ok=True, settings=settings_out(row), errors=[])

    @strawberry.mutation(
        description="Ask the school's summariser to summarise a two-line sample (admins): its"
        " answer, or what failed."
    )
    @typed_errors(TestSummariserPayload)
    def test_summariser(self, info: Info) -> TestSummariserPayload:
        admin = require_admin(info)
        result = services.summariser_test(actor=admin, ip=client_ip(info))
        return TestSummariserPayload(
            result=SummariserTest(
                ok=result.ok,
                outcome=result.outcome,
                message=result.message,
                answer=result.answer,
                action_items=result.action_items,
                status=result.status,
                tested_at=timezone.now(),
            ),
            errors=[],
        )
