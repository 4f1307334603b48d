"""The status page at /status/ (staff only): how many runs wait and run on each queue, and
which workers are alive to take them, and this host's GPUs (name, memory, utilisation). ``?format=json`` gives the same as JSON for scripts.

The runs queued and running come from the database; the rest is the executor's
``capabilities()``. Scaled out: the broker (task messages not yet taken) and the workers'
heartbeats in Redis, so every web process shows the same page. Embedded, there is one
queue: the local pool of sandbox slots of this process.
"""
from django.db.models import Count
from django.http import JsonResponse
from django.shortcuts import render
from django.urls import reverse

from playground import events, policy
from playground.sandbox import gpu

from .lifecycle import executor
from .models import Run


def snapshot():
    """{"executor", "queues": [{name, queued, running, waiting_in_broker, workers, slots, busy}],
    "workers": [...], "problems": [...]}: the executor's capacity, with the runs of the
    database counted per queue."""
    counts = {(device, status): n for device, status, n in Run.objects.filter(
        status__in=(events.QUEUED, events.RUNNING)).values_list("device", "status")
        .annotate(n=Count("id")).values_list("device", "status", "n")}
    caps = executor().capabilities()
    queues = []
    for queue in caps.queues:
        counted = {status: sum(counts.get((d, status), 0) for d in queue["devices"])
                   for status in (events.QUEUED, events.RUNNING)}
        queues.append({"name": queue["name"], "queued": counted[events.QUEUED],
                       "running": counted[events.RUNNING],
                       **{k: queue[k] for k in ("waiting_in_broker", "workers", "slots", "busy")}})
    return {"executor": policy.current().executor, "queues": queues,
            "workers": list(caps.workers), "problems": list(caps.problems),
            "gpus": gpu.host_gpus()}


def status_page(request):
    # Staff only; anyone else is told so, and where to sign in, instead of being sent to the
    # admin's login without a word.
    if not (request.user.is_active and request.user.is_staff):
        login = f"{reverse('admin:login')}?next={request.get_full_path()}"
        if request.GET.get("format") == "json":
            return JsonResponse({"detail": "the status page is for the site's staff; sign in "
                                           f"at {login}"}, status=403)
        return render(request, "runs/status_staff_only.html", {"login_url": login}, status=403)
    data = snapshot()
    if request.GET.get("format") == "json":
        return JsonResponse(data)
    from django.contrib import admin

    return render(request, "runs/status.html",
                  {**admin.site.each_context(request), **data, "title": "Capacity"})
