"""The platform's Prometheus metrics, declared once for every layer that records them.

Each process keeps its own values; `/metrics` on a web process shows that process's, and the
worker exports its forked processes' together (prometheus_client's multiprocess mode, set up
before this module is imported). Labels stay few and bounded: never a school, meeting or user
as a label (2,000 schools would be 2,000 series per metric), so per-school figures belong in
logs, not here.
"""

from prometheus_client import Counter, Gauge, Histogram

# Webhook intake (web): what Zoom sent and how fast it was answered.
WEBHOOK_REQUESTS = Counter(
    "liveroll_webhook_requests_total",
    "Zoom webhook requests answered, by outcome: stored, duplicate, validation (url_validation),"
    " rejected (4xx), unavailable (503).",
    ["outcome"],
)
WEBHOOK_ANSWER_SECONDS = Histogram(
    "liveroll_webhook_answer_seconds",
    "Time from a Zoom webhook's arrival to its answer (Zoom gives up after 3 s).",
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0),
)

# Processing (worker): how far behind the worker is.
WEBHOOK_PROCESSING_LAG_SECONDS = Histogram(
    "liveroll_webhook_processing_lag_seconds",
    "Time from a webhook's receipt to the end of its processing.",
    buckets=(0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0),
)

# Realtime (web and worker).
REALTIME_MESSAGES_SENT = Counter(
    "liveroll_realtime_messages_sent_total",
    "Realtime messages sent to channel-layer groups.",
)
CHANNEL_LAYER_DROPS = Counter(
    "liveroll_channel_layer_drops_total",
    "Channel-layer messages dropped because a receiving channel was full (capacity).",
)
SUBSCRIPTIONS = Gauge(
    "liveroll_subscriptions",
    "GraphQL subscriptions running in this process, by field.",
    ["field"],
    multiprocess_mode="livesum",
)
REALTIME_SNAPSHOT_READS = Counter(
    "liveroll_realtime_snapshot_reads_total",
    "Snapshot reads made for subscriptions (shared by the group's listeners, realtime.hub).",
)
REALTIME_DELIVERIES = Counter(
    "liveroll_realtime_deliveries_total",
    "Realtime events handed to subscriptions in this process (after in-process fan-out).",
)
