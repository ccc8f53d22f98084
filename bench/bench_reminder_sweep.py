"""The reminder sweep over a school with 5,000 sessions in the next day.

The school: 250 classes of 30 students (7,500 students), each class with 20 sessions on the
hour over the next day, so 5,000 sessions, 250 starting at each hour (schools start on the
hour: the burst is the case that matters). The default policy: one reminder 30 minutes before.

Measured, each `RUNS` times (a new hour each run; medians), in one process:
- baseline: a sweep when nothing is due (the due-query over the 5,000 sessions, nothing else);
- the burst: the sweep at hh:30 before an hour's 250 sessions: 7,500 reminders claimed in the
  ledger, rendered and queued in the outbox (each mail handed to the broker after commit) and
  published on each student's realtime stream; time and mails queued per second;
- the sweep again a minute later (what every minute of the lateness window costs): with the
  ledger, and, beside it, what it would cost with mail_queue's key alone (a call per person
  that finds the key) — the choice the sweep's design rests on;
- a forced retry: a sweep that fails half-way through (the database error raised in its 5th
  batch), then the actor's retry: reminders sent, duplicates in the outbox and in the ledger
  (both must be 0), and people missed (must be 0).

Runs against a scratch database `<DATABASE_URL's db>_remind`, dropped and made anew; the
broker's messages go to a namespace of their own, flushed at the end (no worker runs: the
mails are queued, not sent).
Usage: python bench/bench_reminder_sweep.py [runs]   (default 3; or `make bench`)
"""

import os
import platform
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path
from unittest import mock
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.local"
os.environ["DJANGO_DEBUG"] = "0"  # as in production: DEBUG records every query
os.environ.setdefault("LIVEROLL_SPARE_SCHEMAS", "0")
os.environ["CHANNELS_PREFIX"] = "liveroll-bench-remind:asgi"
os.environ["DRAMATIQ_NAMESPACE"] = "liveroll-bench-remind"
base_url = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/liveroll")
parts = urlsplit(base_url)
bench_db = parts.path.lstrip("/") + "_remind"
os.environ["DATABASE_URL"] = urlunsplit(parts._replace(path="/" + bench_db))

import psycopg  # noqa: E402

with psycopg.connect(urlunsplit(parts._replace(path="/postgres")), autocommit=True) as admin:
    admin.execute(f'DROP DATABASE IF EXISTS "{bench_db}" WITH (FORCE)')
    admin.execute(f'CREATE DATABASE "{bench_db}"')

import django  # noqa: E402

django.setup()

import dramatiq  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.utils import timezone  # noqa: E402
from django_tenants.utils import schema_context  # noqa: E402

from meetings.models import Meeting  # noqa: E402
from meetings.reminders import services  # noqa: E402
from meetings.reminders.models import ReminderDelivery  # noqa: E402
from tenants import services as tenant_services  # noqa: E402
from tenants.accounts.models import Role, User  # noqa: E402
from tenants.mail.models import OutboundMail  # noqa: E402
from tenants.mail.services import mail_queue  # noqa: E402
from tenants.school.models import Enrolment, SchoolClass  # noqa: E402

RUNS = int(sys.argv[1]) if len(sys.argv) > 1 else 3
CLASSES = 250
STUDENTS_EACH = 30
HOURS = 20  # sessions per class, one an hour: CLASSES * HOURS = 5,000
OFFSET = 30  # the default policy


def arrange():
    call_command("migrate_schemas", shared=True, interactive=False, verbosity=0)
    tenant_services.template_migrate()
    org = tenant_services.organisation_onboard(
        name="Bench", slug="bench", admin_email="a@bench.test", admin_password="x" * 16
    )
    # The next full hour, plus one: every hour from there has CLASSES sessions.
    first = timezone.now().replace(minute=0, second=0, microsecond=0) + timedelta(hours=2)
    with schema_context(org.schema_name):
        teachers = User.objects.bulk_create(
            User(email=f"t{c}@bench.test", name=f"Teacher {c}", role=Role.TEACHER)
            for c in range(CLASSES)
        )
        students = User.objects.bulk_create(
            User(email=f"s{i}@bench.test", name=f"Student {i}", role=Role.STUDENT)
            for i in range(CLASSES * STUDENTS_EACH)
        )
        classes = SchoolClass.objects.bulk_create(
            SchoolClass(name=f"Class {c}") for c in range(CLASSES)
        )
        SchoolClass.teachers.through.objects.bulk_create(
            SchoolClass.teachers.through(schoolclass=k, user=t)
            for k, t in zip(classes, teachers, strict=True)
        )
        Enrolment.objects.bulk_create(
            Enrolment(school_class=classes[i // STUDENTS_EACH], student=s)
            for i, s in enumerate(students)
        )
        Meeting.objects.bulk_create(
            Meeting(
                school_class=k,
                host=t,
                title=f"Class {c} hour {h}",
                start_time=first + timedelta(hours=h),
            )
            for h in range(HOURS)
            for c, (k, t) in enumerate(zip(classes, teachers, strict=True))
        )
        sessions = Meeting.objects.filter(start_time__lt=first + timedelta(days=1)).count()
    return org, first, sessions


def timed(fn):
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def duplicates() -> tuple[int, int]:
    """Outbox keys and ledger rows present more than once per (session, person, start)."""
    ledger = (
        ReminderDelivery.objects.values("meeting", "user", "offset_minutes", "start_time")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
        .count()
    )
    keys = (
        OutboundMail.objects.filter(key__startswith="reminder:")
        .values("key")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
        .count()
    )
    return keys, ledger


def key_only_repeat(hour_start) -> float:
    """What a repeated sweep costs with mail_queue's key alone: one call per person reminded,
    each finding its key (the reminders of this hour are already in the outbox)."""
    rows = list(
        ReminderDelivery.objects.filter(start_time=hour_start)
        .select_related("meeting", "user")
        .order_by("meeting_id", "user_id")
    )

    def run():
        queued = 0
        for row in rows:
            queued += mail_queue(
                key=services.reminder_key(
                    meeting_id=row.meeting_id,
                    user_id=row.user_id,
                    offset_minutes=row.offset_minutes,
                    start_time=row.start_time,
                ),
                to=row.user.email,
                template=services.REMINDER_TEMPLATE,
                context={},
                user=row.user,
            )
        return queued

    seconds, queued = timed(run)
    assert queued == 0, "the key-only repeat queued mails"
    return seconds


def forced_retry(hour_start) -> dict:
    """The sweep fails in its 5th batch (after 4 committed); the retry sends the rest."""
    real = services.mail_queue
    calls = {"n": 0}
    fail_at = 4 * services.SWEEP_BATCH + services.SWEEP_BATCH // 2

    def failing(**kwargs):
        calls["n"] += 1
        if calls["n"] == fail_at:
            raise psycopg.OperationalError("forced failure half-way through a batch")
        return real(**kwargs)

    now = hour_start - timedelta(minutes=OFFSET)
    with mock.patch.object(services, "mail_queue", failing):
        try:
            services.reminders_sweep(now=now)
        except psycopg.OperationalError:
            pass
        else:
            raise AssertionError("the forced failure did not happen")
    after_failure = ReminderDelivery.objects.filter(start_time=hour_start).count()
    retry_seconds, retry = timed(lambda: services.reminders_sweep(now=now + timedelta(minutes=1)))
    expected = CLASSES * STUDENTS_EACH
    reminded = ReminderDelivery.objects.filter(start_time=hour_start).count()
    mails = OutboundMail.objects.filter(
        key__startswith="reminder:", key__endswith=hour_start.isoformat()
    ).count()
    keys, ledger = duplicates()
    return {
        "committed before the failure": after_failure,
        "sent by the retry": retry.reminders,
        "retry seconds": retry_seconds,
        "reminded / mails / expected": (reminded, mails, expected),
        "duplicate outbox keys / ledger rows": (keys, ledger),
        "missed": expected - reminded,
    }


def main():
    org, first, sessions = arrange()
    load_start = os.getloadavg()
    empty, burst, burst_rate, repeat, key_only = [], [], [], [], []
    with schema_context(org.schema_name):
        for run in range(RUNS):
            hour = first + timedelta(hours=run)
            due = hour - timedelta(minutes=OFFSET)
            # baseline: ten minutes before the reminders are due, nothing is
            seconds, report = timed(
                lambda due=due: services.reminders_sweep(now=due - timedelta(minutes=10))
            )
            assert report.reminders == 0
            empty.append(seconds)
            # the burst
            seconds, report = timed(lambda due=due: services.reminders_sweep(now=due))
            assert report.reminders == report.mails == CLASSES * STUDENTS_EACH, report
            assert report.meetings == CLASSES
            burst.append(seconds)
            burst_rate.append(report.mails / seconds)
            # a minute later: nothing new, with the ledger; and with the key alone
            seconds, report = timed(
                lambda due=due: services.reminders_sweep(now=due + timedelta(minutes=1))
            )
            assert report.reminders == 0
            repeat.append(seconds)
            key_only.append(key_only_repeat(hour))
            print(
                f"run {run + 1}: empty {empty[-1] * 1000:.0f} ms, burst {burst[-1]:.2f} s "
                f"({burst_rate[-1]:.0f} mails/s), repeat {repeat[-1] * 1000:.0f} ms, "
                f"key-only repeat {key_only[-1] * 1000:.0f} ms",
                flush=True,
            )
        retry = forced_retry(first + timedelta(hours=RUNS))
        with connection.cursor() as cursor:
            cursor.execute("SELECT version()")
            pg_version = cursor.fetchone()[0].split(" on ")[0]
    dramatiq.get_broker().flush_all()
    load_end = os.getloadavg()

    def ms(values):
        low, high = min(values) * 1000, max(values) * 1000
        return f"{statistics.median(values) * 1000:.0f} ms (min {low:.0f}, max {high:.0f})"

    print(
        f"\nschool: {sessions} sessions in the next day, {CLASSES} classes x {STUDENTS_EACH} "
        f"students; reminders {OFFSET} min before"
    )
    print(f"medians of {RUNS} runs:")
    print(f"  baseline: sweep with nothing due           {ms(empty)}")
    print(
        f"  burst: sweep of {CLASSES} sessions / {CLASSES * STUDENTS_EACH} reminders  {ms(burst)}"
    )
    rate, low, high = statistics.median(burst_rate), min(burst_rate), max(burst_rate)
    print(
        f"  mails queued per second (burst)            {rate:.0f} (min {low:.0f}, max {high:.0f})"
    )
    print(f"  repeat sweep a minute later, ledger        {ms(repeat)}")
    print(f"  repeat with mail_queue's key alone         {ms(key_only)}")
    print("forced retry (failure in the 5th batch of 1,000, then the retry):")
    for name, value in retry.items():
        print(f"  {name}: {value:.2f}" if isinstance(value, float) else f"  {name}: {value}")
    print(
        f"\nmachine: {platform.platform()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}, {pg_version}; load average "
        f"{load_start[0]:.1f} at the start, {load_end[0]:.1f} at the end"
    )
    ok = retry["missed"] == 0 and retry["duplicate outbox keys / ledger rows"] == (0, 0)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
