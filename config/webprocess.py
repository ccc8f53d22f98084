"""What a web process that holds thousands of websockets needs beyond daphne's defaults, set once
the application is loaded (config.asgi). Both were found profiling a reconnect storm: 2,000
subscribers of two processes reconnecting at once (docs/benchmarks.md, "Reconnect storm: where a
reconnect goes").

- The garbage collector: the objects made while starting (≈ 175,000: modules, the schema, the
  URL conf) are frozen, so that full collections no longer walk them again and again, and the
  young generation is collected every 2,000 allocations instead of 700 (a full collection is
  then considered every 200,000 allocations instead of 70,000). Collections had taken a
  quarter of a web process's CPU over a storm, four fifths of it in full collections; this
  takes ≈ 40 % off that, and the rest is the connections' own objects.
- autobahn (daphne's websocket layer) pretty-prints its ~30 protocol options for a DEBUG line
  on every new websocket, whether or not DEBUG is logged: ≈ 0.2 ms a connection.
- autobahn also colours the names and values it puts in its DEBUG lines with click's terminal
  styles, for every handshake and frame, whether or not DEBUG is logged (≈ 2 % of a web
  process's CPU in a reconnect storm). Its lines are left plain: logged, they go out as JSON
  (config.logging), where escape codes are noise.
"""

import gc
import pprint
import sys
from typing import Any

GC_YOUNG_THRESHOLD = 2_000

_tuned = False


def _autobahn_pformat(obj: Any, *args: Any, **kwargs: Any) -> str:
    """pprint.pformat, except for autobahn's per-connection option dump when the protocol's
    logger does not write DEBUG (txaio's logger then drops the line, text and all)."""
    from autobahn.websocket.protocol import WebSocketProtocol

    caller = sys._getframe(1)  # noqa: SLF001 - which call site, not a stack walk
    if caller.f_code is WebSocketProtocol._connectionMade.__code__:
        log = getattr(caller.f_locals.get("self"), "log", None)
        if getattr(log, "_log_level", "debug") not in ("debug", "trace"):
            return ""
    return pprint.pformat(obj, *args, **kwargs)


def tune() -> None:
    """Once per process (more calls do nothing)."""
    global _tuned
    if _tuned:
        return
    _tuned = True
    gc.collect()
    gc.freeze()
    gc.set_threshold(GC_YOUNG_THRESHOLD, *gc.get_threshold()[1:])
    try:
        from autobahn import util
        from autobahn.websocket import protocol
    except ImportError:  # no websockets server in this process
        return
    protocol.pformat = _autobahn_pformat  # type: ignore[assignment,attr-defined]
    util._HAS_CLICK = False  # noqa: SLF001 - autobahn's own switch for plain text
