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
