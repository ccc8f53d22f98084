"""Ingest of one two-hour class transcript: from Zoom to stored, speaker-linked cues.

The transcript: a generated WebVTT file of a 2-hour class (about 2,000 cues of 2–4.5 s, sentence
lengths of 4–30 words, the teacher speaking most, 25 pupils and two names nobody matches, one
cue in eight in Bengali, a few malformed cues), Zoom style (numbered cues, `Name: text`). Zoom
is requests-mock: the recordings listing and the file download answer at once, so the figure is
the platform's own work, not the network's.

Measured, each the median of RUNS runs in one process (with min and max):
- ingest: `attendance.recordings.transcripts.transcript_fetch` on a pending transcript, as the
  actor runs it: ask Zoom for the recording's files, stream the download (size-limited), parse
  (NFC, malformed cues counted), link the speakers to the session's 26 participants, replace the
  meeting's cues (one DELETE, one bulk INSERT) and mark the transcript ready, committed. The
  first run inserts into an empty table, the others replace the previous run's cues (a re-fetch).
- baselines in the same run: parsing alone (`meetings.zoom.vtt.vtt_parse` of the same bytes),
  the download alone (the Zoom client through requests-mock), and a plain `bulk_create` of the
  same cue rows (no download, parse or linking), in a transaction, after a DELETE.

Runs against a scratch database `<DATABASE_URL's db>_transcripts`, dropped and made anew.
Usage: python bench/bench_transcript_ingest.py [runs]   (default 9; or `make bench`)
"""

import logging
import os
import platform
import random
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from unittest import mock
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.local"
os.environ["DJANGO_DEBUG"] = "0"  # as in production: DEBUG records every query
os.environ.setdefault("LIVEROLL_SPARE_SCHEMAS", "0")
os.environ["CHANNELS_PREFIX"] = "liveroll-bench-transcripts:asgi"
os.environ["DRAMATIQ_NAMESPACE"] = "liveroll-bench-transcripts"
base_url = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/liveroll")
parts = urlsplit(base_url)
bench_db = parts.path.lstrip("/") + "_transcripts"
os.environ["DATABASE_URL"] = urlunsplit(parts._replace(path="/" + bench_db))

import psycopg  # noqa: E402

with psycopg.connect(urlunsplit(parts._replace(path="/postgres")), autocommit=True) as admin:
    admin.execute(f'DROP DATABASE IF EXISTS "{bench_db}" WITH (FORCE)')
    admin.execute(f'CREATE DATABASE "{bench_db}"')

import django  # noqa: E402

django.setup()

import requests_mock  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import transaction  # noqa: E402
from django_tenants.utils import schema_context  # noqa: E402

from attendance.models import (  # noqa: E402
    ParticipantRole,
    ParticipantSession,
    Transcript,
    TranscriptCue,
)
from attendance.recordings import actors, transcripts  # noqa: E402
from meetings.models import Meeting  # noqa: E402
from meetings.zoom.client import ZoomClient  # noqa: E402
from meetings.zoom.provider import ZoomProvider  # noqa: E402
from meetings.zoom.vtt import vtt_parse  # noqa: E402
from tenants import services as tenant_services  # noqa: E402
from tenants.accounts.models import Role  # noqa: E402
from tenants.accounts.services import user_create  # noqa: E402
from tenants.school.services import class_create, class_enrol  # noqa: E402

RUNS = int(sys.argv[1]) if len(sys.argv) > 1 else 9
CLASS_SECONDS = 2 * 3600
PUPILS = 25
GOAL_SECONDS = 2.0
UUID = "bench-instance=="
API = "https://zoom.test/v2"
LISTING_URL = f"{API}/meetings/bench-instance%3D%3D/recordings"
VTT_URL = "https://us06web.zoom.us/rec/download/bench-transcript.vtt"
START = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)

ENGLISH_TEXT = (
    "the a of to and in is that it for we this you on with fraction number line half third "
    "quarter equal part whole divide share compare bigger smaller example page exercise answer "
    "question homework think look here next first then because so can will should let's "
    "numerator denominator equivalent simplify common multiply add subtract result check"
)
BENGALI_TEXT = (
    "আজ আমরা ভগ্নাংশ নিয়ে কাজ করব সংখ্যা রেখা অর্ধেক তিন ভাগের এক ভাগ সমান অংশ পুরো ভাগ করো "
    "তুলনা বড় ছোট উদাহরণ পাতা অনুশীলন উত্তর প্রশ্ন বাড়ির কাজ ভাবো দেখো এখানে পরের প্রথমে তারপর "
    "কারণ তাই পারি করবে উচিত লব হর সমতুল্য সরল গুণ যোগ বিয়োগ ফলাফল"
)
ENGLISH, BENGALI = ENGLISH_TEXT.split(), BENGALI_TEXT.split()


class Tokens:
    def access_token(self) -> str:
        return "bench-token"

    def refresh(self, stale_token: str) -> str:
        return "bench-token"


def make_vtt(rng: random.Random, pupils: list[str], host: str) -> tuple[bytes, int]:
    """A 2-hour class transcript; returns it and how many cues it holds (malformed included)."""
    lines = ["WEBVTT", ""]
    at, number = 2.0, 0
    while at < CLASS_SECONDS - 10:
        number += 1
        length = rng.uniform(2.0, 4.5)
        roll = rng.random()
        speaker = (
            host
            if roll < 0.6
            else rng.choice(["Guest 7", "iPad"])
            if roll < 0.63
            else rng.choice(pupils)
        )
        words = ENGLISH if rng.random() >= 0.125 else BENGALI
        sentence = " ".join(rng.choice(words) for _ in range(rng.randint(4, 30)))
        end = at + length
        if rng.random() < 0.002:
            end = at - 1.0  # malformed: ends before it starts
        lines += [str(number), f"{stamp(at)} --> {stamp(end)}", f"{speaker}: {sentence}.", ""]
        at += length + rng.uniform(0.1, 0.8)
    return "\n".join(lines).encode(), number


def stamp(seconds: float) -> str:
    millis = max(0, round(seconds * 1000))
    hours, rest = divmod(millis, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    return f"{hours:02d}:{minutes:02d}:{rest // 1000:02d}.{rest % 1000:03d}"


def arrange() -> tuple[str, int, list[str], str]:
    call_command("migrate_schemas", shared=True, interactive=False, verbosity=0)
    tenant_services.template_migrate()
    org = tenant_services.organisation_onboard(
        name="Bench", slug="bench", admin_email="a@bench.test", admin_password="x" * 16
    )
    with schema_context(org.schema_name):
        teacher = user_create(
            email="t@bench.test", password=None, role=Role.TEACHER, name="Nadia Rahman"
        )
        school_class = class_create(name="Maths", teachers=[teacher])
        pupils = [
            user_create(
                email=f"p{n}@bench.test", password=None, role=Role.STUDENT, name=f"Pupil {n:02d}"
            )
            for n in range(PUPILS)
        ]
        class_enrol(school_class=school_class, students=pupils)
        meeting = Meeting.objects.create(
            school_class=school_class,
            host=teacher,
            title="Fractions",
            start_time=START,
            duration_minutes=120,
            zoom_meeting_id="81234567890",
            zoom_uuid=UUID,
        )
        sessions = [
            ParticipantSession(
                meeting=meeting,
                participant_key=f"u:{n}",
                user=person,
                role=ParticipantRole.HOST if person == teacher else ParticipantRole.STUDENT,
                name=person.name,
                joined_at=START + timedelta(minutes=n % 10),
            )
            for n, person in enumerate([teacher, *pupils])
        ]
        ParticipantSession.objects.bulk_create(sessions)
        Transcript.objects.create(meeting=meeting, zoom_file_id="bench-file")
        return org.schema_name, meeting.pk, [p.name for p in pupils], teacher.name


def listing(size: int) -> dict:
    return {
        "uuid": UUID,
        "id": 81234567890,
        "recording_files": [
            {
                "id": "bench-file",
                "file_type": "TRANSCRIPT",
                "file_extension": "VTT",
                "file_size": size,
                "recording_start": "2026-11-23T09:00:00Z",
                "recording_end": "2026-11-23T11:00:00Z",
                "download_url": VTT_URL,
                "status": "completed",
                "recording_type": "audio_transcript",
            }
        ],
    }


def timed(fn, runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return times


def row(label: str, times: list[float]) -> str:
    ms = [t * 1000 for t in times]
    return f"| {label} | {statistics.median(ms):.0f} | {min(ms):.0f}–{max(ms):.0f} |"


def main() -> None:
    logging.getLogger("meetings.zoom.client").setLevel(logging.WARNING)  # a line per request
    started = time.perf_counter()
    schema, meeting_id, pupils, host = arrange()
    vtt, cue_total = make_vtt(random.Random(14), pupils, host)  # noqa: S311 - generated text
    print(f"arranged in {time.perf_counter() - started:.1f} s")
    provider = ZoomProvider(ZoomClient(API, Tokens(), "bench", sleep=lambda s: None))

    with (
        schema_context(schema),
        requests_mock.Mocker() as zoom,
        mock.patch.object(actors.summary_write, "send"),  # the summary is not this figure's
    ):
        zoom.get(LISTING_URL, json=listing(len(vtt)))
        zoom.get(VTT_URL, content=vtt)

        def ingest() -> None:
            Transcript.objects.filter(meeting_id=meeting_id).update(status="pending", attempts=0)
            status = transcripts.transcript_fetch(meeting_id=meeting_id, provider=provider)
            assert status == "ready", status

        ingest_times = timed(ingest, RUNS)
        stored = Transcript.objects.get(meeting_id=meeting_id)
        linked = TranscriptCue.objects.filter(meeting_id=meeting_id, person__isnull=False).count()
        rows = list(TranscriptCue.objects.filter(meeting_id=meeting_id).order_by("position"))

        parse_times = timed(lambda: vtt_parse(vtt), RUNS)
        download_times = timed(lambda: provider.client.download(VTT_URL, max_bytes=8 << 20), RUNS)

        def plain_insert() -> None:
            copies = [
                TranscriptCue(
                    transcript_id=c.transcript_id,
                    meeting_id=c.meeting_id,
                    position=c.position,
                    start_ms=c.start_ms,
                    end_ms=c.end_ms,
                    speaker=c.speaker,
                    text=c.text,
                )
                for c in rows
            ]
            with transaction.atomic():
                transcripts._cues_delete(meeting_id)
                TranscriptCue.objects.bulk_create(copies, batch_size=2000)

        insert_times = timed(plain_insert, RUNS)

    print(
        f"machine: {platform.platform()}, {os.cpu_count()} cores,"
        f" Python {platform.python_version()}"
    )
    print(f"load average at the end (1, 5, 15 min): {os.getloadavg()}")
    print(
        f"transcript: {len(vtt):,} bytes, {cue_total:,} cues in the file, "
        f"{stored.cue_count:,} stored, {stored.skipped_cues} skipped as malformed, "
        f"{linked:,} linked to a person, {stored.duration_seconds / 3600:.2f} h"
    )
    print(f"{RUNS} runs each; ms: median, min–max")
    print("| what | median ms | min–max ms |")
    print("|---|---|---|")
    print(
        row("**ingest** (Zoom listing, download, parse, link, replace cues, commit)", ingest_times)
    )
    print(row("baseline: parse only", parse_times))
    print(row("baseline: download only (requests-mock)", download_times))
    print(row("baseline: plain bulk insert of the same rows (after a DELETE)", insert_times))
    verdict = "met" if statistics.median(ingest_times) < GOAL_SECONDS else "NOT met"
    print(f"goal: median ingest under {GOAL_SECONDS:.0f} s: {verdict}")


if __name__ == "__main__":
    main()
