from __future__ import annotations

from django.apps import apps
from django.urls import path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from chatmon.api.views import events, generations, ledger, moderation, selfservice
from chatmon.api.views.base import not_found

app_name = "api"

urlpatterns = [
    path("balance/check", ledger.BalanceCheckView.as_view(), name="balance_check"),
    path("holds/<int:hold_id>/release", ledger.HoldReleaseView.as_view(), name="hold_release"),
    path("spends", ledger.SpendView.as_view(), name="spend"),
    path("spends/batch", ledger.SpendBatchView.as_view(), name="spend_batch"),
    path("spends/calls", ledger.CallSpendView.as_view(), name="spend_calls"),
    path("spends/calls/batch", ledger.CallSpendBatchView.as_view(), name="spend_calls_batch"),
    path("grants", ledger.GrantView.as_view(), name="grant"),
    path("balance", ledger.BalanceView.as_view(), name="balance"),
    path("transactions", ledger.TransactionListView.as_view(), name="transactions"),
    path("self/usage", selfservice.SelfUsageView.as_view(), name="self_usage"),
    path("self/cap", selfservice.SelfCapView.as_view(), name="self_cap"),
    path("violations", moderation.ViolationReportView.as_view(), name="violation_report"),
    path("bans/check", moderation.BanCheckView.as_view(), name="ban_check"),
    path("events/audit", events.AuditEventsView.as_view(), name="audit_events"),
    path("events/features", events.FeatureEventsView.as_view(), name="feature_events"),
    path("timings", events.TimingsView.as_view(), name="timings"),
    path("generations", generations.GenerationView.as_view(), name="generation"),
    path("generations/batch", generations.GenerationBatchView.as_view(), name="generation_batch"),
    path("feedback", generations.FeedbackView.as_view(), name="feedback"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api:schema"), name="docs"),
]
if apps.is_installed("chatmon.analytics"):  # experiments live there; a project may leave that app out
    from chatmon.api.views import experiments

    urlpatterns.append(
        path("experiments/<slug:slug>/assignment", experiments.AssignmentView.as_view(), name="experiment_assignment")
    )
urlpatterns.append(re_path(r"", not_found, name="not_found"))
