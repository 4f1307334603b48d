"""A notebook: cells of code and Markdown, with the outputs they last showed, owned by whoever
made it. Anyone holding its id may read it (a permalink, as for runs); only its owner may
change it or run it."""
import uuid

from django.conf import settings
from django.db import models


class Notebook(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    # "user:<pk>", "session:<key>" or "ip:<addr>", as a run's owner
    owner = models.CharField(max_length=80, db_index=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                             on_delete=models.SET_NULL, related_name="notebooks")
    name = models.CharField(max_length=200, default="Untitled")
    # [{"id", "cell_type": "code"|"markdown", "source", "execution_count", "outputs"}]:
    # checked by cells.clean_cells before it is stored
    cells = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-updated_at"]
        indexes = [models.Index(fields=["owner", "-updated_at"], name="notebook_owner_recent")]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return f"/notebooks/{self.id}/"
