from django.contrib import admin

from .models import Metric, Run


@admin.register(Run)
class RunAdmin(admin.ModelAdmin):
    list_display = ("id", "name", "owner", "device", "kind", "status", "queued_at", "duration_ms")
    list_filter = ("status", "device", "kind")
    search_fields = ("id", "name", "owner", "code")
    date_hierarchy = "queued_at"
    readonly_fields = ("id", "queued_at", "started_at", "finished_at", "duration_ms", "last_seq")
    # No metrics inline: a training run may hold 100,000 points; they are listed under Metrics.


@admin.register(Metric)
class MetricAdmin(admin.ModelAdmin):
    list_display = ("run", "name", "step", "value", "wall_time")
    list_filter = ("name",)
    search_fields = ("=run__id", "name")   # paste a run id to see its points
    raw_id_fields = ("run",)
    list_select_related = ("run",)
