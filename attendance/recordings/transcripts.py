"""Placeholder until the transcripts work lands (issue 14)."""


def transcript_fetch(*, meeting_id: int) -> None:
    raise NotImplementedError
