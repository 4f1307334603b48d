"""ASGI entry point: HTTP through Django, websockets through Channels."""
import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "playground.settings")
django_asgi_app = get_asgi_application()

# These need the app registry ready.
from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402

from playground.notebooks.routing import websocket_urlpatterns as notebook_sockets  # noqa: E402
from playground.runs import backpressure, restart  # noqa: E402
from playground.runs.routing import websocket_urlpatterns  # noqa: E402

# Embedded, under daphne: the runs a predecessor left end or queue again before the first
# request, and SIGTERM lets runs finish. Importing the app (tests) does neither.
restart.install()
backpressure.install()   # under daphne: a client that never reads is closed

application = ProtocolTypeRouter({
    "http": django_asgi_app,
    # Only pages served from our own hosts may open the socket (ALLOWED_HOSTS).
    "websocket": AllowedHostsOriginValidator(AuthMiddlewareStack(URLRouter(
        websocket_urlpatterns + notebook_sockets))),
})
