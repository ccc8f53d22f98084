"""The client's IP address, for the audit log and the webhook intake: one rule for both.

Every proxy in front of the platform appends the address it was reached from to
`X-Forwarded-For`; whatever the client sent itself comes first. So only the last
`LIVEROLL_TRUSTED_PROXIES` hops were written by proxies we run, and the client is the address
just before them. Taking the first hop instead lets anyone write the IP the audit log keeps."""

from django.conf import settings


def client_ip(*, forwarded_for: str, remote_addr: str | None) -> str | None:
    """The client address: with N trusted proxies, the (N+1)-th address from the right of the
    chain `X-Forwarded-For` + the peer (`remote_addr`); with none, the peer itself."""
    trusted = int(getattr(settings, "LIVEROLL_TRUSTED_PROXIES", 0))
    chain = [hop.strip() for hop in forwarded_for.split(",") if hop.strip()]
    if remote_addr:
        chain.append(remote_addr)
    if not chain:
        return None
    # Fewer hops than proxies: a proxy forwarded no header, so the farthest address known.
    return chain[-(trusted + 1)] if len(chain) > trusted else chain[0]
