"""Development only (local and test settings; devtools is not in the image): names the web
process that answered in an `X-Devstack-Process` header, so that one can see `make up`'s
WEB_PROCESSES share the port. Nothing is added unless devstack named the process."""

import os
from collections.abc import Callable

from django.http import HttpRequest
from django.http.response import HttpResponseBase

HEADER = "X-Devstack-Process"


class ProcessHeaderMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response
        self.name = os.environ.get("LIVEROLL_DEV_PROCESS_NAME", "")

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        if self.name:
            response[HEADER] = self.name
        return response
