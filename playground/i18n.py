"""What the pages' scripts need of the translations (docs/i18n.md): Django's JavaScriptCatalog
(the "djangojs" domain) under a URL that names the language and the catalog's version, so
browsers may cache it for a long time and still get a new one when either changes; and each
status's word in the page's language."""
import hashlib

from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import cache_control
from django.views.i18n import JavaScriptCatalog

from playground import events


def _catalog_version():
    digest = hashlib.sha256()
    for mo in sorted(settings.BASE_DIR.glob("locale/*/LC_MESSAGES/djangojs.mo")):
        digest.update(mo.read_bytes())
    return digest.hexdigest()[:12]


VERSION = _catalog_version()

# The URL carries language and version; the view itself answers in the request's language.
javascript_catalog = cache_control(public=True, max_age=365 * 24 * 3600)(
    JavaScriptCatalog.as_view(domain="djangojs"))


def page_context(request):
    """Template context: the catalog's URL for this request's language, and the status words."""
    return {"JS_CATALOG_URL": f"{reverse('javascript_catalog')}?l="
                              f"{translation.get_language()}&v={VERSION}",
            "STATUS_LABELS": status_labels}


# How the pages name each status (static/js/status.js reads them from base.html): a status
# missing here shows its plain name.
STATUS_LABELS = {
    events.QUEUED: gettext_lazy("queued"),
    events.RUNNING: gettext_lazy("running"),
    events.SUCCEEDED: gettext_lazy("succeeded"),
    events.FAILED: gettext_lazy("failed"),
    events.TIMEOUT: gettext_lazy("timeout"),
    events.CPU_LIMIT: gettext_lazy("CPU time limit"),
    events.MEMORY_LIMIT: gettext_lazy("memory limit"),
    events.OUTPUT_LIMIT: gettext_lazy("output limit"),
    events.KILLED: gettext_lazy("killed"),
    events.CANCELLED: gettext_lazy("cancelled"),
    events.REJECTED: gettext_lazy("rejected"),
}


def status_labels():
    return {status: str(label) for status, label in STATUS_LABELS.items()}
