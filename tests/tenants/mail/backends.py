"""A mail backend for tests whose every send raises `RaisingBackend.error` (set by the test)."""

from django.core.mail.backends.base import BaseEmailBackend


class RaisingBackend(BaseEmailBackend):
    error: Exception | None = None
    calls = 0

    def send_messages(self, email_messages):
        type(self).calls += 1
        if type(self).error is not None:
            raise type(self).error
        return len(email_messages)
