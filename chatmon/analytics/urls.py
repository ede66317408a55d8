from django.urls import path

from chatmon.analytics import views

app_name = "analytics"
urlpatterns = [path("cohorts/<str:resolution>.csv", views.cohorts_csv, name="cohorts_csv")]
