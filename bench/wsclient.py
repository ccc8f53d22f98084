"""A lean websocket client for the benches that open thousands of websockets from one process.

The handshake and the frames are websockets' own sans-I/O protocol (`websockets.client.
ClientProtocol`: the same request, key check, masking and ping answers as its asyncio client);
what is left out is that client's asyncio layer, which per connection looked up proxy settings
in the environment, started timeouts and tasks, and kept locks and queues. In the reconnect
storm that layer cost ≈ 1 ms of CPU a connection, a third as much as the two web processes
being measured, on the same two cores; with this client it is a fraction of that. The server
sees the same bytes either way.
"""

import asyncio
from collections import deque

from websockets.client import ClientProtocol
from websockets.frames import Frame, Opcode
from websockets.http11 import Response
from websockets.typing import Origin, Subprotocol
from websockets.uri import parse_uri


class Closed(ConnectionError):
    """The websocket closed (or its connection was lost) before a message came."""


class LeanWebsocket(asyncio.Protocol):
    """One client websocket: `await send(text)`, `await recv() -> str`, `await close()`."""

    def __init__(self, uri: str, *, origin: str, subprotocols: list[str], headers: dict) -> None:
        self.protocol = ClientProtocol(
            parse_uri(uri),
            origin=Origin(origin),
            subprotocols=[Subprotocol(s) for s in subprotocols],
            max_size=None,
        )
        self.request = self.protocol.connect()
        for name, value in headers.items():
            self.request.headers[name] = value
        loop = asyncio.get_running_loop()
        self.opened: asyncio.Future[None] = loop.create_future()
        self.messages: deque[str] = deque()
        self.waiter: asyncio.Future[None] | None = None
        self.fragments: list[bytes] = []
        self.transport: asyncio.Transport | None = None
        self.lost: BaseException | None = None

    # asyncio.Protocol

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        self.protocol.send_request(self.request)
        self._flush()

    def data_received(self, data: bytes) -> None:
        self.protocol.receive_data(data)
        for event in self.protocol.events_received():
            if isinstance(event, Response):
                if not self.opened.done():
                    if self.protocol.handshake_exc is not None:
                        self.opened.set_exception(self.protocol.handshake_exc)
                    else:
                        self.opened.set_result(None)
            elif isinstance(event, Frame):
                self._frame(event)
        self._flush()  # pongs, and the answer to a close
        if self.protocol.close_expected() and self.transport is not None:
            self.transport.close()

    def connection_lost(self, exc: Exception | None) -> None:
        self.lost = exc or Closed("connection closed")
        if not self.opened.done():
            self.opened.set_exception(self.lost)
        self._wake()

    # the websocket

    async def send(self, text: str) -> None:
        if self.lost is not None:
            raise Closed("connection closed") from self.lost
        self.protocol.send_text(text.encode())
        self._flush()

    async def recv(self) -> str:
        while not self.messages:
            if self.lost is not None:
                raise Closed("connection closed") from self.lost
            self.waiter = asyncio.get_running_loop().create_future()
            try:
                await self.waiter
            finally:
                self.waiter = None
        return self.messages.popleft()

    async def close(self) -> None:
        """Sends the close frame and drops the connection (a tab closed, a client gone)."""
        if self.lost is None and self.transport is not None:
            self.protocol.send_close()
            self._flush()
            self.transport.close()

    def _frame(self, frame: Frame) -> None:
        if frame.opcode in (Opcode.TEXT, Opcode.CONT):
            self.fragments.append(frame.data)
            if frame.fin:
                self.messages.append(b"".join(self.fragments).decode())
                self.fragments.clear()
                self._wake()

    def _wake(self) -> None:
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_result(None)

    def _flush(self) -> None:
        if self.transport is None:
            return
        for data in self.protocol.data_to_send():
            if data:
                self.transport.write(data)


async def connect(
    uri: str,
    *,
    address: tuple[str, int],
    origin: str,
    subprotocols: list[str],
    headers: dict,
    timeout: float,
) -> LeanWebsocket:
    """A websocket to `uri` (its host is the Host header) over TCP to `address`, open."""
    loop = asyncio.get_running_loop()
    socket = LeanWebsocket(uri, origin=origin, subprotocols=subprotocols, headers=headers)
    deadline = loop.call_later(timeout, _expire, socket)
    try:
        await loop.create_connection(lambda: socket, *address)
        await socket.opened
    except BaseException:
        if socket.transport is not None:
            socket.transport.abort()
        raise
    finally:
        deadline.cancel()
    return socket


def _expire(socket: LeanWebsocket) -> None:
    if not socket.opened.done():
        socket.opened.set_exception(TimeoutError("websocket handshake timed out"))
