"""The web process: daphne, with its access log written as log records of `daphne.access`
instead of NCSA lines on stdout, so that with LOG_FORMAT=json every line the process writes is
JSON (config.logging). `python -m config.webserver ARGS` takes daphne's own arguments.

The client's address is left out: addresses are kept only as keyed hashes (tenants.audit), and
the access log is not where one is needed."""

import logging
import sys
from datetime import datetime
from typing import Any

from daphne import cli
from daphne.access import AccessLogGenerator

logger = logging.getLogger("daphne.access")


class AccessLog(AccessLogGenerator):  # type: ignore[misc]  # daphne has no types
    """daphne's access log (HTTP requests, websocket connects and disconnects) as records."""

    def __init__(self, stream: Any = None) -> None:
        super().__init__(stream)

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


def main() -> None:
    sys.argv[0] = "daphne"  # what config.logging.process_kind knows as the web process
    # daphne's command line builds its access log from this module-level name, and offers no
    # other way to pass a logger.
    cli.AccessLogGenerator = AccessLog
    cli.CommandLineInterface.entrypoint()


if __name__ == "__main__":
    main()
