"""Step-up confirmation for destructive actions: a fresh TOTP code and a written reason.

    @control_required("quant.use_controls")
    @step_up_required("strategy.halt", object_type="quant.strategy")
    @require_POST
    def strategy_halt(request, pk): ...

A POST without both returns the confirmation form (a fragment for HTMX, a page otherwise) that
re-posts the original fields; with both the view runs and an AccessLog "control" row records
the action, the object (URL kwarg ``pk``) and the reason.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from quant.accounts.devices import verify_code
from quant.services import access_log_create

ViewFunc = Callable[..., HttpResponse]
STEP_UP_FIELDS = ("step_up_token", "step_up_reason", "csrfmiddlewaretoken")


class StepUpForm(forms.Form):
    step_up_token = forms.CharField(label="Authenticator code", max_length=6, min_length=6)
    step_up_reason = forms.CharField(
        label="Reason (kept in the audit log)",
        widget=forms.Textarea(attrs={"rows": 2, "style": "width:100%;min-width:0"}),
        error_messages={"required": "Write why you are doing this."},
    )


def _confirmation(request: HttpRequest, action_name: str, form: StepUpForm, status: int = 200) -> HttpResponse:
    carried = [(k, v) for k, values in request.POST.lists() if k not in STEP_UP_FIELDS for v in values]
    context = {
        "form": form,
        "action_name": action_name,
        "action_url": request.get_full_path(),
        "carried": carried,
    }
    if getattr(request, "htmx", False):
        return render(request, "components/step_up_confirm.html", context, status=status)
    return render(request, "quant/account_step_up.html", context, status=status)


def step_up_required(
    action_name: str, *, object_type: str = "", when: Callable[..., bool] | None = None
) -> Callable[[ViewFunc], ViewFunc]:
    """``when(request, *args, **kwargs)``: ask only if it returns True (e.g. only for someone else's
    job, or only once the user has an authenticator); otherwise the view runs as if undecorated."""

    def decorator(view: ViewFunc) -> ViewFunc:
        @functools.wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if request.method != "POST" or (when is not None and not when(request, *args, **kwargs)):
                return view(request, *args, **kwargs)
            if "step_up_token" not in request.POST:
                return _confirmation(request, action_name, StepUpForm())
            form = StepUpForm(request.POST)
            if not form.is_valid():
                return _confirmation(request, action_name, form)
            outcome = verify_code(
                request=request,
                token=form.cleaned_data["step_up_token"],
                purpose="step-up",
                allow_backup=False,
            )
            if not outcome.ok:
                message = outcome.failure_message(
                    invalid="That code is not valid (or was already used). Enter the current code."
                )
                form.add_error("step_up_token", message)
                return _confirmation(request, action_name, form)
            response = view(request, *args, **kwargs)
            if response.status_code < 400:
                object_id = str(kwargs.get("pk", kwargs.get("id", "")))
                # A view that refused the action after the code (a gate, a stage rule) sets
                # ``response.control_refused`` to why: audited as a refusal, not as a control.
                refused = str(getattr(response, "control_refused", "") or "")
                reason = form.cleaned_data["step_up_reason"]
                # A view may add what the action changed (``response.control_detail``: before/after).
                detail = str(getattr(response, "control_detail", "") or "")
                reason = f"{reason} | {detail}" if detail else reason
                if not object_id and object_type == "auth.user":  # an action on one's own account
                    object_id = str(request.user.pk)
                access_log_create(
                    request=request,
                    action="refused" if refused else "control",
                    name=action_name,
                    object_type=object_type,
                    object_id=object_id,
                    reason=f"{reason} | refused: {refused}" if refused else reason,
                )
            return response

        wrapped.step_up_action = action_name  # type: ignore[attr-defined]
        return wrapped

    return decorator
