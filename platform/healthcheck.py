"""The image's HEALTHCHECK: GET /healthz from the web process; healthy for the other roles.

One image runs every role, but only `web` serves HTTP. A plain "GET /healthz" check would mark
every worker and scheduler container unhealthy (and Docker Swarm replaces unhealthy tasks), so
this looks for a daphne process in the container first and probes the port it listens on; with
no daphne running (worker, scheduler, a one-off command) there is nothing to probe over HTTP and
the container counts as healthy while its main process runs. Standard library only: the slim
image has no curl.
"""

import os
import sys
import urllib.request
from pathlib import Path


def daphne_port() -> int | None:
    """The port of a daphne process in this container, or None when none runs."""
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            argv = [a.decode(errors="replace") for a in cmdline.read_bytes().split(b"\0")]
        except OSError:  # the process ended while we looked
            continue
        # `/opt/venv/bin/python /opt/venv/bin/daphne ...` or `python -m daphne ...`
        if not any(os.path.basename(a) == "daphne" for a in argv[:3]):
            continue
        port = os.environ.get("PORT", "8000")
        for flag, value in zip(argv, argv[1:], strict=False):
            if flag in ("-p", "--port"):
                port = value
        return int(port)
    return None


def main() -> int:
    port = daphne_port()
    if port is None:
        return 0
    url = f"http://127.0.0.1:{port}/healthz"
    try:
        with urllib.request.urlopen(url, timeout=4) as response:  # noqa: S310 - a fixed local URL
            return 0 if response.status == 200 else 1
    except OSError as exc:
        print(f"healthz: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
