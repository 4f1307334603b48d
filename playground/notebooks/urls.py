from django.urls import path

from . import views

urlpatterns = [
    path("notebooks/", views.notebook_list, name="notebooks"),
    path("notebooks/new", views.new_notebook, name="new_notebook"),
    path("notebooks/tutorial", views.open_tutorial, name="open_tutorial"),
    path("notebooks/<uuid:notebook_id>/", views.notebook_page, name="notebook"),
]
