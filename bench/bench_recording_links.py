"""What a click on a recording costs: the platform's download and play links
(`/recordings/files/<id>/download/`, `/play/`), which ask Zoom for a fresh link each time, and
deleting recordings (Zoom first, then here), against the Zoom sandbox on loopback.

One school, its Zoom the sandbox's account; RECORDINGS sessions, each with a recording the
sandbox made (an MP4 and a transcript) and stored as `recording.completed` would store it.
Measured in one process, through Django's test client (the request path without a server):
- download and play clicks by the class's teacher: each is the policy, one GET of Zoom's
  recordings endpoint (`include_fields=download_access_token`), the audit entry, a 302;
- baseline in the same run: the same click on a file of a deleted recording (the policy's
  404 page: everything but the Zoom call and the audit);
- deleting every recording through `recording_delete` (one DELETE at Zoom, then the rows).

Runs against a scratch database `<DATABASE_URL's db>_recordings`, dropped and made anew.
Usage: python bench/bench_recording_links.py [clicks] [recordings]   (default 200 and 50)
"""

import logging
import os
import platform
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.local"
os.environ["DJANGO_DEBUG"] = "0"  # as in production: DEBUG records every query
os.environ.setdefault("LIVEROLL_SPARE_SCHEMAS", "0")
os.environ["CHANNELS_PREFIX"] = "liveroll-bench-recordings:asgi"
os.environ["DRAMATIQ_NAMESPACE"] = "liveroll-bench-recordings"
base_url = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/liveroll")
parts = urlsplit(base_url)
bench_db = parts.path.lstrip("/") + "_recordings"
os.environ["DATABASE_URL"] = urlunsplit(parts._replace(path="/" + bench_db))

import psycopg  # noqa: E402

with psycopg.connect(urlunsplit(parts._replace(path="/postgres")), autocommit=True) as admin:
    admin.execute(f'DROP DATABASE IF EXISTS "{bench_db}" WITH (FORCE)')
    admin.execute(f'CREATE DATABASE "{bench_db}"')

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402
from django_tenants.utils import schema_context  # noqa: E402

from attendance.recordings.models import Recording, RecordingFile  # noqa: E402
from attendance.recordings.services import recording_delete, recording_store  # noqa: E402
from meetings.models import Meeting  # noqa: E402
from meetings.zoom.provider import recording_from_zoom  # noqa: E402
from tenants import services as tenant_services  # noqa: E402
from tenants.accounts.models import Role  # noqa: E402
from tenants.accounts.services import user_create  # noqa: E402
from tenants.school.services import class_create  # noqa: E402
from tests.support import zoom_settings_set  # noqa: E402
from zoom_sandbox.server import SandboxServer  # noqa: E402

CLICKS = int(sys.argv[1]) if len(sys.argv) > 1 else 200
RECORDINGS = int(sys.argv[2]) if len(sys.argv) > 2 else 50


def arrange(sandbox: SandboxServer) -> tuple[str, object, list[Recording]]:
    call_command("migrate_schemas", shared=True, interactive=False, verbosity=0)
    tenant_services.template_migrate()
    org = tenant_services.organisation_onboard(
        name="Bench", slug="bench", admin_email="a@bench.test", admin_password="x" * 16
    )
    state = sandbox.state
    caller = state.bearer("Bearer " + state.issue_token()["access_token"])
    with schema_context(org.schema_name):
        zoom_settings_set(
            zoom_url=sandbox.url,
            client_id="demo-client-id",
            client_secret="demo-client-secret",
            account_id="demo-account",
            webhook_secret_token="whs",
        )
        teacher = user_create(
            email="t@bench.test", password=None, role=Role.TEACHER, name="Teacher"
        )
        school_class = class_create(name="Physics", teachers=[teacher])
        recordings = []
        for n in range(RECORDINGS):
            made = state.meeting_create(caller, "me", {"topic": f"Class {n}", "type": 2})
            begun = state.play_begin(made["id"])
            end = timezone.now() - timedelta(days=1, minutes=n)
            ended = state.play_end(
                begun["uuid"],
                start_time=end - timedelta(minutes=45),
                end_time=end,
                participants=[],
                record=True,
                transcript=[(1.0, 3.0, "Teacher", "Hello.")],
            )
            meeting = Meeting.objects.create(
                school_class=school_class,
                host=teacher,
                title=f"Class {n}",
                start_time=end - timedelta(minutes=45),
                status=Meeting.Status.ENDED,
                actual_start=end - timedelta(minutes=45),
                actual_end=end,
                zoom_meeting_id=str(made["id"]),
                zoom_uuid=begun["uuid"],
                zoom_account=Meeting.Account.ACCOUNT,
            )
            recording = recording_store(
                meeting=meeting, recording=recording_from_zoom(ended["recording"])
            )
            recordings.append(recording)
    return org.schema_name, teacher, recordings


def clicks(client: Client, path: str, status: int) -> list[float]:
    times = []
    for _ in range(CLICKS):
        t0 = time.perf_counter()
        response = client.get(path)
        times.append((time.perf_counter() - t0) * 1000)
        assert response.status_code == status, (path, response.status_code)
    return times


def line(name: str, times: list[float]) -> str:
    ordered = sorted(times)
    p95 = ordered[int(len(ordered) * 0.95) - 1]
    return f"{name:<44} median {statistics.median(times):6.1f} ms   p95 {p95:6.1f} ms"


def main() -> None:
    logging.getLogger("django.request").setLevel(logging.ERROR)  # the baseline's 404s
    logging.getLogger("meetings.zoom.client").setLevel(logging.WARNING)  # a line per call
    with SandboxServer(log=lambda line: None) as sandbox:
        settings.LIVEROLL_ZOOM_ALLOWED_BASES = [*settings.LIVEROLL_ZOOM_ALLOWED_BASES, sandbox.url]
        started = time.perf_counter()
        schema, teacher, recordings = arrange(sandbox)
        print(f"arranged {RECORDINGS} recorded sessions in {time.perf_counter() - started:.1f} s")
        client = Client(HTTP_HOST=tenant_services.tenant_host("bench"))
        with schema_context(schema):
            client.force_login(teacher)
            first, gone = recordings[0], recordings[-1]
            mp4 = RecordingFile.objects.get(recording=first, file_type="MP4")
            gone_mp4 = RecordingFile.objects.get(recording=gone, file_type="MP4")
            Recording.objects.filter(pk=gone.pk).update(status=Recording.Status.DELETED)
        # Warm the connection pools, then the baseline before and after the clicks.
        for _ in range(10):
            client.get(f"/recordings/files/{mp4.pk}/download/")
        baseline = clicks(client, f"/recordings/files/{gone_mp4.pk}/download/", 404)
        download = clicks(client, f"/recordings/files/{mp4.pk}/download/", 302)
        play = clicks(client, f"/recordings/files/{mp4.pk}/play/", 302)
        baseline += clicks(client, f"/recordings/files/{gone_mp4.pk}/download/", 404)
        with schema_context(schema):
            Recording.objects.filter(pk=gone.pk).update(status=Recording.Status.AVAILABLE)
            deletes = []
            for recording in Recording.objects.select_related("meeting"):
                t0 = time.perf_counter()
                recording_delete(recording=recording, actor=None, reason="bench")
                deletes.append((time.perf_counter() - t0) * 1000)
    print(
        f"machine: {platform.platform()}, {os.cpu_count()} cores,"
        f" Python {platform.python_version()}; load average {os.getloadavg()}"
    )
    print(line(f"baseline: 404 of a deleted recording's file ×{len(baseline)}", baseline))
    print(line(f"download click → 302 (asks the sandbox) ×{len(download)}", download))
    print(line(f"play click → 302 (asks the sandbox) ×{len(play)}", play))
    print(line(f"recording_delete (DELETE at the sandbox) ×{len(deletes)}", deletes))


if __name__ == "__main__":
    main()
