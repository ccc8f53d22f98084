"""`run_zoom_sandbox` serves the local Zoom stand-in in the foreground until SIGINT or SIGTERM;
`run_zoom_sandbox play --meeting ID ...` plays a class of one of its meetings, sending signed
webhooks to a tenant; `run_zoom_sandbox change|delete --meeting ID ...` changes or deletes one
of its meetings as its host would in Zoom's own app (the running sandbox then sends
`meeting.updated` / `meeting.deleted` to the account's webhook target)."""

import json
import logging
import os
import signal
import threading
from datetime import UTC, datetime
from pathlib import Path

import requests
from django.core.management.base import BaseCommand, CommandError

from zoom_sandbox.mailcatcher import DEFAULT_SMTP_PORT
from zoom_sandbox.player import ClassPlayer, Delivery, PlayerError, ScriptedEvent
from zoom_sandbox.room import WebhookTarget
from zoom_sandbox.server import SandboxServer
from zoom_sandbox.users import DEMO_ACCOUNT_ID
from zoom_sandbox.vtt import vtt_check


def _default_port() -> int:
    return int(os.environ.get("ZOOM_SANDBOX_PORT") or 8765)


def _default_smtp_port() -> int:
    return int(os.environ.get("ZOOM_SANDBOX_SMTP_PORT") or DEFAULT_SMTP_PORT)


class Command(BaseCommand):
    help = (
        "Run the local Zoom sandbox (OAuth + REST API stand-in) in the foreground, or "
        "`play` a class of one of its meetings by sending signed webhooks to a tenant."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--host",
            dest="bind_host",
            default="127.0.0.1",
            help="address to bind (default 127.0.0.1)",
        )
        parser.add_argument(
            "--port",
            type=int,
            default=_default_port(),
            help="port (default $ZOOM_SANDBOX_PORT or 8765; 0 picks a free one)",
        )
        parser.add_argument(
            "--smtp-port",
            type=int,
            default=_default_smtp_port(),
            help="the mail catcher's SMTP port (default $ZOOM_SANDBOX_SMTP_PORT or 1025; "
            "0 picks a free one, -1 runs no catcher); its mail is under /mail/",
        )
        parser.add_argument(
            "--room-webhook",
            default=os.environ.get("ZOOM_SANDBOX_ROOM_WEBHOOK", ""),
            help="where the room pages send the demo account's webhooks, e.g. "
            "http://127.0.0.1:8000/webhooks/zoom/ (default $ZOOM_SANDBOX_ROOM_WEBHOOK; none: "
            "the room sends nothing)",
        )
        parser.add_argument(
            "--room-host",
            default=os.environ.get("ZOOM_SANDBOX_ROOM_HOST", ""),
            help="the Host header of those webhooks (the school's host, e.g. demo.localhost)",
        )
        parser.add_argument(
            "--public-url",
            default="",
            help="base URL put in join/start/download links (default http://HOST:PORT)",
        )
        actions = parser.add_subparsers(dest="action", metavar="{play,change,delete}")
        play = actions.add_parser(
            "play",
            help="play a class of a sandbox meeting",
            description="Play a class: signed webhooks for joins, leaves and the end.",
        )
        domain = os.environ.get("LIVEROLL_BASE_DOMAIN", "localhost")
        web_port = os.environ.get("PORT", "8000")
        play.add_argument("--meeting", required=True, help="the sandbox meeting id")
        play.add_argument("--occurrence", default="", help="occurrence id (recurring meetings)")
        play.add_argument(
            "--sandbox",
            default=os.environ.get("ZOOM_SANDBOX_URL", f"http://127.0.0.1:{_default_port()}"),
            help="base URL of the running sandbox (default $ZOOM_SANDBOX_URL)",
        )
        play.add_argument(
            "--webhook",
            default=f"http://127.0.0.1:{web_port}/webhooks/zoom/",
            help="webhook endpoint URL (connect to 127.0.0.1 and pass --host)",
        )
        play.add_argument(
            "--host",
            dest="tenant_host",
            default=f"demo.{domain}",
            help="Host header of the tenant (default demo.localhost)",
        )
        play.add_argument(
            "--secret",
            default=os.environ.get("DEMO_ZOOM_WEBHOOK_SECRET", "demo-webhook-secret"),
            help="the tenant's webhook secret token",
        )
        play.add_argument("--participants", type=int, default=None, help="how many students attend")
        play.add_argument("--duration", type=float, default=None, help="class minutes")
        play.add_argument(
            "--speed",
            type=float,
            default=60.0,
            help="class seconds per wall second (0: no pacing; default 60)",
        )
        play.add_argument(
            "--messy", action="store_true", help="duplicates, reordering, late leaves, ..."
        )
        play.add_argument("--no-guest", action="store_true", help="no guest joins")
        play.add_argument(
            "--record",
            dest="record",
            action="store_true",
            default=True,
            help="record the class, then send recording.completed and "
            "recording.transcript_completed (the default)",
        )
        play.add_argument(
            "--no-record", dest="record", action="store_false", help="no recording, no transcript"
        )
        play.add_argument(
            "--transcript",
            metavar="FILE.vtt",
            default=None,
            help="the recording's transcript: this WebVTT file instead of the built-in lines",
        )
        play.add_argument("--seed", type=int, default=None, help="random seed (repeatable)")
        play.add_argument(
            "--validate",
            action="store_true",
            help="first send endpoint.url_validation and check the answer",
        )
        play.add_argument("--json", action="store_true", help="print the summary as JSON")

        sandbox_url = os.environ.get("ZOOM_SANDBOX_URL", f"http://127.0.0.1:{_default_port()}")
        change = actions.add_parser(
            "change",
            help="change a meeting as its host would in Zoom's app (sends meeting.updated)",
            description="Change a sandbox meeting, or one occurrence, as in Zoom's own app; "
            "the sandbox sends meeting.updated to the account's webhook target.",
        )
        delete = actions.add_parser(
            "delete",
            help="delete a meeting as its host would in Zoom's app (sends meeting.deleted)",
            description="Delete a sandbox meeting, or one occurrence, as in Zoom's own app; "
            "the sandbox sends meeting.deleted to the account's webhook target.",
        )
        for sub in (change, delete):
            sub.add_argument("--meeting", required=True, help="the sandbox (Zoom) meeting id")
            sub.add_argument("--occurrence", default="", help="one occurrence id (recurring)")
            sub.add_argument(
                "--sandbox",
                default=sandbox_url,
                help="base URL of the running sandbox (default $ZOOM_SANDBOX_URL)",
            )
        change.add_argument("--start", default="", help="new start, ISO 8601 (with its offset)")
        change.add_argument("--duration", type=int, default=None, help="new length in minutes")
        change.add_argument("--topic", default="", help="new topic (the whole meeting only)")

    def handle(self, *args, **options):
        if options.get("action") == "play":
            return self.play(options)
        if options.get("action") in ("change", "delete"):
            return self.change(options)
        return self.serve(options)

    # --- change / delete "in Zoom's app" -------------------------------------------------------

    def change(self, options) -> None:
        action = options["action"]
        body: dict = {"occurrence_id": options["occurrence"]}
        if action == "change":
            if not (options["start"] or options["duration"] is not None or options["topic"]):
                raise CommandError("say what changes: --start, --duration or --topic")
            if options["start"]:
                try:
                    start = datetime.fromisoformat(options["start"].replace("Z", "+00:00"))
                except ValueError as exc:
                    raise CommandError(f"--start is not an ISO 8601 time: {exc}") from exc
                if start.tzinfo is None:
                    raise CommandError("--start needs its offset (e.g. 2026-12-01T09:00:00Z)")
                body["start_time"] = start.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
            if options["duration"] is not None:
                body["duration"] = options["duration"]
            if options["topic"]:
                body["topic"] = options["topic"]
        url = f"{options['sandbox'].rstrip('/')}/_sandbox/meetings/{options['meeting']}/{action}"
        try:
            response = requests.post(url, json=body, timeout=15)
        except requests.RequestException as exc:
            raise CommandError(f"cannot reach the sandbox at {options['sandbox']}: {exc}") from exc
        if response.status_code != 200:
            raise CommandError(f"the sandbox refused: {response.status_code} {response.text[:300]}")
        answer = response.json()
        status = answer.get("webhook_status")
        event = "meeting.updated" if action == "change" else "meeting.deleted"
        where = "no webhook target is set" if status is None else f"the school answered {status}"
        self.stdout.write(f"meeting {options['meeting']} {answer.get('status')}; {event}: {where}")
        if status is not None and not 200 <= status < 300:
            raise CommandError(f"{event} was not accepted ({status})")

    # --- serve ---------------------------------------------------------------------------------

    def serve(self, options) -> None:
        def log(line: str) -> None:
            stamp = datetime.now(UTC).strftime("%H:%M:%S")
            self.stdout.write(f"sandbox {stamp} {line}")
            self.stdout.flush()

        # aiosmtpd logs every SMTP connection at INFO: the sandbox's own line per request is enough.
        logging.getLogger("mail.log").setLevel(logging.WARNING)
        smtp_port = options["smtp_port"]
        server = SandboxServer(
            options["bind_host"],
            options["port"],
            public_url=options["public_url"],
            log=log,
            smtp_port=smtp_port if smtp_port >= 0 else None,
        )
        try:
            server.bind()
        except OSError as exc:
            where = f"{options['bind_host']}:{options['port']}"
            raise CommandError(f"cannot listen on {where}: {exc}") from exc
        if options["room_webhook"]:
            secret = os.environ.get("DEMO_ZOOM_WEBHOOK_SECRET", "demo-webhook-secret")
            target = WebhookTarget(options["room_webhook"], secret, options["room_host"])
            server.state.rooms.target_set(DEMO_ACCOUNT_ID, target)
        stop = threading.Event()

        def on_signal(signum, frame):
            stop.set()

        previous = {s: signal.signal(s, on_signal) for s in (signal.SIGINT, signal.SIGTERM)}
        try:
            server.start()
        except (OSError, RuntimeError) as exc:  # aiosmtpd: the SMTP port is taken
            raise CommandError(f"cannot run the mail catcher on port {smtp_port}: {exc}") from exc
        self.stdout.write(
            f"Zoom sandbox on {server.url} (OAuth at /oauth, REST at /v2, control at /_sandbox); "
            "client demo-client-id / demo-client-secret, account demo-account. Ctrl-C stops."
        )
        if server.smtp is not None:
            self.stdout.write(
                f"Mail catcher: SMTP on {server.smtp.host}:{server.smtp.port}, "
                f"mail at {server.url}/mail/"
            )
        self.stdout.flush()
        try:
            while not stop.wait(0.5):
                pass
        finally:
            server.stop()
            for signum, handler in previous.items():
                signal.signal(signum, handler)
            self.stdout.write("Zoom sandbox stopped.")

    # --- play ----------------------------------------------------------------------------------

    @staticmethod
    def _transcript(options) -> str | None:
        """The --transcript file's text, checked: a clear error before anything is sent."""
        path = options["transcript"]
        if path is None:
            return None
        if not options["record"]:
            raise CommandError("--transcript needs a recording: leave out --no-record")
        try:
            raw = Path(path).read_bytes()
        except OSError as exc:
            raise CommandError(f"cannot read the transcript {path}: {exc.strerror}") from exc
        problem = vtt_check(raw)
        if problem:
            raise CommandError(f"{path} is not a WebVTT transcript: {problem}")
        return raw.decode("utf-8").lstrip("\ufeff")

    def play(self, options) -> None:
        quiet = options["json"]

        def progress(item: ScriptedEvent, delivery: Delivery) -> None:
            if quiet:
                return
            flags = f" [{', '.join(delivery.flags)}]" if delivery.flags else ""
            status = delivery.status if delivery.status is not None else delivery.error
            minutes, seconds = divmod(int(item.at), 60)
            self.stdout.write(
                f"+{minutes:02d}:{seconds:02d} {delivery.event} {delivery.who} -> {status}{flags}"
            )
            self.stdout.flush()

        transcript_vtt = self._transcript(options)
        player = ClassPlayer(
            options["sandbox"],
            options["webhook"],
            options["secret"],
            host_header=options["tenant_host"] or None,
            on_delivery=progress,
        )
        if options["validate"] and not player.validate_endpoint():
            raise CommandError("the endpoint did not answer url_validation correctly")
        try:
            summary = player.play(
                options["meeting"],
                occurrence_id=options["occurrence"],
                participants=options["participants"],
                duration_minutes=options["duration"],
                speed=options["speed"] or None,
                quirks=options["messy"],
                guest=not options["no_guest"],
                record=options["record"],
                transcript_vtt=transcript_vtt,
                seed=options["seed"],
            )
        except PlayerError as exc:
            raise CommandError(str(exc)) from exc
        result = summary.to_dict()
        if quiet:
            self.stdout.write(json.dumps(result, indent=2))
        else:
            self.stdout.write(
                f"played meeting {result['meeting_id']} instance {result['uuid']}: "
                f"{result['events_sent']} events, statuses {result['statuses']}, "
                f"{result['people']} people in {result['segments']} segments"
                + (", recorded with its transcript" if result["recorded"] else "")
            )
        if not summary.ok:
            raise CommandError("some webhooks were not accepted (see statuses above)")
