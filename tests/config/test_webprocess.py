"""The web process's tuning for thousands of websockets (config.webprocess): the garbage
collector, and autobahn's per-connection option dump made only when it is logged."""

import gc
import pprint

import txaio
from autobahn.websocket import protocol
from autobahn.websocket.protocol import WebSocketProtocol

import config.asgi  # noqa: F401 - loading the application tunes the process
from config import webprocess


def test_loading_the_application_freezes_start_up_objects_and_sets_the_young_threshold():
    assert gc.get_freeze_count() > 10_000
    assert gc.get_threshold()[0] == webprocess.GC_YOUNG_THRESHOLD
    assert protocol.pformat is webprocess._autobahn_pformat


def test_autobahn_leaves_its_log_values_uncoloured():
    from autobahn.util import hltype, hlval

    assert hlval(42) == "42"
    assert hltype(WebSocketProtocol) == "<autobahn.websocket.protocol.WebSocketProtocol>"


def test_autobahn_still_formats_its_options_in_the_place_this_patches():
    # If autobahn stops calling the module's `pformat` there, the patch does nothing.
    assert "pformat" in WebSocketProtocol._connectionMade.__code__.co_names


class _Protocol:
    def __init__(self, level: str) -> None:
        txaio.use_twisted()
        self.log = txaio.make_logger()
        self.log._set_log_level(level)


def test_the_per_connection_option_dump_is_made_only_when_debug_is_logged(monkeypatch):
    made: list[object] = []
    real = pprint.pformat
    monkeypatch.setattr(pprint, "pformat", lambda obj, *a, **k: made.append(obj) or real(obj))

    def connection_made(self):  # stands in for autobahn's, the call site the patch knows
        return protocol.pformat([("openHandshakeTimeout", 5)])

    monkeypatch.setattr(WebSocketProtocol, "_connectionMade", connection_made)

    # when: a connection is made and autobahn's logger is at info (daphne's default)
    assert WebSocketProtocol._connectionMade(_Protocol("info")) == ""
    # then: nothing was formatted
    assert made == []
    # when: its logger writes debug, the line has its text
    assert "openHandshakeTimeout" in WebSocketProtocol._connectionMade(_Protocol("debug"))
    # and any other caller gets pprint.pformat as ever
    assert protocol.pformat({"a": 1}) == "{'a': 1}"
    assert len(made) == 2
