"""The pages: the playground editor and a run's permalink."""
from pathlib import Path

from django.conf import settings
from django.http import Http404
from django.shortcuts import render
from django.views.decorators.http import require_GET

from playground import policy

from . import devices, lifecycle
from .examples import EXAMPLES
from .models import Run


def _page_context(request):
    # The websocket tells callers apart by session: make sure this browser has one.
    if not request.session.session_key:
        request.session["playground"] = True
        request.session.save()
    return {"gpu_unavailable": devices.unavailable_reason("cuda"),
            "max_code_bytes": policy.current().max_code_bytes,
            "max_running": policy.current().running_per_client}


@require_GET
def playground(request):
    context = _page_context(request)
    context["examples"] = EXAMPLES
    context["tutorial"] = Path(settings.PLAYGROUND_TUTORIAL_PATH).is_file()  # "Open as notebook"
    return render(request, "runs/playground.html", context)


@require_GET
def run_page(request, run_id):
    run = Run.objects.filter(pk=run_id).first()
    if run is None:
        raise Http404("No such run.")
    context = _page_context(request)
    owner = lifecycle.owner_of(request.user, request.session.session_key,
                             request.META.get("REMOTE_ADDR"))
    context.update(run=run, is_owner=run.owner == owner)   # the owner gets a Stop button
    return render(request, "runs/run.html", context)
