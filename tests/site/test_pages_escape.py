"""Server-rendered pages with a hostile run: its name, code, output, error and message are
shown as text on the permalink another visitor opens (Django's autoescape, kept on)."""
import pytest
from django.test import Client

from playground.runs.models import Run

pytestmark = pytest.mark.django_db

EVIL = '</textarea><script>window.pwned=1</script><img src=x onerror="window.pwned=1">'


def test_a_permalink_shows_every_user_text_escaped():
    run = Run.objects.create(owner="session:attacker", code=EVIL, name=EVIL, stdout=EVIL,
                             stderr=EVIL, status="failed", message=EVIL, error_type="E",
                             error_message=EVIL, error_traceback=EVIL)
    html = Client().get(f"/runs/{run.id}/").content.decode()
    assert "<script>window.pwned" not in html and "<img src=x" not in html
    assert html.count("&lt;script&gt;window.pwned=1&lt;/script&gt;") >= 6
