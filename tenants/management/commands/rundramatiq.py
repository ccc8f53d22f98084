"""`manage.py rundramatiq`: django_dramatiq's command, whose dramatiq runs through
`python -m config.worker` (dramatiq's command line with its supervisor's and fork processes'
log lines in LOG_FORMAT) instead of the `dramatiq` script, and whose own lines (the task modules
it found, the command it runs) are log records rather than text on stdout. The arguments, the
task modules and every option are django_dramatiq's."""

import io
import logging
import os
import sys
from typing import Any, TextIO, cast

from django.core.management.base import OutputWrapper
from django_dramatiq.management.commands.rundramatiq import Command as DramatiqCommand

logger = logging.getLogger("django_dramatiq")

WORKER_MODULE = "config.worker"


def _exec_worker(_file: str, argv: list[str]) -> None:
    """What django_dramatiq execs (`dramatiq ARGUMENTS`), as `python -m config.worker ARGUMENTS`."""
    os.execv(sys.executable, [sys.executable, "-m", WORKER_MODULE, *argv[1:]])  # noqa: S606


class _LogLines(io.TextIOBase):
    """A stream whose lines are INFO records of `django_dramatiq` (LOGGING formats them)."""

    def write(self, text: str) -> int:
        for line in text.splitlines():
            if line.strip(" *"):
                logger.info(line.strip(" *"))
        return len(text)


class Command(DramatiqCommand):  # type: ignore[misc]  # django_dramatiq has no types
    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout = OutputWrapper(cast(TextIO, _LogLines()))
        # django_dramatiq builds dramatiq's arguments, then replaces this process with its
        # `dramatiq` script by os.execvp; the same arguments go to config.worker instead. Nothing
        # needs restoring: the process is replaced either way.
        os.execvp = _exec_worker  # type: ignore[assignment]
        super().handle(*args, **options)
