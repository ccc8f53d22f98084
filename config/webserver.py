"""The web process: daphne, with its access log written as log records of `daphne.access`
instead of NCSA lines on stdout, so that with LOG_FORMAT=json every line the process writes is
JSON (config.logging). `python -m config.webserver ARGS` takes daphne's own arguments.

The client's address is left out: addresses are kept only as keyed hashes (tenants.audit), and
the access log is not where one is needed.

Twisted's parse of form bodies into `request.args` is off: daphne hands the raw body to the
application (Django parses forms itself) and never reads `args`, yet Twisted parsed the
Content-Type header of every POST with the standard library's email package to decide, a fifth
of the web process's CPU in a join storm (docs/benchmarks.md, "The rush: where an event goes")."""

import logging
import os
import sys
from datetime import datetime
from typing import Any

from daphne import cli, http_protocol
from daphne.access import AccessLogGenerator

logger = logging.getLogger("daphne.access")

# daphne closes a websocket the application has not accepted within this many seconds (its own
# default is 5). After a deploy every subscriber of the old pods reconnects at once and the
# handshakes queue: at 5 s a fifth to two fifths of them were closed, retried and queued again
# behind the rest, which made the storm longer (docs/benchmarks.md, "Scale goals").
WEBSOCKET_CONNECT_TIMEOUT_DEFAULT = "20"


class AccessLog(AccessLogGenerator):  # type: ignore[misc]  # daphne has no types
    """daphne's access log (HTTP requests, websocket connects and disconnects) as records."""

    def __init__(self, stream: Any = None) -> None:
        super().__init__(stream)

    def __call__(self, protocol: str, action: str, details: dict[str, Any]) -> None:
        """daphne's entries, except a websocket's WSCONNECTING: the WSCONNECT or WSREJECT that
        follows within the handshake says the same and how it ended (a line a connection
        fewer in a reconnect storm)."""
        if protocol == "websocket" and action == "connecting":
            return
        super().__call__(protocol, action, details)

    def write_entry(
        self,
        host: Any,
        date: datetime,
        request: str,
        status: int | None = None,
        length: int | None = None,
        ident: Any = None,
        user: Any = None,
    ) -> None:
        logger.info(
            "%s %s %s",
            request,
            status or "-",
            length or "-",
            extra={"request": request, "status": status, "bytes": length},
        )


class WebRequest(http_protocol.WebRequest):  # type: ignore[misc]  # daphne has no types
    """daphne's request, without Twisted's parse of POST form bodies (never read: daphne
    passes the body on as it came)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs["parsePOSTFormSubmission"] = False
        super().__init__(*args, **kwargs)


def daphne_arguments(argv: list[str], environ: dict[str, str]) -> list[str]:
    """daphne's arguments: `argv`, with the websocket connect timeout of
    WEBSOCKET_CONNECT_TIMEOUT (default WEBSOCKET_CONNECT_TIMEOUT_DEFAULT) unless given."""
    if any(a.startswith("--websocket_connect_timeout") for a in argv):
        return argv
    timeout = environ.get("WEBSOCKET_CONNECT_TIMEOUT", WEBSOCKET_CONNECT_TIMEOUT_DEFAULT)
    return ["--websocket_connect_timeout", timeout, *argv]


def main() -> None:
    sys.argv[1:] = daphne_arguments(sys.argv[1:], dict(os.environ))
    sys.argv[0] = "daphne"  # what config.logging.process_kind knows as the web process
    # daphne's command line builds its access log from this module-level name, and offers no
    # other way to pass a logger.
    cli.AccessLogGenerator = AccessLog
    # daphne's HTTP factory builds each request from this module-level name.
    http_protocol.WebRequest = WebRequest
    cli.CommandLineInterface.entrypoint()


if __name__ == "__main__":
    main()
