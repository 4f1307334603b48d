from django.apps import AppConfig


class NotebooksConfig(AppConfig):
    name = "playground.notebooks"
    label = "notebooks"
    verbose_name = "Notebooks"

    def ready(self):
        # The executors' kernel port, in this process: where kernels' events go.
        from playground import executors

        from .sink import kernel_sink

        executors.configure(kernel_sink=kernel_sink)
