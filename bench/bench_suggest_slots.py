"""What asking for free times costs: `suggestSlots` over a month for a class of 40 students with
a realistic load, through GraphQL, beside baselines from the same run.

One school (Asia/Dhaka, school hours 08:00-18:00 Monday to Friday). The class: one teacher, 40
students, three sessions a week. Its teacher teaches four other classes (three sessions a week
each); its students are each in five other classes of twelve (three a week each, their own
teachers); twenty more classes of the school have nothing to do with it. Sessions over thirteen
weeks around the month asked about (some cancelled): about 2,000 rows in all.

Measured in one process through Django's test client (the request path without a server), as
the class's teacher, no calendar connected:
- `suggestSlots` over 30 days, first 20;
- `schedulingClashes` of a weekly class on three days, 13 weeks (39 occurrences);
- baselines: the meetings list query of the class (`meetings(classId, when: UPCOMING)`, 20
  rows), and the busy-time selector alone (`class_sessions_busy` over the month: its one query,
  no GraphQL, no arithmetic).

Runs against a scratch database `<DATABASE_URL's db>_slots`, dropped and made anew.
Usage: python bench/bench_suggest_slots.py [runs]   (default 200)
"""

import os
import platform
import random
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.local"
os.environ["DJANGO_DEBUG"] = "0"  # as in production: DEBUG records every query
os.environ.setdefault("LIVEROLL_SPARE_SCHEMAS", "0")
os.environ["CHANNELS_PREFIX"] = "liveroll-bench-slots:asgi"
os.environ["DRAMATIQ_NAMESPACE"] = "liveroll-bench-slots"
base_url = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/liveroll")
parts = urlsplit(base_url)
bench_db = parts.path.lstrip("/") + "_slots"
os.environ["DATABASE_URL"] = urlunsplit(parts._replace(path="/" + bench_db))

import psycopg  # noqa: E402

with psycopg.connect(urlunsplit(parts._replace(path="/postgres")), autocommit=True) as admin:
    admin.execute(f'DROP DATABASE IF EXISTS "{bench_db}" WITH (FORCE)')
    admin.execute(f'CREATE DATABASE "{bench_db}"')

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django_tenants.utils import schema_context  # noqa: E402

from meetings.availability import Interval  # noqa: E402
from meetings.availability_selectors import class_sessions_busy  # noqa: E402
from meetings.models import Meeting  # noqa: E402
from tenants import services as tenant_services  # noqa: E402
from tenants.accounts.models import Role, User  # noqa: E402
from tenants.models import Organisation  # noqa: E402
from tenants.school.models import Enrolment, SchoolClass  # noqa: E402

RUNS = int(sys.argv[1]) if len(sys.argv) > 1 else 200
ZONE = ZoneInfo("Asia/Dhaka")
STUDENTS = 40
WEEKS = 13
rng = random.Random(16)

SUGGEST = """query($c: ID!, $from: DateTime!, $to: DateTime!) {
  suggestSlots(classId: $c, durationMinutes: 60, from: $from, to: $to, first: 20) {
    slots { start end } timezone calendarChecked calendarProblem } }"""
CLASHES = """query($c: ID!, $start: DateTime!) {
  schedulingClashes(classId: $c, start: $start, durationMinutes: 60,
    recurrence: {frequency: WEEKLY, weekdays: [0, 2, 4], count: 39}) {
    kind start end title meetingId occurrenceStart } }"""
MEETINGS = """query($c: ID!) { meetings(classId: $c, when: UPCOMING, limit: 20) {
  items { id title startTime durationMinutes status } totalCount } }"""


def _people(prefix: str, n: int, role: int) -> list[User]:
    return User.objects.bulk_create(
        User(email=f"{prefix}{i}@bench.test", name=f"{prefix} {i}", role=role) for i in range(n)
    )


def _classes(prefix: str, n: int, teachers: list[User]) -> list[SchoolClass]:
    rows = SchoolClass.objects.bulk_create(SchoolClass(name=f"{prefix} {i}") for i in range(n))
    through = SchoolClass.teachers.through
    through.objects.bulk_create(
        through(schoolclass_id=c.pk, user_id=teachers[i % len(teachers)].pk)
        for i, c in enumerate(rows)
    )
    return rows


def _sessions(school_class: SchoolClass, host: User, monday: datetime) -> list[Meeting]:
    """Three a week (random days and school hours, fixed per class) for WEEKS weeks from two
    weeks before `monday`; one in ten cancelled."""
    days = rng.sample(range(5), 3)
    hours = [rng.choice([8, 9, 10, 11, 13, 14, 15, 16]) for _ in days]
    rows = []
    for week in range(-2, WEEKS - 2):
        for day, hour in zip(days, hours, strict=True):
            local = (monday + timedelta(weeks=week, days=day)).replace(hour=hour)
            rows.append(
                Meeting(
                    school_class=school_class,
                    host=host,
                    title=f"{school_class.name} week {week}",
                    start_time=local.astimezone(UTC),
                    duration_minutes=rng.choice([45, 60, 90]),
                    timezone="Asia/Dhaka",
                    status=Meeting.Status.CANCELLED
                    if rng.random() < 0.1
                    else Meeting.Status.SCHEDULED,
                )
            )
    return rows


def arrange() -> tuple[str, User, SchoolClass, datetime]:
    call_command("migrate_schemas", shared=True, interactive=False, verbosity=0)
    tenant_services.template_migrate()
    org = tenant_services.organisation_onboard(
        name="Bench", slug="bench", admin_email="a@bench.test", admin_password="x" * 16
    )
    Organisation.objects.filter(pk=org.pk).update(timezone="Asia/Dhaka")
    today = datetime.now(ZONE).replace(hour=0, minute=0, second=0, microsecond=0)
    monday = today + timedelta(days=7 - today.weekday())
    with schema_context(org.schema_name):
        (teacher,) = _people("teacher", 1, Role.TEACHER)
        others = _people("colleague", 12, Role.TEACHER)
        students = _people("student", STUDENTS, Role.STUDENT)
        (physics,) = _classes("Physics", 1, [teacher])
        taught = _classes("Taught", 4, [teacher])
        attended = _classes("Attended", 12, others)
        unrelated = _classes("Unrelated", 20, others)
        Enrolment.objects.bulk_create(
            Enrolment(school_class=c, student=s)
            for s in students
            for c in [physics, *rng.sample(attended, 5)]
        )
        meetings = _sessions(physics, teacher, monday)
        for c in taught:
            meetings += _sessions(c, teacher, monday)
        for c in attended + unrelated:
            meetings += _sessions(c, others[c.pk % len(others)], monday)
        Meeting.objects.bulk_create(meetings)
        print(f"{len(meetings)} sessions, {Enrolment.objects.count()} enrolments")
    return org.schema_name, teacher, physics, monday


def timed(client: Client, query: str, **variables) -> tuple[list[float], int]:
    times = []
    for _ in range(RUNS):
        t0 = time.perf_counter()
        response = client.post(
            "/graphql/", {"query": query, "variables": variables}, content_type="application/json"
        )
        times.append((time.perf_counter() - t0) * 1000)
        body = response.json()
        assert response.status_code == 200 and "errors" not in body, body
    with CaptureQueriesContext(connection) as captured:
        client.post(
            "/graphql/", {"query": query, "variables": variables}, content_type="application/json"
        )
    return times, len(captured)


def line(name: str, times: list[float], queries: int | None = None) -> str:
    ordered = sorted(times)
    p95 = ordered[max(int(len(ordered) * 0.95) - 1, 0)]
    extra = f"   {queries} queries" if queries is not None else ""
    return f"{name:<52} median {statistics.median(times):6.1f} ms   p95 {p95:6.1f} ms{extra}"


def main() -> None:
    started = time.perf_counter()
    schema, teacher, physics, monday = arrange()
    print(f"arranged in {time.perf_counter() - started:.1f} s")
    client = Client(HTTP_HOST=tenant_services.tenant_host("bench"))
    with schema_context(schema):
        client.force_login(teacher)
    window = {"from": monday.isoformat(), "to": (monday + timedelta(days=30)).isoformat()}
    first = client.post(
        "/graphql/",
        {"query": SUGGEST, "variables": {"c": str(physics.pk), **window}},
        content_type="application/json",
    ).json()["data"]["suggestSlots"]
    print(f"{len(first['slots'])} slots, first {first['slots'][0]['start']}")
    for _ in range(10):  # warm the connection and the schema
        client.post(
            "/graphql/",
            {"query": MEETINGS, "variables": {"c": str(physics.pk)}},
            content_type="application/json",
        )

    listing, listing_q = timed(client, MEETINGS, c=str(physics.pk))
    suggest, suggest_q = timed(client, SUGGEST, c=str(physics.pk), **window)
    clashes, clashes_q = timed(
        client, CLASHES, c=str(physics.pk), start=monday.replace(hour=9).isoformat()
    )
    listing2, _ = timed(client, MEETINGS, c=str(physics.pk))
    selector = []
    with schema_context(schema):
        month = [Interval(monday, monday + timedelta(days=30))]
        for _ in range(RUNS):
            t0 = time.perf_counter()
            class_sessions_busy(school_class=physics, windows=month)
            selector.append((time.perf_counter() - t0) * 1000)
    print(
        f"machine: {platform.platform()}, {os.cpu_count()} cores,"
        f" Python {platform.python_version()}; load average {os.getloadavg()}"
    )
    print(line(f"baseline: meetings list of the class ×{2 * RUNS}", listing + listing2, listing_q))
    print(line(f"baseline: busy-time selector alone (one query) ×{RUNS}", selector))
    print(line(f"suggestSlots, 30 days, first 20 ×{RUNS}", suggest, suggest_q))
    print(line(f"schedulingClashes, 39 occurrences ×{RUNS}", clashes, clashes_q))


if __name__ == "__main__":
    main()
