"""What a run was and what it showed: everything a user saw streaming is stored here, so a
reload or a late visitor sees the whole run.

Its device, kind and status are checked where they are decided (the run policy, the event
vocabulary), not by column choices: a new device, kind or status needs no migration."""
import uuid

from django.conf import settings
from django.db import models

from playground import events, policy


class Run(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    # Who may list and cancel it: "user:<pk>", "session:<key>" or "ip:<addr>" (API callers
    # without a session). A signed-in user's runs also point at the user.
    owner = models.CharField(max_length=80, db_index=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                             on_delete=models.SET_NULL, related_name="runs")
    client_ip = models.GenericIPAddressField(null=True, blank=True)
    name = models.CharField(max_length=200, blank=True)
    code = models.TextField()
    device = models.CharField(max_length=8, default=policy.DEFAULT_DEVICE)
    kind = models.CharField(max_length=16, default="snippet")
    status = models.CharField(max_length=16, default=events.QUEUED)
    message = models.TextField(blank=True)  # the human message of the "finished" event
    queued_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    duration_ms = models.IntegerField(null=True, blank=True)
    stdout = models.TextField(blank=True)
    stderr = models.TextField(blank=True)
    output_truncated = models.BooleanField(default=False)  # stored output hit its cap
    error_type = models.CharField(max_length=200, blank=True)
    error_message = models.TextField(blank=True)
    error_traceback = models.TextField(blank=True)
    error_line = models.IntegerField(null=True, blank=True)
    displays = models.JSONField(default=list, blank=True)
    # Sequence number of the last event stored; live events carry theirs, so a page that
    # replays the stored run and then listens drops what it already has.
    last_seq = models.IntegerField(default=0)

    class Meta:
        ordering = ["-queued_at"]
        indexes = [
            models.Index(fields=["owner", "-queued_at"], name="run_owner_recent"),
            models.Index(fields=["client_ip", "-queued_at"], name="run_ip_recent"),
            models.Index(fields=["status"], name="run_status"),
        ]

    def __str__(self):
        return f"{self.name or self.id} ({self.status})"

    @property
    def is_finished(self):
        return self.status in events.FINAL_STATUSES

    def get_absolute_url(self):
        return f"/runs/{self.id}/"

    def spec(self):
        """What an executor needs to run it (policy.run_spec: its kind's limits resolved)."""
        return policy.run_spec(self.code, run_id=str(self.id), device=self.device,
                               kind=self.kind, client=self.owner)

    @property
    def error(self):
        if not self.error_type:
            return None
        return {"ename": self.error_type, "evalue": self.error_message,
                "traceback": self.error_traceback, "line": self.error_line}


class Metric(models.Model):
    run = models.ForeignKey(Run, on_delete=models.CASCADE, related_name="metrics")
    name = models.CharField(max_length=100)
    step = models.IntegerField()
    value = models.FloatField(null=True)  # null: the run produced NaN or infinity
    wall_time = models.FloatField()  # seconds since the epoch, as the sandbox measured it

    class Meta:
        ordering = ["run", "name", "step", "id"]
        indexes = [models.Index(fields=["run", "name", "step"], name="metric_series")]

    def __str__(self):
        return f"{self.name}[{self.step}] = {self.value}"
