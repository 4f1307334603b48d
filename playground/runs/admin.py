from django.contrib import admin

from .models import Metric, Run


class MetricInline(admin.TabularInline):
    model = Metric
    extra = 0
    readonly_fields = ("name", "step", "value", "wall_time")
    can_delete = False
    show_change_link = False
    max_num = 0


@admin.register(Run)
class RunAdmin(admin.ModelAdmin):
    list_display = ("id", "name", "owner", "device", "kind", "status", "queued_at", "duration_ms")
    list_filter = ("status", "device", "kind")
    search_fields = ("id", "name", "owner", "code")
    date_hierarchy = "queued_at"
    readonly_fields = ("id", "queued_at", "started_at", "finished_at", "duration_ms", "last_seq")
    inlines = [MetricInline]


@admin.register(Metric)
class MetricAdmin(admin.ModelAdmin):
    list_display = ("run", "name", "step", "value", "wall_time")
    list_filter = ("name",)
    search_fields = ("run__id", "name")
    raw_id_fields = ("run",)
