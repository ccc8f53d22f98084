"""The websocket consumer's inbox (graphql_api.consumers): what the graphql-ws handler reads,
in the order the client sent it, whether the handler was already waiting or not."""

import asyncio

from graphql_api.consumers import _Inbox


async def test_the_inbox_hands_messages_in_order_to_a_waiting_and_a_late_reader():
    inbox = _Inbox()
    # given a reader already waiting
    reader = asyncio.ensure_future(inbox.get())
    await asyncio.sleep(0)
    # when two messages arrive before it runs again
    inbox.put_nowait({"message": "a", "disconnected": False})
    inbox.put_nowait({"message": "b", "disconnected": False})
    # then it gets the first, the next read the second, and nothing is left
    assert (await asyncio.wait_for(reader, 1))["message"] == "a"
    assert (await asyncio.wait_for(inbox.get(), 1))["message"] == "b"
    assert inbox.items == [] and inbox.waiter is None


async def test_a_cancelled_read_loses_no_message():
    inbox = _Inbox()
    reader = asyncio.ensure_future(inbox.get())
    await asyncio.sleep(0)
    reader.cancel()
    await asyncio.gather(reader, return_exceptions=True)
    inbox.put_nowait({"message": "kept", "disconnected": False})
    assert (await asyncio.wait_for(inbox.get(), 1))["message"] == "kept"
