from django.urls import path

from . import views

urlpatterns = [
    path("dashboard/", views.dashboard, name="dashboard"),
    path("dashboard/train/", views.train, name="train"),
    path("dashboard/api/runs/", views.runs_json, name="dashboard_runs"),
    path("dashboard/api/runs/<uuid:run_id>/series/", views.run_series_json,
         name="dashboard_series"),
    path("dashboard/api/train/", views.train_start, name="train_start"),
    path("dashboard/api/train/code/", views.train_code, name="train_code"),
    path("dashboard/api/train/preview/", views.train_preview, name="train_preview"),
    # Served here, ahead of the REST API's routes (playground/urls.py includes this first).
    path("api/runs/<uuid:run_id>/metrics.csv", views.metrics_csv, name="metrics_csv"),
    path("api/runs/<uuid:run_id>/metrics.json", views.metrics_json, name="metrics_json"),
]
