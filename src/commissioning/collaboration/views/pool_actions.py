"""The actions of a pooled budget's page, one view each: spending, commitments, releasing a
commitment, contributions, the year's settlement and a partner's share."""

from __future__ import annotations

import functools

from django.shortcuts import redirect

from commissioning.ui.http import act, guard, submit

from .. import pooled
from ..forms import (
    ReleaseForm,
)
from .pages import _PoolPage, _readable


def _pool_action(view):
    """An action of the pool page: it takes a form (POST); asked for as a page (a reload after
    a problem was shown), it sends the person back to the pool's page."""

    @functools.wraps(view)
    def wrapped(request, pk, **kwargs):
        if request.method != "POST":
            return redirect("together-pool", pk=pk)
        return view(request, pk, **kwargs)

    return wrapped


@_pool_action
def pool_spend(request, pk):
    page = _PoolPage(request, _readable(request, pk))
    guard(page.keeps_pool)
    form = page.spend_form(request.POST)
    scheme = {str(r["s"].pk): r["s"] for r in page.schemes}.get(request.POST.get("scheme"))
    done = submit(
        request,
        form,
        lambda: pooled.record_spend(
            scheme,
            form.cleaned_data["amount"],
            form.cleaned_data["key"],
            form.cleaned_data["description"],
            request.user,
            form.cleaned_data["value_date"],
            page.open_commitments.get(form.cleaned_data["commitment"]),
        ),
        "The spending is recorded.",
        page.then,
        rename={"legs.0.pence": "amount", "value_date": "value_date"},
    )
    return done or page.render(spend_form=form)


@_pool_action
def pool_commit(request, pk):
    page = _PoolPage(request, _readable(request, pk))
    guard(page.keeps_pool)
    form = page.commit_form(request.POST)
    done = submit(
        request,
        form,
        lambda: pooled.commit(
            pooled.CommitmentInput(
                int(form.cleaned_data["scheme"]),
                form.cleaned_data["reference"],
                form.cleaned_data["supplier"],
                form.cleaned_data["description"],
                form.cleaned_data["amount"],
                form.cleaned_data["made_on"],
                form.cleaned_data["key"],
            ),
            request.user,
        ),
        lambda c: f"Commitment {c.reference} is recorded.",
        page.then,
        rename={"scheme_id": "scheme", "amount_pence": "amount"},
    )
    return done or page.render(commit_form=form)


@_pool_action
def pool_release(request, pk, commitment_pk):
    page = _PoolPage(request, _readable(request, pk))
    guard(page.keeps_pool)
    target = {r["c"].pk: r["c"] for r in page.commitments}.get(commitment_pk)
    guard(target is not None)
    form = ReleaseForm(request.POST)
    done = submit(
        request,
        form,
        lambda: pooled.release(target, form.cleaned_data["reason"], request.user),
        lambda c: f"Commitment {c.reference} is released.",
        page.then,
    )
    return done or page.render(release_form=form, releasing=str(commitment_pk))


@_pool_action
def pool_contribute(request, pk):
    page = _PoolPage(request, _readable(request, pk))
    guard(bool(page.mine))
    form = page.pay_form(request.POST)
    done = submit(
        request,
        form,
        lambda: pooled.contribute(
            page.mine[0],
            form.cleaned_data["amount"],
            form.cleaned_data["key"],
            request.user,
            form.cleaned_data["value_date"],
        ),
        "The contribution is recorded.",
        page.then,
        rename={"legs.0.pence": "amount"},
    )
    return done or page.render(pay_form=form)


@_pool_action
def pool_settle(request, pk):
    page = _PoolPage(request, _readable(request, pk))
    guard(page.keeps_pool)
    return act(
        request,
        lambda: pooled.settle_year(page.p, page.year, request.user),
        "The year is settled.",
        page.then,
    )


@_pool_action
def pool_pay_share(request, pk):
    page = _PoolPage(request, _readable(request, pk))
    settlement = page.p.settlements.filter(year_start=page.year).first()
    guard(bool(page.mine) and settlement is not None)
    return act(
        request,
        lambda: pooled.pay_share(settlement, page.mine[0], request.user),
        "Your share of the overspend is paid into the pool.",
        page.then,
    )
