"""The API's per-address request rate, and where it counts requests.

Scaled out, the counts live in the shared cache (Redis), so every web process sees them.
While Redis is away a throttle that fails on its cache would turn every API request,
reading stored runs included, into a 500; instead the counts move to this process's own
memory until Redis answers again (a client then gets the rate once per web process, for
the length of the outage)."""
import logging
import time

from django.core.cache import cache as shared_cache
from django.core.cache.backends.locmem import LocMemCache
from ninja.throttling import AnonRateThrottle

log = logging.getLogger(__name__)


class SharedOrLocalCache:
    """The shared cache while it answers; this process's memory for ``retry_s`` seconds
    after it failed, then the shared one again."""

    def __init__(self, shared, retry_s=5.0):
        self.shared = shared
        self.local = LocMemCache("playground-throttle", {"OPTIONS": {"MAX_ENTRIES": 10_000}})
        self.retry_s = retry_s
        self.away_until = 0.0

    def get(self, key, default=None):
        return self._call("get", key, default)

    def set(self, key, value, timeout):
        return self._call("set", key, value, timeout)

    def _call(self, name, *args):
        if time.monotonic() >= self.away_until:
            try:
                return getattr(self.shared, name)(*args)
            except Exception as exc:  # whatever the backend raises when it is unreachable
                self.away_until = time.monotonic() + self.retry_s
                log.warning("the shared cache did not answer (%s: %s): request rates are "
                            "counted in this process for %g s", type(exc).__name__, exc,
                            self.retry_s)
        return getattr(self.local, name)(*args)


class AddressThrottle(AnonRateThrottle):
    """Ninja's throttle, counted per REMOTE_ADDR as the run quotas are. Ninja's own takes a
    client's X-Forwarded-For header as its identity when NINJA_NUM_PROXIES is unset, so a
    new made-up header on each request escaped the limit. (Behind a proxy, the server is
    told the client's address by the proxy: daphne --proxy-headers.)"""

    cache = SharedOrLocalCache(shared_cache)

    def get_ident(self, request):
        return request.META.get("REMOTE_ADDR")
