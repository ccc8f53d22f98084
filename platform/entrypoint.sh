#!/bin/sh
# The image's entrypoint: one image, four process roles (see platform/README.md).
#   web        daphne serving config.asgi (HTTP + websockets) on $PORT (default 8000), and
#              with METRICS_ENABLED on $METRICS_PORT (default 9191) too, for /metrics alone
#   worker     dramatiq actors (manage.py rundramatiq); with METRICS_ENABLED, its metrics on
#              $METRICS_PORT (default 9191)
#   scheduler  periodic jobs, fanned out per tenant (manage.py run_scheduler)
#   migrate    deploy-time migration of every schema (manage.py migrate_platform); run once
#              per release, before the new web/worker/scheduler start
# Anything else is run as a command, e.g. `docker run IMAGE python manage.py shell`.
# Extra arguments after a role are passed on: `docker run IMAGE migrate --no-spares`.
# Every role is exec'd so that it is PID 1 and receives SIGTERM itself.
set -eu

APP_DIR=$(CDPATH='' cd -- "$(dirname -- "$0")/.." && pwd)

usage() {
    echo "usage: entrypoint.sh {web|worker|scheduler|migrate} [args...] | COMMAND [args...]" >&2
}

if [ "$#" -eq 0 ] || [ -z "$1" ]; then
    usage
    exit 64
fi

role=$1
case "$role" in
    web)
        shift
        cd "$APP_DIR"
        case "${METRICS_ENABLED:-0}" in
            1 | true | True | TRUE | yes | on)
                # A port of its own: the Service the Ingress routes to does not expose it.
                set -- -e "tcp:port=${METRICS_PORT:-9191}:interface=0.0.0.0" "$@"
                ;;
        esac
        # daphne, its access log as log records (JSON with LOG_FORMAT=json): config/webserver.py
        exec python -m config.webserver -b 0.0.0.0 -p "${PORT:-8000}" --proxy-headers "$@" \
            config.asgi:application
        ;;
    worker)
        shift
        cd "$APP_DIR"
        exec python manage.py rundramatiq \
            --processes "${WORKER_PROCESSES:-1}" --threads "${WORKER_THREADS:-8}" "$@"
        ;;
    scheduler)
        shift
        cd "$APP_DIR"
        exec python manage.py run_scheduler "$@"
        ;;
    migrate)
        shift
        cd "$APP_DIR"
        exec python manage.py migrate_platform "$@"
        ;;
    help | -h | --help)
        usage
        exit 0
        ;;
    *)
        exec "$@"
        ;;
esac
