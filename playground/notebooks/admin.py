from django.contrib import admin

from .models import Notebook


@admin.register(Notebook)
class NotebookAdmin(admin.ModelAdmin):
    list_display = ("id", "name", "owner", "updated_at")
    search_fields = ("id", "name", "owner")
    readonly_fields = ("id", "created_at", "updated_at")
