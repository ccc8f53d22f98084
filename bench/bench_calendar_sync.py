"""A teacher with 200 sessions connects a calendar: the first sync, against the sandbox's
calendar stand-in over real HTTP, through the real provider classes and the shared limiter.

The school: one class with a teacher and a student, 200 sessions a day apart from tomorrow.
Each run, for Google Calendar and then Microsoft Outlook: the teacher connects (the OAuth round
trip at the stand-in: authorize, Allow, the code exchanged, the account read; a new stand-in
calendar each run), then, in this process, as the worker would:
- the first whole sync: wall time, and HTTP requests to the provider's API counted at the
  client's session (retries and refreshes included), against the limiter's floor (requests ÷
  the provider's rate: 10/s for Google, 16/s for Microsoft, LIVEROLL_CALENDAR_RATE_LIMITS;
  each connection's bucket starts full, one second's worth);
- baseline, same run: a second whole sync with nothing changed (the fingerprints: no request);
- one session moved (the narrow sync its change queues): one request.
Medians of `RUNS` runs.

Runs against a scratch database `<DATABASE_URL's db>_calsync`, dropped and made anew; the
broker's messages go to a namespace of their own, flushed at the end (no worker runs).
Usage: python bench/bench_calendar_sync.py [runs]   (default 3; or `make bench`)
"""

import functools
import logging
import os
import platform
import socket
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


SANDBOX_PORT = _free_port()
SANDBOX = f"http://127.0.0.1:{SANDBOX_PORT}"
os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.local"
os.environ["DJANGO_DEBUG"] = "0"  # as in production: DEBUG records every query
os.environ.setdefault("LIVEROLL_SPARE_SCHEMAS", "0")
os.environ["CHANNELS_PREFIX"] = "liveroll-bench-calsync:asgi"
os.environ["DRAMATIQ_NAMESPACE"] = "liveroll-bench-calsync"
os.environ["LIVEROLL_CALENDAR_ALLOWED_STAND_INS"] = SANDBOX
os.environ["LIVEROLL_OUTBOUND_ALLOWED_NETWORKS"] = "127.0.0.0/8"
base_url = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/liveroll")
parts = urlsplit(base_url)
bench_db = parts.path.lstrip("/") + "_calsync"
os.environ["DATABASE_URL"] = urlunsplit(parts._replace(path="/" + bench_db))

import psycopg  # noqa: E402

with psycopg.connect(urlunsplit(parts._replace(path="/postgres")), autocommit=True) as admin:
    admin.execute(f'DROP DATABASE IF EXISTS "{bench_db}" WITH (FORCE)')
    admin.execute(f'CREATE DATABASE "{bench_db}"')

import django  # noqa: E402

django.setup()

import dramatiq  # noqa: E402
import requests  # noqa: E402
from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402
from django_tenants.utils import schema_context  # noqa: E402

from meetings.calendar_sync import services  # noqa: E402
from meetings.calendar_sync.models import CalendarApp, CalendarConnection  # noqa: E402
from meetings.models import Meeting  # noqa: E402
from tenants import services as tenant_services  # noqa: E402
from tenants.accounts.models import Role, User  # noqa: E402
from tenants.school.models import Enrolment, SchoolClass  # noqa: E402
from zoom_sandbox.calendars import DEMO_APPS  # noqa: E402
from zoom_sandbox.server import SandboxServer  # noqa: E402

RUNS = int(sys.argv[1]) if len(sys.argv) > 1 else 3
SESSIONS = 200
PROVIDERS = ("google", "microsoft")
# A third pass per run: Google with the limiter opened wide, what the sync itself costs.
UNLIMITED = "google, no limiter"
PASSES = (*PROVIDERS, UNLIMITED)


class Counter:
    """HTTP requests to the stand-in's calendar APIs, counted where the client sends them."""

    def __init__(self) -> None:
        self.n = 0
        real = requests.Session.send

        def send(session, request, **kwargs):
            path = urlsplit(request.url).path
            if path.startswith(("/google/calendar/", "/microsoft/v1.0/")):
                self.n += 1
            return real(session, request, **kwargs)

        requests.Session.send = send  # type: ignore[method-assign]


def arrange():
    call_command("migrate_schemas", shared=True, interactive=False, verbosity=0)
    tenant_services.template_migrate()
    org = tenant_services.organisation_onboard(
        name="Bench",
        slug="bench",
        admin_email="a@bench.test",
        admin_password="x" * 16,
        admin_email_confirmed=True,
    )
    start = (timezone.now() + timedelta(days=1)).replace(minute=0, second=0, microsecond=0)
    with schema_context(org.schema_name):
        teacher = User.objects.create(email="t@bench.test", name="Teacher", role=Role.TEACHER)
        student = User.objects.create(email="s@bench.test", name="Student", role=Role.STUDENT)
        school_class = SchoolClass.objects.create(name="Maths")
        school_class.teachers.add(teacher)
        Enrolment.objects.create(school_class=school_class, student=student)
        Meeting.objects.bulk_create(
            Meeting(
                school_class=school_class,
                host=teacher,
                title=f"Maths {i + 1}",
                start_time=start + timedelta(days=i),
                duration_minutes=50,
                timezone="Asia/Dhaka",
            )
            for i in range(SESSIONS)
        )
        for provider, (client_id, secret) in DEMO_APPS.items():
            CalendarApp.objects.create(
                provider=provider, client_id=client_id, client_secret=secret, stand_in=SANDBOX
            )
    return org, teacher


def connect(org, teacher, provider: str, email: str) -> int:
    """The OAuth round trip at the stand-in, as the person's browser makes it."""
    CalendarConnection.objects.filter(user=teacher, provider=provider).delete()
    session: dict = {}
    url = services.calendar_connect_start(
        user=teacher, provider=provider, session=session, tenant=org
    )
    query = {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
    answer = requests.post(
        urlsplit(url)._replace(query="").geturl(),
        data={**query, "login_hint": email, "decision": "allow"},
        allow_redirects=False,
        timeout=10,
    )
    back = {k: v[0] for k, v in parse_qs(urlsplit(answer.headers["Location"]).query).items()}
    made = services.calendar_connect_finish(
        user=teacher,
        provider=provider,
        session=session,
        tenant=org,
        code=back["code"],
        state=back["state"],
    )
    return made.pk


def timed(fn):
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def main():
    # One line per request at INFO: thousands here.
    logging.getLogger("meetings.calendar_sync.client").setLevel(logging.WARNING)
    sandbox = SandboxServer(port=SANDBOX_PORT, log=lambda line: None).start()
    counter = Counter()
    org, teacher = arrange()
    rates = settings.LIVEROLL_CALENDAR_RATE_LIMITS
    from meetings.calendar_sync import factory

    figures = {
        p: {
            "first": [],
            "requests": [],
            "floor": [],
            "again": [],
            "again_requests": [],
            "moved": [],
            "moved_requests": [],
        }
        for p in PASSES
    }
    load_start = os.getloadavg()
    moves = 0
    with schema_context(org.schema_name):
        first_session = Meeting.objects.order_by("start_time").first()
        for run in range(RUNS):
            for name in PASSES:
                provider = "google" if name == UNLIMITED else name
                settings.LIVEROLL_CALENDAR_RATE_LIMITS = (
                    {**rates, "google": 100_000.0} if name == UNLIMITED else rates
                )
                factory._limiter.cache_clear()
                f = figures[name]
                email = f"t{run}@{name.split(',')[0]}{'-open' if name == UNLIMITED else ''}.bench"
                connection_id = connect(org, teacher, provider, email)
                before = counter.n
                whole = functools.partial(services.calendar_sync, connection_id=connection_id)
                seconds, report = timed(whole)
                assert report.written == SESSIONS and report.failed == 0, report
                f["first"].append(seconds)
                f["requests"].append(counter.n - before)
                rate = settings.LIVEROLL_CALENDAR_RATE_LIMITS[provider]
                f["floor"].append((counter.n - before) / rate)
                before = counter.n
                seconds, report = timed(whole)
                assert report.unchanged == SESSIONS, report
                f["again"].append(seconds)
                f["again_requests"].append(counter.n - before)
                moves += 1
                Meeting.objects.filter(pk=first_session.pk).update(
                    start_time=first_session.start_time + timedelta(minutes=5 * moves)
                )
                before = counter.n
                seconds, report = timed(functools.partial(whole, meeting_ids=[first_session.pk]))
                assert report.written == 1, report
                f["moved"].append(seconds)
                f["moved_requests"].append(counter.n - before)
                print(
                    f"run {run + 1} {name}: first sync {f['first'][-1]:.2f} s, "
                    f"{f['requests'][-1]} requests (floor {f['floor'][-1]:.1f} s); unchanged "
                    f"{f['again'][-1] * 1000:.0f} ms, {f['again_requests'][-1]} requests; one "
                    f"moved {f['moved'][-1] * 1000:.0f} ms, {f['moved_requests'][-1]} request(s)",
                    flush=True,
                )
        held = {
            c["provider"]: len([e for e in c["events"] if not e["cancelled"]])
            for c in sandbox.state.cal_snapshot()
            if c["email"].startswith(f"t{RUNS - 1}@") and "-open" not in c["email"]
        }
        with connection.cursor() as cursor:
            cursor.execute("SELECT version()")
            pg_version = cursor.fetchone()[0].split(" on ")[0]
    dramatiq.get_broker().flush_all()
    sandbox.stop()
    load_end = os.getloadavg()

    def med(values, scale=1.0, unit="s", digits=2):
        m, lo, hi = (statistics.median(values) * scale, min(values) * scale, max(values) * scale)
        return f"{m:.{digits}f} {unit} (min {lo:.{digits}f}, max {hi:.{digits}f})"

    print(f"\na teacher with {SESSIONS} sessions connects; medians of {RUNS} runs:")
    for name in PASSES:
        f = figures[name]
        limit = "opened wide" if name == UNLIMITED else f"{rates[name]:g} requests/s"
        print(f"  {name} (limiter {limit}):")
        print(f"    first sync                  {med(f['first'])}")
        print(f"    provider requests           {statistics.median(f['requests']):.0f}")
        print(f"    limiter floor (req ÷ rate)  {med(f['floor'])}")
        print(
            f"    baseline: unchanged sync    {med(f['again'], 1000, 'ms', 0)}, "
            f"{statistics.median(f['again_requests']):.0f} requests"
        )
        print(
            f"    one session moved           {med(f['moved'], 1000, 'ms', 0)}, "
            f"{statistics.median(f['moved_requests']):.0f} request(s)"
        )
    print(f"  events held at the stand-in after the last run: {held}")
    print(
        f"\nmachine: {platform.platform()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}, {pg_version}; load average "
        f"{load_start[0]:.1f} at the start, {load_end[0]:.1f} at the end"
    )
    ok = all(n == SESSIONS for n in held.values()) and len(held) == len(PROVIDERS)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
