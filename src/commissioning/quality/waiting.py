"""What quality monitoring has waiting for a person, for the home page's work queue
(``ui.worklist``), decided with the policy of the page each item links to.

- **Quality figures due**: a monthly line of a signed contract's quality schedule, in force in
  the last complete month, with no figure for that month. The provider reports them under the
  contract, so its representatives have them to do; the co-ordinating commissioner's quality
  leads and contract managers (who manage the contract for the commissioners, and may record
  the figures themselves) wait for the provider. One item per contract, linked to the line if
  one is missing, else to the contract's quality schedule (``RECORD_MEASUREMENT`` and
  ``VIEW_CONTRACT_QUALITY`` both allow these people).
- **Escalation cases that need their next step**, for those who may manage the case
  (``MANAGE_CASE``: a commissioner, contract manager or quality lead at a party to the case's
  contract; a case with no contract, to the manager who raised it): an open case needs a
  decision (a notice, closing or escalating); after a contract performance notice, the remedial
  action plan is agreed at the contract management meeting (due: the meeting date); with a
  plan, a milestone due within ``SOON`` days or overdue needs checking; with every milestone
  met, the case can be closed.
- **Progress on a remedial action plan**, for the provider's representatives (General
  Condition 9: the provider carries out the plan): a milestone due within ``SOON`` days or
  overdue, with no progress reported in the last ``SOON`` days, linked to the page where they
  report it (``REPORT_PROGRESS``).
- **Alerts**: for a quality lead, the latest mortality run's alerts on the providers their
  organisation holds contracts with that no case has been opened from, as one item linked to
  the quality workspace (only if they may see it).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.db.models import Exists, OuterRef, Q
from django.urls import reverse

from commissioning import clock
from commissioning.contracts.models import Contract, ContractParty, QualityScheduleItem
from commissioning.organisations.permissions import current_memberships, is_live
from commissioning.organisations.vocabulary import Role
from commissioning.ui.worklist import Item

from . import rules
from .models import EscalationCase, Milestone, MortalityAlert, QualityMeasurement
from .permissions import COMMISSIONER_SIDE, MANAGERS, Action, can, commissioning_organisations
from .queries import latest_run

REPORTING = frozenset({Role.QUALITY_LEAD, Role.CONTRACT_MANAGER})
SOON = 28  # days: a milestone due this soon (or overdue) is in the queue


def last_complete_month(today: dt.date) -> dt.date:
    """The first day of the month before ``today``'s."""
    return (today.replace(day=1) - dt.timedelta(days=1)).replace(day=1)


def waiting_for(user) -> list[Item]:
    if not is_live(user):
        return []
    memberships = current_memberships(user)
    held: dict[int, set[str]] = defaultdict(set)  # roles by organisation
    for m in memberships:
        held[m.organisation_id].add(m.role)
    roles = {r for rs in held.values() for r in rs}
    if not roles & (MANAGERS | {Role.PROVIDER_REPRESENTATIVE}):
        return []
    reporting = {o for o, rs in held.items() if rs & REPORTING}
    representing = {o for o, rs in held.items() if Role.PROVIDER_REPRESENTATIVE in rs}
    managing = {o for o, rs in held.items() if rs & MANAGERS}
    leading = {o for o, rs in held.items() if Role.QUALITY_LEAD in rs}
    today = clock.today()
    items = _figures_due(representing, reporting, today)
    if managing:
        items += _cases(user, managing, roles, today)
    if representing:
        items += _progress_due(user, representing, today)
    if leading:
        items += _alerts(user, leading)
    return items


def _figures_due(representing: set[int], reporting: set[int], today: dt.date) -> list[Item]:
    if not representing and not reporting:
        return []
    month = last_complete_month(today)
    month_end = today.replace(day=1) - dt.timedelta(days=1)
    co_ordinated = Exists(
        ContractParty.objects.filter(
            contract=OuterRef("contract"), role=ContractParty.CO, organisation_id__in=reporting
        )
    )
    lines = (
        QualityScheduleItem.objects.filter(
            frequency="monthly",
            contract__status=Contract.Status.SIGNED,
            contract__start_date__lte=month_end,
            contract__end_date__gte=month,
        )
        .filter(Q(contract__provider_id__in=representing) | co_ordinated)
        .annotate(
            recorded=Exists(QualityMeasurement.objects.filter(item=OuterRef("pk"), period=month))
        )
        .select_related("contract__provider", "contract__specification")
        .order_by("contract_id", "pk")
    )
    by_contract: dict[int, list] = defaultdict(list)
    for line in lines:
        by_contract[line.contract_id].append(line)
    items = []
    for contract_lines in by_contract.values():
        missing = [line for line in contract_lines if not line.recorded]
        if not missing:
            continue
        contract = missing[0].contract
        url = (
            reverse("quality-item", args=[missing[0].pk])
            if len(missing) == 1
            else reverse("quality-contract", args=[contract.pk])
        )
        provider = contract.provider.display_name
        detail = (
            f"Contract {contract.reference}: no figure yet for {len(missing)} of "
            f"{len(contract_lines)} monthly lines of the quality schedule"
        )
        what = f"{month:%B %Y} quality figures for {contract.specification.title}"
        if contract.provider_id in representing:
            # The first line without its figure, whose page records it: the next is listed
            # once it is in (the contract's page lists the lines, but records none).
            first = reverse("quality-item", args=[missing[0].pk])
            more = f"; this opens the first, {missing[0].title}" if len(missing) > 1 else ""
            items.append(Item(f"Record the {what}", first, detail + more,
                              action="Record the figure"))  # fmt: skip
        else:
            items.append(Item(what[0].upper() + what[1:], url, detail, waiting_on=provider))
    return items


def _cases(user, managing: set[int], roles: set[str], today: dt.date) -> list[Item]:
    # The case page's rule (VIEW_CASE) for the commissioners' side does not depend on the case.
    commissioning = commissioning_organisations(user)
    if not (roles & COMMISSIONER_SIDE and commissioning):
        return []
    party = Exists(
        ContractParty.objects.filter(contract=OuterRef("contract"), organisation_id__in=managing)
    )
    mine = Q(party)
    if managing & commissioning:  # a case with no contract: whoever raised it carries it
        mine |= Q(contract__isnull=True, raised_by=user)
    cases = list(
        EscalationCase.objects.exclude(status__in=rules.FINISHED)
        .filter(mine)
        .select_related("provider", "notice")
        .order_by("raised_on", "pk")
    )
    milestones: dict[int, list] = defaultdict(list)
    for m in Milestone.objects.filter(
        plan__case__in=[c.pk for c in cases if c.status == rules.PLAN]
    ).select_related("plan"):
        milestones[m.plan.case_id].append(m)
    items = []
    for case in cases:
        url = reverse("quality-case", args=[case.pk])
        detail = f"{case.provider.display_name}: {case.summary}"
        if case.status == rules.OPEN:
            items.append(
                Item(
                    f"Decide the next step on quality case {case.reference}",
                    url,
                    detail,
                    action="Issue the notice",
                )
            )
        elif case.status == rules.NOTICE:
            notice = getattr(case, "notice", None)
            items.append(
                Item(
                    f"Agree a remedial action plan on quality case {case.reference}",
                    url,
                    detail,
                    due=notice.meeting_by if notice else None,
                    due_label="Meeting by",
                    action="Record the agreed plan",
                )
            )
        elif case.status == rules.PLAN:
            plan = milestones[case.pk]
            still = sorted((m for m in plan if m.completed_on is None), key=lambda m: m.due)
            if not still:
                done = f"Close quality case {case.reference}: every milestone is met"
                items.append(Item(done, url, detail, action="Close the case"))
            elif (still[0].due - today).days <= SOON:
                items.append(
                    Item(
                        f"Check the remedial action plan milestone on quality case "
                        f"{case.reference}",
                        url,
                        f"{case.provider.display_name}: {still[0].description} "
                        f"({len(still)} of {len(plan)} milestones still to be met)",
                        due=still[0].due,
                        due_label="Milestone due",
                        action="Record as met",
                    )
                )
    return items


def _progress_due(user, representing: set[int], today: dt.date) -> list[Item]:
    """For a provider's representatives: on each open case about their provider with an agreed
    plan, the first milestone not yet met, due within ``SOON`` days or overdue, on which the
    provider has reported no progress in the last ``SOON`` days (``REPORT_PROGRESS``, the rule
    of the page the item links to)."""
    since = today - dt.timedelta(days=SOON)
    milestones = (
        Milestone.objects.filter(
            plan__case__provider_id__in=representing,
            plan__case__status=rules.PLAN,
            completed_on__isnull=True,
            due__lte=today + dt.timedelta(days=SOON),
        )
        .filter(Q(progress_reported_on__isnull=True) | Q(progress_reported_on__lt=since))
        .select_related("plan__case__provider")
        .order_by("due", "pk")
    )
    items, seen = [], set()
    for m in milestones:
        case = m.plan.case
        if case.pk in seen or not can(user, Action.REPORT_PROGRESS, case):
            continue
        seen.add(case.pk)
        items.append(
            Item(
                f"Report progress on the remedial action plan of quality case {case.reference}",
                reverse("quality-milestone-progress", args=[m.pk]),
                f"{case.provider.display_name}: {m.description}",
                due=m.due,
                due_label="Milestone due",
                action="Send the progress report",
            )
        )
    return items


def _alerts(user, leading: set[int]) -> list[Item]:
    if not can(user, Action.VIEW_QUALITY):
        return []
    run = latest_run()
    if run is None:
        return []
    providers = Contract.objects.filter(parties__organisation_id__in=leading).values("provider_id")
    alerts = list(
        MortalityAlert.objects.filter(run=run, provider_id__in=providers, cases__isnull=True)
        .select_related("provider")
        .order_by("provider__name", "month")
    )
    if not alerts:
        return []
    names = list(dict.fromkeys(a.provider.display_name for a in alerts))
    n = len(alerts)
    return [
        Item(
            f"{n} alert{'s' if n != 1 else ''} on your providers' quality",
            reverse("quality"),
            f"Mortality alerts in the latest results ({run}) with no case opened: "
            + ", ".join(names),
        )
    ]
