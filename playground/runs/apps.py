from django.apps import AppConfig


class RunsConfig(AppConfig):
    name = "playground.runs"
    label = "runs"
    verbose_name = "Runs"

    def ready(self):
        # The executors' ports, in this process (web or Celery worker): where the events of
        # runs go, and the stored runs. Nothing starts here; see playground/executors/.
        from playground import executors

        from .sink import event_sink
        from .store import run_store

        executors.configure(sink=event_sink, store=run_store)
