"""Processing of stored Zoom events into meeting status, participant sessions and attendance."""


def webhook_event_process(*, event_id: int) -> None:
    raise NotImplementedError("being written")
