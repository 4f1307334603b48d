from django.urls import path

from .consumers import NotebookConsumer

websocket_urlpatterns = [path("ws/notebooks/", NotebookConsumer.as_asgi())]
