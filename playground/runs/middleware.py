"""Every error under /api/ is JSON, including the ones Django and Ninja answer themselves
(unknown path, wrong method, a malformed request) before any API view runs."""
from http import HTTPStatus

from django.http import JsonResponse


class JsonApiErrors:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (request.path.startswith("/api/") and response.status_code >= 400
                and not response.get("Content-Type", "").startswith("application/json")):
            return self._as_json(request, response)
        return response

    @staticmethod
    def _as_json(request, response):
        status = response.status_code
        try:
            phrase = HTTPStatus(status).phrase
        except ValueError:
            phrase = "error"
        if status == 404:
            detail = f"no API endpoint at {request.path}; see /api/docs"
        elif status == 405:
            detail = (f"{request.method} is not allowed here; allowed: "
                      f"{response.get('Allow', 'see /api/docs')}")
        else:
            detail = phrase
        replacement = JsonResponse({"detail": detail}, status=status)
        for header in ("Allow", "Retry-After"):
            if header in response:
                replacement[header] = response[header]
        return replacement


class ContentSecurityPolicy:
    """A second wall behind escaping on the site's own pages: only our own scripts run (no
    inline handlers, no injected <script>), nothing loads from elsewhere, no framing. Plotly
    and CodeMirror style elements inline, so styles may be inline. 'unsafe-eval' stays:
    plotly.js evaluates code it builds itself, and so do the browser tests' predicates;
    none of our scripts evaluate text from a run. The admin and the API docs page (which
    loads Swagger UI its own way) are left as their packages made them."""

    POLICY = ("default-src 'self'; script-src 'self' 'unsafe-eval'; "
              "style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; "
              "connect-src 'self' ws://{host} wss://{host}; font-src 'self' data:; "
              "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
    SKIP = ("/admin/", "/api/", "/status/")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (response.get("Content-Type", "").startswith("text/html")
                and not request.path.startswith(self.SKIP)):
            # The websocket spelled out: older Safari does not count ws:// as 'self'.
            response.setdefault("Content-Security-Policy",
                                self.POLICY.format(host=request.get_host()))
        return response
