"""Searching a school's transcripts: 1,000 hours of classes, about 700,000 cues.

The school (made here): 20 classes of 25 students, each with its teacher; 1,000 ended sessions
of 45, 60 or 75 minutes (1,000 hours in all) over two years, each with a ready transcript of
700 cues an hour. Two classes are taught in Bengali (100 hours); the rest in English. The cues'
words are drawn from a Zipf distribution (bench/transcript_corpus.py): function words, a few
very common classroom words (`okay` in about one cue in eight), a long made-up tail and a few
real rare words. Loaded with COPY (the database computes each cue's search vector and fills the
GIN index as it would for the ingest), then VACUUM ANALYZE.

Measured, in one process, each search RUNS times (p50 / p95 / max, milliseconds), through
`attendance.recordings.search.transcripts_search` — what `searchTranscripts` calls: the query
parsed, the policy's sessions, the capped total, the ranked page of 20, and its highlighted
snippets:
- a rare word, a common word, two words, a Bengali word found in its inflected forms, a common
  word within one class, a word inside a date range; as the school's admin, and as a student of
  one class (the school lets students see transcripts);
- the same searches without snippets (baseline: what ts_headline costs);
- a plain ILIKE scan for the rare and the common word (baseline: what the index buys);
- the cost of the search column on writing: COPY of one 2-hour transcript (1,400 cues) into the
  table as it is, and into a copy of the table without the generated column and its index.

Runs against a scratch database `<DATABASE_URL's db>_tsearch`, dropped and made anew.
Usage: python bench/bench_transcript_search.py [runs]   (default 50; or `make bench`)
"""

from __future__ import annotations

import math
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.local"
os.environ["DJANGO_DEBUG"] = "0"  # as in production: DEBUG records every query
os.environ.setdefault("LIVEROLL_SPARE_SCHEMAS", "0")
os.environ["CHANNELS_PREFIX"] = "liveroll-bench-tsearch:asgi"
os.environ["DRAMATIQ_NAMESPACE"] = "liveroll-bench-tsearch"
base_url = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/liveroll")
parts = urlsplit(base_url)
bench_db = parts.path.lstrip("/") + "_tsearch"
os.environ["DATABASE_URL"] = urlunsplit(parts._replace(path="/" + bench_db))
KEEP = os.environ.get("BENCH_KEEP_DB") == "1"  # reuse a loaded database (while tuning)

import psycopg  # noqa: E402

with psycopg.connect(urlunsplit(parts._replace(path="/postgres")), autocommit=True) as admin:
    exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [bench_db]).fetchone()
    if not (KEEP and exists):
        admin.execute(f'DROP DATABASE IF EXISTS "{bench_db}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{bench_db}"')
        KEEP = False

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django_tenants.utils import schema_context  # noqa: E402
from transcript_corpus import speeches  # noqa: E402

from attendance.recordings.models import RecordingSettings, Transcript  # noqa: E402
from meetings.models import Meeting  # noqa: E402
from tenants import services as tenant_services  # noqa: E402
from tenants.accounts.models import Role, User  # noqa: E402
from tenants.accounts.services import users_create_many  # noqa: E402
from tenants.models import Organisation  # noqa: E402
from tenants.school.models import SchoolClass  # noqa: E402
from tenants.school.services import class_teachers_add, enrolments_add, parent_links_add  # noqa: E402

RUNS = int(sys.argv[1]) if len(sys.argv) > 1 else 50
CLASSES = 20
STUDENTS_PER_CLASS = 25
SESSIONS = 1_000
DURATIONS = (45, 60, 75)  # minutes, in turn: 60 on average, 1,000 hours in all
CUES_PER_HOUR = 700
BENGALI_CLASSES = 2
FIRST_SESSION = datetime(2024, 12, 2, 9, 0, tzinfo=UTC)
CUE_TABLE = "attendance_transcriptcue"


def arrange_people() -> dict[str, User]:
    teachers = [(f"t{c}@bench.test", f"Teacher {c}", Role.TEACHER) for c in range(CLASSES)]
    students = [
        (f"s{c}-{n}@bench.test", f"Student {c}-{n}", Role.STUDENT)
        for c in range(CLASSES)
        for n in range(STUDENTS_PER_CLASS)
    ]
    users_create_many(people=[*teachers, *students, ("p0@bench.test", "Parent", Role.PARENT)])
    User.objects.update(is_active=True)
    ids = dict(User.objects.values_list("email", "pk"))
    classes = SchoolClass.objects.bulk_create(
        SchoolClass(name=f"Class {c}" + (" (বাংলা)" if c < BENGALI_CLASSES else ""))
        for c in range(CLASSES)
    )
    class_teachers_add(pairs=[(k.pk, ids[f"t{c}@bench.test"]) for c, k in enumerate(classes)])
    enrolments_add(
        pairs=[
            (k.pk, ids[f"s{c}-{n}@bench.test"])
            for c, k in enumerate(classes)
            for n in range(STUDENTS_PER_CLASS)
        ]
    )
    # The student and the parent searched as: a student of an English class (class 5).
    parent_links_add(pairs=[(ids["p0@bench.test"], ids["s5-0@bench.test"])])
    RecordingSettings.objects.create(students_may_view=True, parents_may_view=True)
    by_email = User.objects.in_bulk(
        ["admin@bench.test", "s5-0@bench.test", "p0@bench.test", "t5@bench.test"],
        field_name="email",
    )
    return {
        "admin": by_email["admin@bench.test"],
        "teacher": by_email["t5@bench.test"],
        "student": by_email["s5-0@bench.test"],
        "parent": by_email["p0@bench.test"],
    }


def arrange_transcripts() -> int:
    """The sessions, their transcripts and their cues (COPY); returns the number of cues."""
    english, bengali = speeches()
    classes = list(SchoolClass.objects.order_by("pk"))
    teachers = {
        k: t for k, t in SchoolClass.teachers.through.objects.values_list("schoolclass", "user")
    }
    meetings = Meeting.objects.bulk_create(
        Meeting(
            school_class=classes[i % CLASSES],
            host_id=teachers[classes[i % CLASSES].pk],
            title=f"{classes[i % CLASSES].name}: lesson {i // CLASSES + 1}",
            start_time=FIRST_SESSION + timedelta(hours=i * 17),  # 1,000 sessions over 2 years
            duration_minutes=DURATIONS[i % len(DURATIONS)],
            status=Meeting.Status.ENDED,
        )
        for i in range(SESSIONS)
    )
    transcripts = Transcript.objects.bulk_create(
        Transcript(meeting=m, status=Transcript.Status.READY) for m in meetings
    )
    cues = 0
    with connection.cursor() as cursor:
        copy_sql = (
            f"COPY {CUE_TABLE} (transcript_id, meeting_id, position, start_ms, end_ms, speaker,"
            " text) FROM STDIN"
        )
        with cursor.cursor.copy(copy_sql) as copy:
            for i, (meeting, transcript) in enumerate(zip(meetings, transcripts, strict=True)):
                speech = bengali if i % CLASSES < BENGALI_CLASSES else english
                count = CUES_PER_HOUR * meeting.duration_minutes // 60
                step = meeting.duration_minutes * 60_000 // count
                for position in range(count):
                    speaker = "Teacher" if position % 3 else f"Student {position % 7}"
                    row = (
                        transcript.pk,
                        meeting.pk,
                        position,
                        position * step,
                        position * step + step - 200,
                        speaker,
                        speech.cue(),
                    )
                    copy.write_row(row)
                cues += count
        Transcript.objects.update(cue_count=CUES_PER_HOUR)
        cursor.execute("VACUUM ANALYZE")
    return cues


def arrange() -> tuple[str, dict[str, User], float]:
    started = time.perf_counter()
    if KEEP:
        org = Organisation.objects.get(slug="bench")
        with schema_context(org.schema_name):
            users = {
                "admin": User.objects.get(email="admin@bench.test"),
                "teacher": User.objects.get(email="t5@bench.test"),
                "student": User.objects.get(email="s5-0@bench.test"),
                "parent": User.objects.get(email="p0@bench.test"),
            }
        return org.schema_name, users, 0.0
    call_command("migrate_schemas", shared=True, interactive=False, verbosity=0)
    tenant_services.template_migrate()
    org = tenant_services.organisation_onboard(
        name="Bench", slug="bench", admin_email="admin@bench.test", admin_password="x" * 16
    )
    with schema_context(org.schema_name):
        users = arrange_people()
        cues = arrange_transcripts()
    seconds = time.perf_counter() - started
    print(f"arranged {SESSIONS:,} sessions, {cues:,} cues in {seconds:.1f} s")
    return org.schema_name, users, seconds


Stats = tuple[float, float, float]


def stats(times: list[float]) -> Stats:
    """p50, p95, max of milliseconds."""
    times = sorted(times)
    p95 = times[max(0, math.ceil(0.95 * len(times)) - 1)]
    return statistics.median(times), p95, times[-1]


def timed(*fns: Callable[[], object], runs: int) -> list[Stats]:
    """Each function `runs` times, taking turns (so a busy moment of the machine falls on all
    of them alike), after one warm-up run each (the first reads the index from disk)."""
    times: list[list[float]] = [[] for _ in fns]
    for fn in fns:
        fn()
    for _ in range(runs):
        for n, fn in enumerate(fns):
            t0 = time.perf_counter()
            fn()
            times[n].append((time.perf_counter() - t0) * 1000)
    return [stats(t) for t in times]


def graphql_client(schema: str, user: User) -> Client:
    client = Client(HTTP_HOST=tenant_services.tenant_host("bench"))
    with schema_context(schema):
        client.force_login(user)
    return client


GRAPHQL_SEARCH = """query($q: String!) { searchTranscripts(query: $q) { total totalIsCapped
  hits { meetingId meetingTitle meetingStart className position startMs speaker rank
         snippet { text match } } } }"""


def graphql_search(client: Client, text: str) -> None:
    response = client.post(
        "/graphql/", {"query": GRAPHQL_SEARCH, "variables": {"q": text}}, "application/json"
    )
    assert response.status_code == 200 and "errors" not in response.json(), response.content


def ilike_scan(user: User, word: str) -> None:
    """Baseline: the same sessions and page without the index (a scan of every cue's text)."""
    from attendance.recordings.search import _meetings, _scope

    scope = _scope(
        _meetings(user, school_class=None, start_from=None, start_to=None), narrowed=None
    )
    where, params = "text ILIKE %s", [f"%{word}%"]
    if not scope.every:
        where, params = where + " AND meeting_id = ANY(%s)", [*params, scope.ids]
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT count(*) FROM (SELECT 1 FROM {CUE_TABLE} WHERE {where} LIMIT 1001) s", params
        )
        cursor.execute(
            f"SELECT id, text FROM {CUE_TABLE} WHERE {where} ORDER BY id DESC LIMIT 20", params
        )
        cursor.fetchall()


def write_cost(runs: int) -> tuple[float, float]:
    """Median ms to COPY one 2-hour transcript (1,400 cues) into the cue table as it is, and
    into a table like it without the search column and its index; each rolled back."""
    english, _ = speeches(seed=99)
    cues = [english.cue() for _ in range(1_400)]
    transcript = Transcript.objects.order_by("pk").first()
    assert transcript is not None
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS cue_plain")
        cursor.execute(
            f"CREATE TABLE cue_plain (LIKE {CUE_TABLE} INCLUDING DEFAULTS"
            " INCLUDING IDENTITY INCLUDING CONSTRAINTS INCLUDING INDEXES)"
        )
        cursor.execute("ALTER TABLE cue_plain DROP COLUMN search")
    results = []
    for table in (CUE_TABLE, "cue_plain"):
        times = []
        for _ in range(runs):
            with transaction.atomic(), connection.cursor() as cursor:
                t0 = time.perf_counter()
                copy_sql = (
                    f"COPY {table} (transcript_id, meeting_id, position, start_ms, end_ms,"
                    " speaker, text) FROM STDIN"
                )
                with cursor.cursor.copy(copy_sql) as copy:
                    for n, text in enumerate(cues):
                        copy.write_row(
                            (transcript.pk, transcript.meeting_id, 10_000 + n, n, n, "T", text)
                        )
                times.append((time.perf_counter() - t0) * 1000)
                transaction.set_rollback(True)
        results.append(statistics.median(times))
    return results[0], results[1]


def main() -> None:
    schema, users, _ = arrange()
    from attendance.recordings.search import transcripts_search

    print(
        f"machine: {platform.platform()}, {os.cpu_count()} cores,"
        f" Python {platform.python_version()}"
    )
    with schema_context(schema):
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT version(), current_setting('shared_buffers'),"
                f" (SELECT count(*) FROM {CUE_TABLE}),"
                f" pg_size_pretty(pg_relation_size('{CUE_TABLE}')),"
                " pg_size_pretty(pg_relation_size('cue_search'))"
            )
            version, buffers, cues, table_size, index_size = cursor.fetchone()
        print(f"{version.split(' on ')[0]}, shared_buffers {buffers}")
        print(f"{cues:,} cues; table {table_size}, GIN index {index_size}")
        class5 = SchoolClass.objects.get(name="Class 5").pk
        half_year = {
            "start_from": FIRST_SESSION + timedelta(days=180),
            "start_to": FIRST_SESSION + timedelta(days=365),
        }
        searches = [
            ("rare word", "admin", "photosynthesis", {}),
            ("common word (1 cue in 8)", "admin", "okay", {}),
            ("medium word (1 cue in 60)", "admin", "look", {}),
            ("two words", "admin", "question answer", {}),
            ("Bengali, inflected (বাংলায়)", "admin", "বাংলায়", {}),
            ("common word, one class", "admin", "question", {"class_id": class5}),
            ("medium word, six months", "admin", "write", half_year),
            ("rare word", "student", "photosynthesis", {}),
            ("common word", "student", "okay", {}),
            ("two words", "student", "question answer", {}),
            ("medium word", "parent", "look", {}),
            ("common word", "teacher", "question", {}),
        ]
        print(f"\n{RUNS} runs each, milliseconds: p50 / p95 / max")
        print(f"{'search':34} {'as':8} {'total':>6}  {'with snippets':>20}  {'without':>20}")
        worst = 0.0
        for label, role, text, filters in searches:
            user = users[role]
            result = transcripts_search(user=user, text=text, **filters)
            total = f"{result.total}{'+' if result.total_is_capped else ''}"
            with_snippets, without = timed(
                lambda u=user, t=text, f=filters: transcripts_search(user=u, text=t, **f),
                lambda u=user, t=text, f=filters: transcripts_search(
                    user=u, text=t, snippets=False, **f
                ),
                runs=RUNS,
            )
            worst = max(worst, with_snippets[1])
            print(
                f"{label:34} {role:8} {total:>6}  "
                f"{' / '.join(f'{x:.1f}' for x in with_snippets):>20}  "
                f"{' / '.join(f'{x:.1f}' for x in without):>20}"
            )
        print(f"worst p95 with snippets: {worst:.1f} ms (goal: under 100)")
        print("\nbaseline, ILIKE scan of the text (no index), count up to 1,001 and a page of 20:")
        for role, word in (
            ("admin", "photosynthesis"),
            ("admin", "okay"),
            ("student", "photosynthesis"),
        ):
            ((p50, p95, top),) = timed(
                lambda u=users[role], w=word: ilike_scan(u, w), runs=max(5, RUNS // 5)
            )
            print(f"  {word:16} as {role:8} {p50:.1f} / {p95:.1f} / {top:.1f}")
        print("\nthe whole request: GraphQL over HTTP (Django's test client, same process):")
        for role, word in (("admin", "photosynthesis"), ("student", "okay")):
            client = graphql_client(schema, users[role])
            ((p50, p95, top),) = timed(lambda c=client, w=word: graphql_search(c, w), runs=RUNS)
            print(f"  {word:16} as {role:8} {p50:.1f} / {p95:.1f} / {top:.1f}")
        with_column, without_column = write_cost(max(5, RUNS // 5))
        print(
            f"\nCOPY of one 2-hour transcript (1,400 cues): {with_column:.1f} ms with the search"
            f" column and its GIN index, {without_column:.1f} ms without (median)"
        )
        print(f"load average at the end (1, 5, 15 min): {os.getloadavg()}")


if __name__ == "__main__":
    main()
