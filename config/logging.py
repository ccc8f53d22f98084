"""Log output for every process (web, worker, scheduler, migrate): `LOG_FORMAT=plain` (a text
line, development's default) or `json` (one JSON object a line, production's default).

A JSON line holds `time` (ISO 8601, UTC), `level`, `logger`, `message` (formatted, after the
loggers' filters, so what `meetings.zoom.client.RedactingFilter` redacts stays redacted),
`exception` (the traceback as text, when there is one), `schema` (the tenant schema active on
this thread's database connection, when it is not public: requests and actors both set it, see
tenants.tasking), `process` (web, worker, scheduler, migrate or the command's name), `pid`, and
every `extra=` field given to the logger (values JSON cannot hold are written as text).

A few lines of the standard library rather than python-json-logger: the schema and process
fields need code of ours either way, and the rest is one `json.dumps`.
"""

import json
import logging
import os
import sys
from datetime import UTC, datetime
from typing import Any

FORMATS = ("plain", "json")
PLAIN_FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"

# The attributes every LogRecord has; anything else on a record came from `extra=`.
_RECORD_ATTRIBUTES = frozenset(
    logging.LogRecord("", 0, "", 0, "", None, None).__dict__.keys()
    | {"message", "asctime", "taskName"}
)
_COMMAND_KINDS = {
    "rundramatiq": "worker",
    "run_scheduler": "scheduler",
    "migrate_platform": "migrate",
}


def process_kind(argv: list[str] | None = None) -> str:
    """What this process is, from its command line: daphne is the web process; dramatiq (which
    `manage.py rundramatiq` becomes) the worker; a management command its name."""
    argv = sys.argv if argv is None else argv
    program = os.path.basename(argv[0]) if argv else ""
    if program == "daphne":
        return "web"
    if program == "dramatiq":
        return "worker"
    if program == "manage.py" and len(argv) > 1:
        return _COMMAND_KINDS.get(argv[1], argv[1])
    return program or "python"


def active_schema() -> str | None:
    """The tenant schema of this thread's database connection, or None (public, none active, or
    Django not ready). Never opens a connection, nor makes one where this thread had none."""
    try:
        from django.db import DEFAULT_DB_ALIAS, connections

        for connection in connections.all(initialized_only=True):
            if connection.alias == DEFAULT_DB_ALIAS:
                schema = getattr(connection, "schema_name", None)
                return schema if schema and schema != "public" else None
    except Exception:  # noqa: BLE001 - a log line must never fail for want of context
        return None
    return None


class JsonFormatter(logging.Formatter):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.process_kind = process_kind()

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            line["exception"] = record.exc_text or self.formatException(record.exc_info)
        elif record.exc_text:
            line["exception"] = record.exc_text
        if record.stack_info:
            line["stack"] = self.formatStack(record.stack_info)
        schema = active_schema()
        if schema:
            line["schema"] = schema
        line["process"] = self.process_kind
        line["pid"] = record.process
        for key, value in record.__dict__.items():
            if key not in _RECORD_ATTRIBUTES and key not in line and not key.startswith("_"):
                line[key] = value
        return json.dumps(line, default=str, ensure_ascii=False)


def formatter(log_format: str) -> logging.Formatter:
    """`log_format`'s formatter, as LOGGING sets it: for what logs before Django's configuration
    runs, or without it (config.worker)."""
    return JsonFormatter() if log_format == "json" else logging.Formatter(PLAIN_FORMAT)


def logging_config(*, log_format: str, level: str) -> dict[str, Any]:
    """Django's LOGGING for `log_format`. Both send every logger to one console handler on
    stderr; json also takes over the handlers Django installs on its own loggers ("django",
    "django.server"), so that nothing is written in another format."""
    if log_format not in FORMATS:
        from django.core.exceptions import ImproperlyConfigured

        raise ImproperlyConfigured(f"LOG_FORMAT must be one of {', '.join(FORMATS)}")
    config: dict[str, Any] = {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {
            "plain": {"format": PLAIN_FORMAT},
        },
        "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
        "root": {"handlers": ["console"], "level": level},
        # Counts the messages channels-redis drops (only its INFO line says how many), then
        # lets the line through at `level` (config.metrics.ChannelLayerDropCounter).
        "filters": {
            "channel_layer_drops": {"()": "config.metrics.ChannelLayerDropCounter", "level": level}
        },
        "loggers": {
            "django.db.backends": {"level": "WARNING"},
            "channels_redis.core": {"level": "INFO", "filters": ["channel_layer_drops"]},
        },
    }
    if log_format == "json":
        config["formatters"]["json"] = {"()": "config.logging.JsonFormatter"}
        config["handlers"]["console"]["formatter"] = "json"
        for name in ("django", "django.server"):
            config["loggers"][name] = {"handlers": [], "propagate": True}
    return config
