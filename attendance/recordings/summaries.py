"""Placeholder until the summaries work lands (issue 14)."""


def summary_write(*, meeting_id: int) -> None:
    raise NotImplementedError
