"""The worker: dramatiq's command line, as `manage.py rundramatiq` runs it
(tenants/management/commands/rundramatiq.py), with every line it writes in LOG_FORMAT like the
other processes' lines (config.logging).

dramatiq's supervisor, its worker processes and its fork processes (the metrics exposition
server) each start logging with `logging.basicConfig` in dramatiq's own text format. The worker
processes then take Django's LOGGING when they load the project; the supervisor and the fork
processes never load it, so their lines ("booting up", a worker that died, the exposition
server ready) stayed in dramatiq's format amid JSON. Here each of the three gives its handlers
LOG_FORMAT's formatter right after dramatiq's own set-up.

    python -m config.worker DRAMATIQ-ARGUMENTS...
"""

import logging
import sys
from collections.abc import Callable
from typing import Any

from dramatiq import cli

from config.logging import formatter


def _formatted(setup: Callable[..., logging.Logger]) -> Callable[..., logging.Logger]:
    def setup_then_format(*args: Any, **kwargs: Any) -> logging.Logger:
        logger = setup(*args, **kwargs)
        from django.conf import settings  # the settings module only: no django.setup() here

        chosen = formatter(settings.LOG_FORMAT)
        for handler in logging.getLogger().handlers:
            handler.setFormatter(chosen)
        return logger

    return setup_then_format


def main() -> None:
    sys.argv[0] = "dramatiq"  # what config.logging.process_kind knows as the worker
    # dramatiq's command line looks these up when it calls them, in each process it starts.
    cli.setup_parent_logging = _formatted(cli.setup_parent_logging)
    cli.setup_worker_logging = _formatted(cli.setup_worker_logging)
    cli.setup_fork_logging = _formatted(cli.setup_fork_logging)
    sys.exit(cli.main())  # type: ignore[no-untyped-call]


if __name__ == "__main__":
    main()
