"""The Zoom sandbox: a local stand-in for Zoom's OAuth and REST API and a player of live classes
(signed webhooks), for `make up`, the tests and the benchmarks. A development tool, not part of
the product: it is a Django app only in the local and test settings (for its `run_zoom_sandbox`
command), it is not installed into the image, and no product package imports it.

One module per resource:

    common.py       Zoom's error bodies, time and id formats, the `locked` decorator
    users.py        users (the demo school's people) and /users/{userId}
    oauth.py        apps, the code flow, refresh rotation, Server-to-Server tokens, bearer, scopes
    meetings.py     meetings and their occurrences (expanded by occurrences.py), join pages
    registrants.py  registration and the registrants list
    instances.py    played instances: the player's begin/end, past meetings, participant reports
    recordings.py   recordings of played instances and their files
    limits.py       injected failures, rate limits, the call log, paging
    calendars.py    the Google Calendar and Microsoft Outlook stand-in, its page /calendars/
    state.py        SandboxState, made of the resource mixins above
    api.py          request routing: OAuth at /oauth, REST at /v2, control at /_sandbox,
                    calendars at /google, /microsoft, /calendars
    server.py       the standard-library HTTP server around api.handle
    script.py       a class as Zoom would deliver it (roster, quirks, ground truth)
    player.py       the class player that sends the script as signed webhooks

The state is one object with one lock, made of a mixin per resource rather than an object per
resource: resources read each other all the time (a registrant's join URL needs the meeting, a
played instance the meeting's registrants and host, a recording the instance), and one lock over
one state keeps every call atomic as it was. Each mixin declares the attributes it owns and
forgets them in its own `_reset_*`; `SandboxState.reset()` calls them all."""
