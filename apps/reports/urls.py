from django.urls import path

from apps.reports import views

app_name = "reports"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("refresh/", views.refresh, name="refresh"),
    path("section/<slug:section>/", views.section_fragment, name="section"),
    path("export/<slug:section>.csv", views.export_section_csv, name="export_csv"),
    path("export/report.xlsx", views.export_xlsx, name="export_xlsx"),
]
