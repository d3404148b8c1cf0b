"""Recording a pooled budget's written agreement (Section 75 or the Better Care Fund)."""

from __future__ import annotations

from django.shortcuts import render
from django.urls import reverse

from commissioning.ledger.models import Account
from commissioning.organisations.models import User
from commissioning.organisations.permissions import current_memberships
from commissioning.ui.http import guard, submit

from .. import pooled
from ..forms import (
    PARTNER_ROWS,
    SCHEME_ROWS,
    PoolForm,
)
from ..permissions import Action, can
from ..rules import risk_share
from .consortia import _commissioners


def pool_hosts(user) -> list:
    """The partners this person may record a pooled budget for, as its host's finance lead."""
    if not can(user, Action.VIEW_COLLABORATION):
        return []
    return [
        m.organisation
        for m in current_memberships(user)
        if m.role in ("finance_lead", "administrator")
    ]


# A row of the pool form, field by field: the command's name for it and the form field's suffix
# (partner_2_amount is the second partner's contribution_pence).
_PARTNER_FIELDS = (("organisation_id", ""), ("contribution_pence", "_amount"),
                   ("account_code", "_account"))  # fmt: skip
_SCHEME_FIELDS = (("name", ""), ("lead_organisation_id", "_lead"), ("budget_pence", "_budget"))


def _row_fields(command: str, form: str, rows: int, fields) -> dict[str, str]:
    """The form's field for each of a command's row fields (``partners.1.contribution_pence`` is
    ``partner_2_amount``), so that a service's problem lands against the right box."""
    return {
        f"{command}.{n}.{name}": f"{form}_{n + 1}{suffix}"
        for n in range(rows)
        for name, suffix in fields
    }


def new_pool(request):
    guard(can(request.user, Action.VIEW_COLLABORATION))
    hosts = pool_hosts(request.user)
    guard(bool(hosts), "A finance lead of the host partner records a pooled budget.")
    partners = _commissioners()
    form = PoolForm(
        request.POST or None,
        partners=partners,
        accounts=Account.objects.filter(kind="budget", owner__in=partners)
        .select_related("owner")
        .order_by("code"),
        managers=User.objects.filter(
            memberships__organisation__in=hosts, memberships__role="finance_lead"
        ).distinct(),
    )

    def call():
        d = form.cleaned_data
        partner_rows = form.rows("partner", PARTNER_ROWS, *(s for _, s in _PARTNER_FIELDS))
        scheme_rows = form.rows("scheme", SCHEME_ROWS, *(s for _, s in _SCHEME_FIELDS))
        fixed = {}
        orgs = {str(o.pk): o for o in partners}
        if d["overspend_bearer"] == "fixed":
            fixed = {orgs[p[0]].code: 1 for _, p in partner_rows if p[0] in orgs}
        policy = risk_share.Policy(
            risk_pool_pence=d["risk_pool"] or 0,
            overspend_bearer=risk_share.Bearer(d["overspend_bearer"]),
            fixed_shares=fixed,
            underspend=risk_share.Underspend(d["underspend"]),
        )
        return pooled.create_pool(
            pooled.PoolInput(
                code=d["code"],
                name=d["name"],
                kind=d["kind"],
                host_id=hosts[0].pk,
                fund_manager_id=int(d["fund_manager_id"]),
                **{f: d[f] for f in pooled.AGREEMENT_FIELDS},
                start_date=d["start_date"],
                end_date=d["end_date"],
                review_dates=[d["review_date"]] if d["review_date"] else [],
                partners=[
                    pooled.PartnerInput(int(p[0] or 0), p[1] or 0, p[2] or "")
                    for _, p in partner_rows
                ],
                schemes=[
                    pooled.SchemeInput(p[0], int(p[1] or 0), p[2] or 0) for _, p in scheme_rows
                ],
                policy=policy,
                overdraft_pence=d["overdraft"] or 0,
            ),
            request.user,
        )

    rename = _row_fields("partners", "partner", PARTNER_ROWS, _PARTNER_FIELDS)
    rename |= _row_fields("schemes", "scheme", SCHEME_ROWS, _SCHEME_FIELDS)
    rename |= {
        "host_id": "partner_1",
        "partners": "partner_1",
        "policy.fixed_shares": "overspend_bearer",
        "overdraft_pence": "overdraft",
    }
    done = submit(
        request,
        form,
        call,
        "The pooled budget is recorded.",
        lambda p: reverse("together-pool", args=[p.pk]),
        rename=rename,
    )
    return done or render(
        request,
        "together/new.html",
        {
            "form": form,
            "title": "Record a pooled budget",
            "intro": f"Hosted by {hosts[0].display_name}. The written agreement must state each "
            "item below (SI 2000/617, regulation 7); the pooled fund and a spend account "
            "per scheme are opened on the ledger.",
            "button": "Record the pooled budget",
        },
    )
