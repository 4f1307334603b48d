"""The status page at /status/ (staff only): how many runs wait and run on each queue, and
which workers are alive to take them. ``?format=json`` gives the same as JSON for scripts.

Scaled out, the numbers come from the shared database (runs queued and running), the broker
(task messages not yet taken) and the workers' heartbeats in Redis, so every web process
shows the same page. Embedded, there is one queue: the local worker pool of this process.
"""
from django.conf import settings
from django.contrib.admin.views.decorators import staff_member_required
from django.db.models import Count
from django.http import JsonResponse
from django.shortcuts import render

from playground import events

from .models import Run


def snapshot():
    """{"executor", "queues": [{name, queued, running, waiting_in_broker, workers, slots, busy}],
    "workers": [...], "problems": [...]}"""
    counts = {(device, status): n for device, status, n in Run.objects.filter(
        status__in=(events.QUEUED, events.RUNNING)).values_list("device", "status")
        .annotate(n=Count("id")).values_list("device", "status", "n")}
    executor = settings.PLAYGROUND_EXECUTOR
    if executor != "celery":
        return {"executor": executor, "problems": [], "workers": [], "queues": [{
            "name": "local", "queued": counts.get(("cpu", events.QUEUED), 0),
            "running": counts.get(("cpu", events.RUNNING), 0), "waiting_in_broker": None,
            "workers": 1, "slots": settings.PLAYGROUND_POOL_SIZE, "busy": None}]}

    from playground.executors import fleet

    problems, workers = [], []
    try:
        workers = sorted(fleet.live_workers().values(), key=lambda w: w["hostname"])
    except Exception as exc:
        problems.append(f"Redis did not answer: {type(exc).__name__}: {exc}")
    queues = []
    for name, device in (("cpu", "cpu"), ("gpu", "cuda")):
        serving = [w for w in workers if name in w["queues"]]
        try:
            waiting = fleet.queue_depth(name)
        except Exception as exc:
            waiting = None
            problems.append(f"the broker did not answer for queue {name}: {type(exc).__name__}")
        queues.append({"name": name, "queued": counts.get((device, events.QUEUED), 0),
                       "running": counts.get((device, events.RUNNING), 0),
                       "waiting_in_broker": waiting, "workers": len(serving),
                       "slots": sum(w["concurrency"] for w in serving),
                       "busy": sum(w["busy"] for w in serving)})
    return {"executor": executor, "queues": queues, "workers": workers,
            "problems": sorted(set(problems))}


@staff_member_required
def status_page(request):
    data = snapshot()
    if request.GET.get("format") == "json":
        return JsonResponse(data)
    from django.contrib import admin

    return render(request, "runs/status.html",
                  {**admin.site.each_context(request), **data, "title": "Capacity"})
