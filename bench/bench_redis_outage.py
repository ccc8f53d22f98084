"""Redis stops for 30 s in the middle of a class's webhooks; nothing may be lost.

The same class (200 students joining, half leaving again, then the end) is played twice
through the real intake and a real worker against a private Redis: once undisturbed, once with
Redis killed after the first third of the events and started again (empty) 30 s later. After
it returns, the inbox sweep re-sends what was stored meanwhile. Reported: events stored during
the outage, time to process everything once Redis is back, and whether every student's
attendance is identical in the two runs.

Usage: python bench/bench_redis_outage.py   (scratch database `<db>_storm`, a private Redis)
"""

import asyncio
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent


def redis_start(port: int, workdir: str) -> subprocess.Popen:
    server = shutil.which("redis-server") or "/usr/bin/redis-server"
    return subprocess.Popen(
        [
            server,
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            workdir,
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def main() -> None:
    sys.path.insert(0, str(BENCH.parent))
    from tests.support import free_port  # before Django is set up: it imports no model

    port = free_port()
    workdir = tempfile.mkdtemp(prefix="liveroll-redis-")
    redis_proc = redis_start(port, workdir)
    time.sleep(0.5)
    os.environ["REDIS_URL"] = f"redis://127.0.0.1:{port}/0"
    sys.path.insert(0, str(BENCH))
    import bench_join_storm as storm  # sets up the scratch database and Django
    from django_tenants.utils import schema_context

    from attendance.inbox.sweep import webhook_inbox_sweep
    from attendance.models import AttendanceRecord, WebhookEvent
    from tenants.accounts.models import Role
    from tenants.accounts.services import user_create
    from tenants.school.models import SchoolClass
    from tenants.school.services import class_enrol

    students = 200
    class_start = 1_795_384_800.0  # a fixed class time, so both runs score the same facts
    teacher_id, class_id, session = storm.tenant_setup()
    with schema_context(storm.SLUG):
        people = [
            user_create(
                email=f"s{n}@storm.test",
                password=None,
                role=Role.STUDENT,
                name=f"Student X {n:04d}",
            )
            for n in range(students)
        ]
        class_enrol(school_class=SchoolClass.objects.get(pk=class_id), students=people)
    stack = storm.Stack(
        port=free_port(),
        host=f"{storm.SLUG}.localhost",
        teacher_session=session,
        teacher_id=teacher_id,
        class_id=class_id,
    )
    env = dict(os.environ)
    python = sys.executable
    stack.processes = [
        storm.start(
            [
                python,
                "-m",
                "daphne",
                "-b",
                "127.0.0.1",
                "-p",
                str(stack.port),
                "config.asgi:application",
            ],
            "daphne",
            env,
        ),
        storm.start(
            [python, "manage.py", "rundramatiq", "--processes", "1", "--threads", "8"],
            "worker",
            env,
        ),
    ]

    def bodies(zoom_id: str, uuid: str) -> list[dict]:
        joins = [
            storm.join_body(zoom_id, uuid, f"Student X {n:04d}", n, class_start)
            for n in range(students)
        ]
        for n, body in enumerate(joins):  # spread joins over the first 10 minutes
            at = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(class_start + n * 3))
            body["payload"]["object"]["participant"]["join_time"] = at
        leaves = []
        for n in range(0, students, 2):
            body = storm.join_body(zoom_id, uuid, f"Student X {n:04d}", n, class_start)
            body["event"] = "meeting.participant_left"
            participant = body["payload"]["object"]["participant"]
            participant.pop("join_time")
            participant["leave_time"] = time.strftime(
                "%Y-%m-%dT%H:%M:%SZ", time.gmtime(class_start + 600 + n * 6)
            )
            body["event_ts"] += 10_000
            leaves.append(body)
        obj = dict(joins[0]["payload"]["object"])
        obj.pop("participant")
        started = {
            "event": "meeting.started",
            "event_ts": int(class_start * 1000),
            "payload": {"account_id": "a", "object": obj},
        }
        ended_obj = dict(
            obj, end_time=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(class_start + 3600))
        )
        ended = {
            "event": "meeting.ended",
            "event_ts": int((class_start + 3600) * 1000),
            "payload": {"account_id": "a", "object": ended_obj},
        }
        return [started, *joins, *leaves, ended]

    async def send(plan: list[bytes]) -> None:
        items = [storm.Sent("event", "", raw) for raw in plan]
        await storm.drive(stack.port, items, spread=len(items) / 100)  # ~100 a second
        bad = [i.status for i in items if i.status != 200]
        assert not bad, f"non-200 answers: {bad[:5]}"

    def requests_for(label: str) -> tuple[str, list[bytes]]:
        zoom_id = f"77{label}"
        meeting_id = storm.meeting_create(stack, label, zoom_id)
        from datetime import UTC, datetime

        from meetings.models import Meeting

        with schema_context(storm.SLUG):
            Meeting.objects.filter(pk=meeting_id).update(
                start_time=datetime.fromtimestamp(class_start, UTC)
            )
        return meeting_id, [
            storm.webhook_request(stack.host, b) for b in bodies(zoom_id, f"uuid-{label}==")
        ]

    def wait_processed(meeting_zoom: str, timeout: float) -> float:
        began = time.monotonic()
        while time.monotonic() - began < timeout:
            with schema_context(storm.SLUG):
                left = (
                    WebhookEvent.objects.filter(zoom_meeting_id=meeting_zoom)
                    .exclude(status__in=["processed", "ignored"])
                    .count()
                )
            if left == 0:
                return time.monotonic() - began
            time.sleep(0.5)
        raise RuntimeError(f"events of {meeting_zoom} still unprocessed after {timeout} s")

    def records(meeting_id: int) -> tuple[dict, dict]:
        """The provisional records as processing left them, then the final ones (what the
        grace-period job computes from every stored fact)."""
        from attendance.services import attendance_finalize

        def now() -> dict:
            return {
                r.student.name: (r.status, r.attended_seconds)
                for r in AttendanceRecord.objects.filter(meeting_id=meeting_id).select_related(
                    "student"
                )
            }

        with schema_context(storm.SLUG):
            provisional = now()
            attendance_finalize(meeting_id=meeting_id)
            return provisional, now()

    async def run() -> dict:
        await storm.wait_ready(stack.port)
        # 1. undisturbed
        calm_id, calm_plan = await asyncio.to_thread(requests_for, "1")
        await send(calm_plan)
        await asyncio.to_thread(wait_processed, "771", 300)
        calm = await asyncio.to_thread(records, calm_id)
        # 2. Redis killed after a third of the events, back (empty) 30 s later
        rough_id, rough_plan = await asyncio.to_thread(requests_for, "2")
        third = len(rough_plan) // 3
        await send(rough_plan[:third])
        redis_proc.kill()
        redis_proc.wait()
        outage_began = time.monotonic()
        await send(rough_plan[third:])

        def counts():
            with schema_context(storm.SLUG):
                events = WebhookEvent.objects.filter(zoom_meeting_id="772")
                return events.count(), events.filter(status="pending").count()

        stored, pending = await asyncio.to_thread(counts)
        await asyncio.sleep(max(0.0, 30 - (time.monotonic() - outage_began)))
        back = redis_start(port, workdir)
        stack.processes.append(back)
        time.sleep(0.5)
        came_back = time.monotonic()

        def sweep():
            with schema_context(storm.SLUG):
                return webhook_inbox_sweep(older_than_seconds=0)

        resent = await asyncio.to_thread(sweep)
        recovered = await asyncio.to_thread(wait_processed, "772", 600)
        rough = await asyncio.to_thread(records, rough_id)
        return {
            "events": len(rough_plan),
            "stored_during_outage": stored - third,
            "pending_when_back": pending,
            "resent_by_sweep": resent,
            "processed_after_return_s": time.monotonic() - came_back,
            "recovered_s": recovered,
            "calm": calm,
            "rough": rough,
        }

    try:
        result = asyncio.run(run())
    finally:
        for process in stack.processes:
            storm.stop(process) if process.args[0] != redis_proc.args[0] else process.kill()
        redis_proc.kill()
        shutil.rmtree(workdir, ignore_errors=True)
    (calm_provisional, calm), (rough_provisional, rough) = result["calm"], result["rough"]

    def differ(a: dict, b: dict) -> list[str]:
        return sorted(k for k in set(a) | set(b) if a.get(k) != b.get(k))

    differing = differ(calm, rough)
    print(
        f"\nmachine: {platform.platform()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}"
    )
    print("\n| figure | value |\n|---|---|")
    print(f"| events sent per run | {result['events']} |")
    print(f"| stored while Redis was down | {result['stored_during_outage']} |")
    print(f"| pending when Redis came back | {result['pending_when_back']} |")
    print(f"| re-sent by the inbox sweep | {result['resent_by_sweep']} |")
    print(f"| all processed, s after Redis came back | {result['processed_after_return_s']:.1f} |")
    print(f"| attendance records, undisturbed / with outage | {len(calm)} / {len(rough)} |")
    print(f"| students whose final record differs | {len(differing)} |")
    print(
        "| students whose provisional record differs, from the other run / from the final one |"
        f" {len(differ(calm_provisional, rough_provisional))} /"
        f" {len(differ(calm_provisional, calm)) + len(differ(rough_provisional, rough))} |"
    )
    if differing:
        print("differing:", [(k, calm.get(k), rough.get(k)) for k in differing[:10]])


if __name__ == "__main__":
    main()
