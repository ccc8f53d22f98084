"""Reading and searching transcripts: `sessionTranscript` and `searchTranscripts`. Thin: the
policy and the queries are attendance/recordings/reading.py and search.py."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry
from strawberry.types import Info

from attendance.recordings import models
from attendance.recordings.reading import CuesRefused, transcript_cues, transcript_for_viewer
from attendance.recordings.search import SearchRefused, transcripts_search
from tenants.graphql.context import NotAllowed, require_user


@strawberry.type(description="One line of a transcript: who spoke, when, what.")
class TranscriptCue:
    position: int
    start_ms: int = strawberry.field(description="Milliseconds into the recording.")
    end_ms: int
    speaker: str = strawberry.field(description="The name Zoom gave the speaker.")
    person_id: strawberry.ID | None = strawberry.field(
        description="The school's person who spoke, where the name matched a participant."
    )
    text: str


def _cue(row: models.TranscriptCue) -> TranscriptCue:
    return TranscriptCue(
        position=row.position,
        start_ms=row.start_ms,
        end_ms=row.end_ms,
        speaker=row.speaker,
        person_id=strawberry.ID(str(row.person_id)) if row.person_id else None,
        text=row.text,
    )


@strawberry.type(description="A session's transcript.")
class Transcript:
    status: str = strawberry.field(description='"pending", "ready" or "failed".')
    cue_count: int
    skipped_cues: int = strawberry.field(description="Malformed cues left out when it was read.")
    duration_seconds: int
    row: strawberry.Private[models.Transcript]

    @strawberry.field(description="The cues in order, a page at a time (at most 500).")
    def cues(self, first: int = 200, offset: int = 0) -> list[TranscriptCue]:
        try:
            rows = transcript_cues(transcript=self.row, first=first, offset=offset)
        except CuesRefused as exc:
            raise NotAllowed(str(exc)) from exc
        return [_cue(row) for row in rows]


@strawberry.type(description="Part of a snippet: plain text, or a word that matched.")
class SnippetPart:
    text: str
    match: bool


@strawberry.type(description="A cue that matched a search, with its session.")
class TranscriptHit:
    meeting_id: strawberry.ID
    meeting_title: str
    meeting_start: datetime
    class_name: str | None
    position: int
    start_ms: int = strawberry.field(description="Milliseconds into the recording.")
    speaker: str
    snippet: list[SnippetPart] = strawberry.field(
        description="The cue's text around the matches, the matched words marked (not HTML)."
    )
    rank: float


@strawberry.type
class TranscriptSearch:
    total: int = strawberry.field(description="Matching cues, counted up to 1,000.")
    total_is_capped: bool = strawberry.field(description="More cues match than `total`.")
    hits: list[TranscriptHit]


@strawberry.type
class TranscriptsQuery:
    @strawberry.field(
        description="A session's transcript (null while it has none), for those who may see "
        "its recordings."
    )
    def session_transcript(self, info: Info, meeting_id: strawberry.ID) -> Transcript | None:
        user = require_user(info)
        row = transcript_for_viewer(user=user, meeting_id=meeting_id)
        if row is None:
            return None
        return Transcript(
            status=row.status,
            cue_count=row.cue_count,
            skipped_cues=row.skipped_cues,
            duration_seconds=row.duration_seconds,
            row=row,
        )

    @strawberry.field(
        description="Search the transcripts of the sessions whose recordings the viewer may "
        "see: every word must match (English by its stem, Bengali by its beginning); best "
        "first. `from`/`to`: sessions that started at or after / before them."
    )
    def search_transcripts(
        self,
        info: Info,
        query: str,
        class_id: strawberry.ID | None = None,
        start_from: Annotated[datetime | None, strawberry.argument(name="from")] = None,
        start_to: Annotated[datetime | None, strawberry.argument(name="to")] = None,
        first: int = 20,
        offset: int = 0,
    ) -> TranscriptSearch:
        user = require_user(info)
        try:
            result = transcripts_search(
                user=user,
                text=query,
                class_id=class_id,
                start_from=start_from,
                start_to=start_to,
                first=first,
                offset=offset,
            )
        except SearchRefused as exc:
            raise NotAllowed(str(exc)) from exc
        return TranscriptSearch(
            total=result.total,
            total_is_capped=result.total_is_capped,
            hits=[
                TranscriptHit(
                    meeting_id=strawberry.ID(str(hit.meeting_id)),
                    meeting_title=hit.meeting_title,
                    meeting_start=hit.meeting_start,
                    class_name=hit.class_name,
                    position=hit.position,
                    start_ms=hit.start_ms,
                    speaker=hit.speaker,
                    snippet=[SnippetPart(text=p.text, match=p.match) for p in hit.snippet],
                    rank=hit.rank,
                )
                for hit in result.hits
            ],
        )
