"""The channel layer's ceiling on one Redis: how many realtime sends a second one Redis takes,
and what each costs Redis' one core, as groups grow.

With the per-process hub a room's group has one member per web process that has watchers of
the room, so a change costs one `group_send` to a group of K process channels. This measures
`group_send` of a `participants.changed`-sized message (one participant, ≈ 600 bytes) to
groups of K = 1, 10 and 50 members, with K receivers draining their channels as the hub's
reader does, beside a baseline in the same run: plain `PING` round trips on the same Redis.
Reported: sends a second from SENDERS concurrent senders, and Redis' CPU a send (from INFO
cpu), which is what bounds a single Redis whatever the clients do.

    python bench/bench_channel_layer.py            # 3 rounds, 4,000 sends each
    python bench/bench_channel_layer.py --sends 1000 --rounds 1
"""

import argparse
import asyncio
import contextlib
import os
import platform
import statistics
import sys
import time
import uuid
from pathlib import Path

import redis
from channels_redis.core import RedisChannelLayer

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
parser.add_argument("--sends", type=int, default=4000)
parser.add_argument("--rounds", type=int, default=3)
parser.add_argument("--senders", type=int, default=8)
ARGS = parser.parse_args()

REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
MESSAGE = {
    "type": "realtime.event",
    "group": "t.school_0001.meeting.12345",
    "event": "participants.changed",
    "data": {
        "meeting_id": 12345,
        "status": "STARTED",
        "count": 31,
        "changes": [
            {
                "change": "joined",
                "participant": {
                    "key": "r:4f9c2a7e-aaaa-bbbb-cccc-0123456789ab",
                    "name": "Student Number Twenty-Nine",
                    "role": "ATTENDEE",
                    "joined_at": "2026-11-30T09:00:03.123456+00:00",
                    "left_at": None,
                    "verified": True,
                },
            }
        ],
        "padding": "x" * 250,
    },
}


def redis_cpu(client: redis.Redis) -> float:
    info = client.info("cpu")
    return float(info["used_cpu_sys"]) + float(info["used_cpu_user"])


def pings(client: redis.Redis, n: int) -> tuple[float, float]:
    cpu, start = redis_cpu(client), time.perf_counter()
    for _ in range(n):
        client.ping()
    elapsed = time.perf_counter() - start
    return n / elapsed, (redis_cpu(client) - cpu) / n * 1e6


async def sends(members: int, n: int) -> tuple[float, float, int]:
    prefix = f"bench-layer-{uuid.uuid4().hex[:8]}"
    layer = RedisChannelLayer(hosts=[REDIS_URL], prefix=prefix, capacity=100_000, expiry=60)
    receiver = RedisChannelLayer(hosts=[REDIS_URL], prefix=prefix, capacity=100_000, expiry=60)
    group = "t.school_0001.meeting.12345"
    channels = [await receiver.new_channel() for _ in range(members)]
    for channel in channels:
        await layer.group_add(group, channel)
    received = 0
    done = asyncio.Event()

    async def drain(channel: str) -> None:
        nonlocal received
        while True:
            await receiver.receive(channel)
            received += 1
            if received >= n * members:
                done.set()

    readers = [asyncio.create_task(drain(c)) for c in channels]
    client = redis.Redis.from_url(REDIS_URL)
    cpu, start = redis_cpu(client), time.perf_counter()

    async def sender(count: int) -> None:
        for _ in range(count):
            await layer.group_send(group, MESSAGE)

    share = n // ARGS.senders
    await asyncio.gather(*(sender(share) for _ in range(ARGS.senders)))
    sent_in = time.perf_counter() - start
    with contextlib.suppress(TimeoutError):  # counted below as missing
        await asyncio.wait_for(done.wait(), timeout=60)
    redis_us = (redis_cpu(client) - cpu) / (share * ARGS.senders) * 1e6
    for task in readers:
        task.cancel()
    await layer.flush()
    await receiver.flush()
    return share * ARGS.senders / sent_in, redis_us, share * ARGS.senders * members - received


def main() -> None:
    client = redis.Redis.from_url(REDIS_URL)
    print(
        f"# channel layer on one Redis ({client.info('server')['redis_version']}),"
        f" {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()},"
        f" load average {os.getloadavg()[0]:.1f}\n"
    )
    rows: dict[str, list[tuple[float, float]]] = {}
    missing: dict[str, int] = {}
    for _ in range(ARGS.rounds):
        rows.setdefault("baseline: PING round trip", []).append(pings(client, ARGS.sends))
        for members in (1, 10, 50):
            rate, cpu, lost = asyncio.run(sends(members, ARGS.sends))
            name = f"group_send to {members} member channel(s)"
            rows.setdefault(name, []).append((rate, cpu))
            missing[name] = missing.get(name, 0) + lost
    print("| operation | per second (median) | Redis CPU µs each (median) | missing |")
    print("|---|---:|---:|---:|")
    for name, values in rows.items():
        rate = statistics.median(v[0] for v in values)
        cpu = statistics.median(v[1] for v in values)
        print(f"| {name} | {rate:,.0f} | {cpu:.1f} | {missing.get(name, '–')} |")
    print(f"\nload average at the end: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
