"""Zoom as a MeetingProvider: the meeting, registrant, participant and recording endpoints, with
Zoom's JSON mapped onto the provider data classes. Mapping is liberal about Zoom's quirks (ids as
numbers or strings, missing or null fields, several date-time spellings)."""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from meetings.providers.base import (
    MeetingKind,
    MeetingProvider,
    MeetingRequest,
    NotFoundError,
    Occurrence,
    Page,
    Participant,
    ProviderMeeting,
    ProviderUser,
    ProviderValidationError,
    Recording,
    RecordingFile,
    RecordingFileLink,
    RegistrantRef,
    RegistrantResult,
    Transcript,
    TranscriptEntry,
)
from meetings.recurrence import RecurrenceRule
from meetings.zoom.client import ZoomClient, encode_uuid
from meetings.zoom.links import origin_of, zoom_link_clean
from meetings.zoom.vtt import vtt_parse

logger = logging.getLogger(__name__)

KIND_TO_TYPE: dict[str, int] = {"instant": 1, "scheduled": 2, "recurring": 8}
TYPE_TO_KIND: dict[int, MeetingKind] = {
    1: "instant",
    2: "scheduled",
    3: "recurring",
    8: "recurring",
}
PAGE_SIZE = 300  # Zoom's maximum
ZOOM_LOCAL_TIME = "%Y-%m-%dT%H:%M:%S"  # with the `timezone` field: wall-clock time there
# Zoom takes at most this many registrants in one status update.
REGISTRANT_STATUS_BATCH = 30
# What Zoom lets one change on a single occurrence of a recurring meeting.
OCCURRENCE_FIELDS = ("agenda", "start_time", "duration", "timezone")
# How long a recording's download token lives (Zoom's `ttl`, seconds): the person's browser
# follows the link at once, and Zoom checks the token when the download starts.
DOWNLOAD_TOKEN_TTL = 300

_LONG_FRACTION = re.compile(r"(\.\d{6})\d+")


# --- Zoom JSON -> data ---------------------------------------------------------------------


def parse_zoom_datetime(value: Any) -> datetime | None:
    """An aware datetime from `2022-03-23T06:58:09Z`, `...09.0000000+00:00` and the like; None
    for missing or unreadable values. Zoom's naive values are UTC."""
    if not isinstance(value, str) or not value.strip():
        return None
    text = _LONG_FRACTION.sub(r"\1", value.strip())
    if text[-1] in "zZ":
        text = text[:-1] + "+00:00"
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _str(value: Any) -> str:
    return "" if value is None else str(value)


def _link(value: Any, *, api_origin: str, what: str) -> str:
    """A link from Zoom's answer, kept only when it is Zoom's (meetings.zoom.links): it goes to
    teachers and students as a page link, an email or a redirect. Else "" and a log line."""
    url = _str(value)
    if not url:
        return ""
    clean = zoom_link_clean(url, api_origin=api_origin)
    if not clean:
        # Not the query: it may carry a passcode or a host key.
        logger.warning("dropped a %s not on Zoom's hosts: %r", what, url.split("?")[0][:60])
    return clean


def _int(value: Any, default: int = 0) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def meeting_from_zoom(data: dict[str, Any], *, api_origin: str = "") -> ProviderMeeting:
    occurrences = tuple(
        Occurrence(
            occurrence_id=_str(item.get("occurrence_id")),
            start_time=start,
            duration_minutes=_int(item.get("duration")),
            status=_str(item.get("status")) or "available",
        )
        for item in data.get("occurrences") or ()
        if (start := parse_zoom_datetime(item.get("start_time"))) is not None
    )
    return ProviderMeeting(
        id=_str(data.get("id")),
        uuid=_str(data.get("uuid")),
        topic=_str(data.get("topic")),
        kind=TYPE_TO_KIND.get(_int(data.get("type"), 2), "scheduled"),
        start_time=parse_zoom_datetime(data.get("start_time")),
        duration_minutes=_int(data.get("duration")),
        timezone=_str(data.get("timezone")) or "UTC",
        join_url=_link(data.get("join_url"), api_origin=api_origin, what="join link"),
        start_url=_link(data.get("start_url"), api_origin=api_origin, what="start link"),
        host_id=_str(data.get("host_id")),
        status=_str(data.get("status")) or "waiting",
        registration_url=_link(
            data.get("registration_url"), api_origin=api_origin, what="registration link"
        ),
        occurrences=occurrences,
        agenda=_str(data.get("agenda")),
        recurrence=_recurrence(data),
    )


def _recurrence(data: dict[str, Any]) -> RecurrenceRule | None:
    """A recurring meeting's rule from Zoom's `recurrence` object; None when there is none or
    it is not one the platform can hold (its occurrences still say when the classes are)."""
    body = data.get("recurrence")
    if _int(data.get("type")) != 8 or not isinstance(body, dict):
        return None
    try:
        return RecurrenceRule.from_zoom(body, timezone=_str(data.get("timezone")) or "UTC")
    except (AttributeError, KeyError, TypeError, ValueError, OverflowError) as exc:
        logger.warning(
            "Zoom meeting %s: its recurrence is not one we hold: %s", data.get("id"), exc
        )
        return None


def participant_from_zoom(data: dict[str, Any]) -> Participant:
    return Participant(
        participant_id=_str(data.get("id")),
        name=_str(data.get("name")),
        email=_str(data.get("user_email") or data.get("email")),
        user_id=_str(data.get("user_id")),
        registrant_id=_str(data.get("registrant_id")),
        join_time=parse_zoom_datetime(data.get("join_time")),
        leave_time=parse_zoom_datetime(data.get("leave_time")),
        duration_seconds=_int(data.get("duration")),
        participant_uuid=_str(data.get("participant_uuid")),
    )


def recording_from_zoom(
    data: dict[str, Any], *, api_origin: str = "", check_links: bool = True
) -> Recording:
    """A recording from Zoom's JSON (the REST answer and `recording.completed`'s object have
    one shape). `participant_audio_files` (one audio file per person) are left out. With
    `check_links=False` links are kept as given, for a caller that checks them itself."""

    def link(value: Any, what: str) -> str:
        return _link(value, api_origin=api_origin, what=what) if check_links else _str(value)

    listed = data.get("recording_files")
    files = tuple(
        RecordingFile(
            id=_str(item.get("id")),
            file_type=_str(item.get("file_type")).upper(),
            download_url=link(item.get("download_url"), "recording download link"),
            play_url=link(item.get("play_url"), "recording link"),
            recording_start=parse_zoom_datetime(item.get("recording_start")),
            recording_end=parse_zoom_datetime(item.get("recording_end")),
            file_size=max(0, _int(item.get("file_size"))),
            recording_type=_str(item.get("recording_type")),
            file_extension=_str(item.get("file_extension")).upper(),
            status=_str(item.get("status")).lower(),
        )
        for item in (listed if isinstance(listed, list) else ())
        if isinstance(item, dict)
    )
    return Recording(
        meeting_id=_str(data.get("id")),
        uuid=_str(data.get("uuid")),
        topic=_str(data.get("topic")),
        start_time=parse_zoom_datetime(data.get("start_time")),
        share_url=link(data.get("share_url"), "recording link"),
        files=files,
        duration_minutes=max(0, _int(data.get("duration"))),
        total_size=max(0, _int(data.get("total_size"))),
    )


def _with_query(url: str, **params: str) -> str:
    return f"{url}{'&' if '?' in url else '?'}{urlencode(params)}"


def recording_links_from_zoom(
    data: dict[str, Any], *, api_origin: str = ""
) -> tuple[RecordingFileLink, ...]:
    """Each file's links, authorised: the download link with Zoom's `download_access_token`
    (as `access_token`, which Zoom's download endpoint takes), the play link with the
    recording's play passcode when it has one (Zoom then skips its passcode page)."""
    token = _str(data.get("download_access_token"))
    passcode = _str(data.get("recording_play_passcode"))
    links = []
    for file in recording_from_zoom(data, api_origin=api_origin).files:
        play = file.play_url
        download = file.download_url
        links.append(
            RecordingFileLink(
                file_id=file.id,
                play_url=_with_query(play, pwd=passcode) if play and passcode else play,
                # Without a token the link would need a Zoom sign-in: none, rather than one
                # that fails at Zoom.
                download_url=_with_query(download, access_token=token)
                if download and token
                else "",
            )
        )
    return tuple(links)


# --- data -> Zoom JSON ---------------------------------------------------------------------


def safe_settings(request: MeetingRequest) -> dict[str, Any]:
    """Defaults for a class: nobody in before the teacher, a waiting room, and no Zoom emails
    to registrants (they would carry the raw join link; the platform sends its own)."""
    settings: dict[str, Any] = {
        "join_before_host": False,
        "waiting_room": True,
        "use_pmi": False,
        "approval_type": 0 if request.registration else 2,  # 0 automatic, 2 no registration
    }
    if request.registration:
        settings["registrants_confirmation_email"] = False
        settings["registrants_email_notification"] = False
        if request.kind == "recurring":
            settings["registration_type"] = 1  # register once, attend every occurrence
    return settings


def zoom_local_time(moment: datetime, timezone: str) -> str:
    """`moment` as Zoom's `yyyy-MM-ddTHH:mm:ss` wall-clock time in `timezone`."""
    if moment.tzinfo is None:
        raise ProviderValidationError("A class's start time must carry its timezone.")
    return moment.astimezone(_zone(timezone)).strftime(ZOOM_LOCAL_TIME)


def _zone(timezone: str) -> ZoneInfo:
    try:
        return ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ProviderValidationError(f"Unknown timezone {timezone!r}.") from None


def meeting_body(request: MeetingRequest) -> dict[str, Any]:
    """The JSON body that creates (or fully updates) a meeting."""
    body: dict[str, Any] = {
        "topic": request.topic,
        "type": KIND_TO_TYPE[request.kind],
        "duration": request.duration_minutes,
        "timezone": request.timezone,
        "agenda": request.agenda,
        "settings": {**safe_settings(request), **request.settings},
    }
    if request.kind != "instant":
        if request.start_time is None:
            raise ProviderValidationError("A scheduled class needs a start time.")
        body["start_time"] = zoom_local_time(request.start_time, request.timezone)
    if request.kind == "recurring":
        if request.recurrence is None:
            raise ProviderValidationError("A recurring class needs a recurrence rule.")
        body["recurrence"] = request.recurrence.to_zoom(timezone=request.timezone)
    elif request.recurrence is not None:
        raise ProviderValidationError("Only a recurring class takes a recurrence rule.")
    return body


# --- the provider --------------------------------------------------------------------------


class ZoomProvider(MeetingProvider):
    """Zoom's meetings API for one account, through a ZoomClient."""

    name = "zoom"

    def __init__(self, client: ZoomClient):
        self.client = client
        # Links on the API's own origin are the stand-in's (the sandbox in development).
        self._origin = origin_of(client.api_base_url)

    def authenticate(self) -> ProviderUser:
        data = self.client.request("GET", "/users/me", category="light") or {}
        name = _str(data.get("display_name")) or " ".join(
            part for part in (_str(data.get("first_name")), _str(data.get("last_name"))) if part
        )
        return ProviderUser(
            id=_str(data.get("id")),
            email=_str(data.get("email")),
            account_id=_str(data.get("account_id")),
            display_name=name,
        )

    def create_meeting(self, host_user_id: str, request: MeetingRequest) -> ProviderMeeting:
        data = self.client.request(
            "POST",
            f"/users/{encode_uuid(host_user_id)}/meetings",
            category="light",
            json=meeting_body(request),
        )
        return meeting_from_zoom(data or {}, api_origin=self._origin)

    def get_meeting(self, meeting_id: str, *, occurrence_id: str = "") -> ProviderMeeting:
        data = self.client.request(
            "GET",
            f"/meetings/{encode_uuid(str(meeting_id))}",
            category="light",
            params={"occurrence_id": occurrence_id} if occurrence_id else None,
        )
        return meeting_from_zoom(data or {}, api_origin=self._origin)

    def list_meetings(
        self, host_user_id: str, *, kind: str = "scheduled", page_token: str = ""
    ) -> Page[ProviderMeeting]:
        params: dict[str, Any] = {"type": kind, "page_size": PAGE_SIZE}
        if page_token:
            params["next_page_token"] = page_token
        data = self.client.request(
            "GET", f"/users/{encode_uuid(host_user_id)}/meetings", category="medium", params=params
        )
        data = data or {}
        return Page(
            items=tuple(
                meeting_from_zoom(item, api_origin=self._origin)
                for item in data.get("meetings") or ()
            ),
            next_page_token=_str(data.get("next_page_token")),
        )

    def update_meeting(
        self, meeting_id: str, request: MeetingRequest, *, occurrence_id: str = ""
    ) -> None:
        body = meeting_body(request)
        if occurrence_id:
            body = {key: body[key] for key in OCCURRENCE_FIELDS if key in body}
            if request.settings:
                body["settings"] = dict(request.settings)
        self.client.request(
            "PATCH",
            f"/meetings/{encode_uuid(str(meeting_id))}",
            category="light",
            params={"occurrence_id": occurrence_id} if occurrence_id else None,
            json=body,
        )

    def delete_meeting(self, meeting_id: str, *, occurrence_id: str = "") -> None:
        try:
            self.client.request(
                "DELETE",
                f"/meetings/{encode_uuid(str(meeting_id))}",
                category="light",
                params={"occurrence_id": occurrence_id} if occurrence_id else None,
            )
        except NotFoundError:
            return  # already gone: the outcome the caller wanted

    def end_meeting(self, meeting_id: str) -> None:
        try:
            self.client.request(
                "PUT",
                f"/meetings/{encode_uuid(str(meeting_id))}/status",
                category="light",
                json={"action": "end"},
            )
        except (NotFoundError, ProviderValidationError):
            return  # not running (Zoom answers 3001 or 3000): the state the caller wanted

    def add_registrant(
        self,
        meeting_id: str,
        *,
        email: str,
        first_name: str,
        last_name: str = "",
        occurrence_ids: Sequence[str] = (),
    ) -> RegistrantResult:
        body = {"email": email, "first_name": first_name}
        if last_name:
            body["last_name"] = last_name
        data = self.client.request(
            "POST",
            f"/meetings/{encode_uuid(str(meeting_id))}/registrants",
            category="light",
            params={"occurrence_ids": ",".join(occurrence_ids)} if occurrence_ids else None,
            json=body,
        )
        data = data or {}
        return RegistrantResult(
            registrant_id=_str(data.get("registrant_id")),
            join_url=_link(data.get("join_url"), api_origin=self._origin, what="registrant link"),
            occurrence_ids=tuple(
                _str(item.get("occurrence_id")) for item in data.get("occurrences") or ()
            ),
        )

    def cancel_registrants(
        self,
        meeting_id: str,
        *,
        registrants: Sequence[RegistrantRef],
        occurrence_id: str = "",
    ) -> None:
        rows = [r for r in registrants if r.registrant_id or r.email]
        for start in range(0, len(rows), REGISTRANT_STATUS_BATCH):
            batch = rows[start : start + REGISTRANT_STATUS_BATCH]
            try:
                self.client.request(
                    "PUT",
                    f"/meetings/{encode_uuid(str(meeting_id))}/registrants/status",
                    category="light",
                    params={"occurrence_id": occurrence_id} if occurrence_id else None,
                    json={
                        "action": "cancel",
                        "registrants": [{"id": r.registrant_id, "email": r.email} for r in batch],
                    },
                )
            except NotFoundError:
                return  # the meeting is gone, and its registrations with it

    def list_participants(self, meeting_uuid: str, *, page_token: str = "") -> Page[Participant]:
        return self._participants(
            f"/past_meetings/{encode_uuid(meeting_uuid)}/participants",
            category="medium",
            page_token=page_token,
        )

    def report_participants(self, meeting_uuid: str, *, page_token: str = "") -> Page[Participant]:
        """The participants report (Zoom's fuller record, kept longer); one row per segment."""
        return self._participants(
            f"/report/meetings/{encode_uuid(meeting_uuid)}/participants",
            category="heavy",
            page_token=page_token,
            # The report leaves registrant ids out unless asked for them.
            extra={"include_fields": "registrant_id"},
        )

    def get_recording(self, meeting_uuid: str) -> Recording:
        return recording_from_zoom(self._recording_json(meeting_uuid), api_origin=self._origin)

    def recording_file_links(self, meeting_uuid: str) -> tuple[RecordingFileLink, ...]:
        data = self.client.request(
            "GET",
            f"/meetings/{encode_uuid(meeting_uuid)}/recordings",
            category="light",
            params={"include_fields": "download_access_token", "ttl": DOWNLOAD_TOKEN_TTL},
        )
        return recording_links_from_zoom(data or {}, api_origin=self._origin)

    def delete_recording(self, meeting_uuid: str, *, file_id: str = "") -> bool:
        # `action=delete`, not `trash`: the school deletes it (or its retention setting does)
        # and is told it is gone; Zoom's trash would keep it, restorable by anyone with access
        # to the Zoom account, for 30 more days.
        path = f"/meetings/{encode_uuid(meeting_uuid)}/recordings"
        if file_id:
            path += f"/{encode_uuid(file_id)}"
        try:
            self.client.request("DELETE", path, category="light", params={"action": "delete"})
        except NotFoundError:
            return False  # already gone (Zoom's 3301): the outcome the caller wanted
        return True

    def get_transcript(
        self, meeting_uuid: str, *, max_bytes: int | None = None
    ) -> Transcript | None:
        """The meeting's audio transcript, from a fresh listing of its recording (download
        links expire); None while Zoom lists no finished transcript file. Several recording
        segments are joined, timed from the start of the first. NotFoundError when the
        meeting has no recording; FileTooLargeError when the files add up to more than
        `max_bytes`."""
        # The links are checked by the download itself (a link not Zoom's is refused there).
        listed = recording_from_zoom(self._recording_json(meeting_uuid), check_links=False)
        files = [file for file in listed.transcript_files() if file.download_url]
        if not files:
            return None
        first_start = files[0].recording_start
        entries: list[TranscriptEntry] = []
        skipped = 0
        budget = max_bytes
        for item in files:
            start = item.recording_start
            offset = (start - first_start).total_seconds() if start and first_start else 0.0
            content = self.client.download(item.download_url, max_bytes=budget)
            if budget is not None:
                budget -= len(content)
            parsed = vtt_parse(content)
            skipped += parsed.skipped
            if parsed.problems:
                logger.info(
                    "transcript file %s: %d malformed cue(s) skipped (%s)",
                    item.id,
                    parsed.skipped,
                    "; ".join(parsed.problems[:3]),
                )
            for entry in parsed.entries:
                entries.append(
                    TranscriptEntry(
                        index=len(entries) + 1 if len(files) > 1 else entry.index,
                        start_seconds=entry.start_seconds + offset,
                        end_seconds=entry.end_seconds + offset,
                        speaker=entry.speaker,
                        text=entry.text,
                    )
                )
        return Transcript(
            meeting_uuid=meeting_uuid,
            entries=tuple(entries),
            skipped=skipped,
            file_ids=tuple(item.id for item in files),
        )

    def _recording_json(self, meeting_uuid: str) -> dict[str, Any]:
        return (
            self.client.request(
                "GET", f"/meetings/{encode_uuid(meeting_uuid)}/recordings", category="light"
            )
            or {}
        )

    def _participants(
        self, path: str, *, category: str, page_token: str, extra: dict[str, Any] | None = None
    ) -> Page[Participant]:
        params: dict[str, Any] = {"page_size": PAGE_SIZE, **(extra or {})}
        if page_token:
            params["next_page_token"] = page_token
        data = self.client.request("GET", path, category=category, params=params) or {}
        return Page(
            items=tuple(participant_from_zoom(item) for item in data.get("participants") or ()),
            next_page_token=_str(data.get("next_page_token")),
        )
