"""The single-page app (frontend/, built into frontend/dist by `make frontend`), served on
every school's host at /app/."""

from django.conf import settings
from django.http import Http404, HttpResponse
from django.views.decorators.csrf import ensure_csrf_cookie
from django.views.static import serve

SPA_DIST = settings.BASE_DIR / "frontend" / "dist"
SPA_MISSING = """<!doctype html><meta charset="utf-8"><title>liveroll: app not built</title>
<p>The app at /app/ is not
built on this server. Run <code>make frontend</code> (it needs Node.js), or use the
<a href="/">classic pages</a>.</p>"""


def _dist_file(name: str):
    """The file `name` of the build, or None (also for anything outside frontend/dist)."""
    candidate = (SPA_DIST / name).resolve()
    inside = candidate.is_relative_to(SPA_DIST.resolve())
    return candidate if inside and candidate.is_file() else None


@ensure_csrf_cookie  # the SPA posts to /graphql/ with this cookie's token
def _spa_page(request):
    response = serve(request, "index.html", document_root=str(SPA_DIST))
    response["Cache-Control"] = "no-cache"  # always the current build's asset names
    return response


def spa(request, asset: str = ""):
    """The SPA (frontend/dist, built by `make frontend`): its files, and index.html for every
    other path under /app/ so that the SPA routes them. No login here: it signs in over GraphQL."""
    if not (SPA_DIST / "index.html").is_file():
        return HttpResponse(SPA_MISSING, status=503)
    if asset and asset != "index.html" and _dist_file(asset):
        response = serve(request, asset, document_root=str(SPA_DIST))
        # Vite puts a content hash in every name under assets/: they never change.
        hashed = asset.startswith("assets/")
        response["Cache-Control"] = "public, max-age=31536000, immutable" if hashed else "no-cache"
        return response
    if asset.startswith("assets/"):
        raise Http404("No such asset.")  # an old hash after a deploy: not the page in its place
    return _spa_page(request)
