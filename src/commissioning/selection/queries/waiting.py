"""What waits for a person in provider selection: this app's part of the home page's work
queue (``ui.worklist``, registered in ``SelectionConfig.ready``).

Each item appears when the service behind it would accept the step (the state rules:
``rules.award``, ``rules.conflicts``, the evaluation's readiness as ``evaluation_for_process``
reckons it) and links to a page the person may open, decided with the same ``can`` the page's
view asks. A step taken by a form posted from another page (publishing a notice, making or
answering a representation, answering a bidder's question) links to the page that holds the
form. The person's memberships are read once, so asking the policy costs no query; the rest is
read in a fixed number of queries, whatever the number of selections, plus at most one small
one for each item whose rule asks the database (is this person an evaluator, did they bid).

Who sees what:

- an evaluator: declare interests before taking part; score the submitted proposals they may
  score once scoring has opened (after the last day for proposals); a declared interest waiting
  to be managed;
- the commissioning organisation's commissioners: declared interests to manage, proposals to
  moderate once every evaluator has scored, the decision once the evaluation allows it (for
  those with delegated authority on the budget), the notice to publish, representations to
  answer, unsolicited proposals to answer, advice they asked for and still wait for, and the
  scores and standstill they wait for; its commissioners and contract managers: bidders'
  questions to answer and the standstill running on an award;
- a clinical adviser: requests for advice addressed to them or their organisation;
- a provider representative: draft proposals to submit before the deadline, the services
  inviting proposals they have not answered, and what became of each submitted proposal (the
  decision awaited, awarded or not, the standstill, the chance to make a representation).

A decision that awards no contract is shown to the bidders for ``RECENT_DECISION`` after it is
taken (the platform's choice: the item is the bidder's news, with nothing else to wait for).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, Min, Prefetch, Q
from django.urls import reverse

from commissioning import clock
from commissioning.organisations.models import DelegatedAuthority, User
from commissioning.organisations.permissions import SystemActor, current_memberships, roles_of
from commissioning.organisations.vocabulary import Role
from commissioning.ui.worklist import Item

from ..models import (
    AdviceRequest,
    Clarification,
    ConflictDeclaration,
    Decision,
    Evaluator,
    ModeratedScore,
    Proposal,
    Representation,
    Score,
    SelectionProcess,
)
from ..permissions import EVALUATION_ROLES, Action, can, may_open_evaluation
from ..rules.award import Outcome, needs_evaluation, representation_window_open
from ..rules.conflicts import Declaration, Management, excluded, may_take_part
from ..rules.evaluation import Criterion
from ..services.decisions import state_of

RECENT_DECISION = dt.timedelta(days=30)
_ROLES = EVALUATION_ROLES | {Role.PROVIDER_REPRESENTATIVE}
_CRITERIA = len(Criterion)


def _n(count: int, thing: str, things: str | None = None) -> str:
    return f"{count} {thing if count == 1 else (things or thing + 's')}"


def _names(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _day(day: dt.date) -> str:
    return f"{day:%-d %B %Y}"


def _person(user) -> str:
    return user.get_full_name() or user.username


@dataclass
class _Me:
    """The person, with their memberships read once, and where they hold each role."""

    user: User
    today: dt.date
    at: dict[Role, set[int]] = field(default_factory=lambda: defaultdict(set))
    items: list[Item] = field(default_factory=list)

    def orgs(self, *roles: Role) -> set[int]:
        return set().union(*(self.at[r] for r in roles))

    def add(self, *allowed: bool, **item) -> None:
        """Add the item only if every permission it depends on allows it."""
        if all(allowed):
            self.items.append(Item(**item))


def waiting_for(user) -> list[Item]:
    """What waits for ``user`` in provider selection, and what they wait for."""
    if isinstance(user, SystemActor) or not roles_of(user) & _ROLES:
        return []
    me = _Me(User.objects.prefetch_related("memberships").get(pk=user.pk), clock.today())
    for m in current_memberships(me.user):
        me.at[Role(m.role)].add(m.organisation_id)
    if me.orgs(*EVALUATION_ROLES):
        _evaluation(me)
        _decisions(me)
        _advice_asked(me)
        _unsolicited(me)
    if me.at[Role.CLINICAL_ADVISER]:
        _advice_to_give(me)
    if me.at[Role.PROVIDER_REPRESENTATIVE]:
        _proposals(me)
        _invitations(me)
    return me.items


# Evaluation: declarations, scores, moderation, the decision, bidders' questions.


@dataclass
class _Bid:
    """One submitted proposal as the moderation page reckons it."""

    proposal: Proposal
    eligible: list[int]
    awaiting: list[int]
    moderated: bool

    @property
    def ready_to_moderate(self) -> bool:
        return bool(self.eligible) and not self.awaiting


def _evaluation(me: _Me) -> None:
    user = me.user
    team_orgs = me.orgs(Role.COMMISSIONER, Role.CONTRACT_MANAGER)
    processes = list(
        SelectionProcess.objects.filter(status=SelectionProcess.Status.INVITING)
        .filter(Q(evaluators__user=user) | Q(specification__commissioner_id__in=team_orgs))
        .distinct()
        .select_related("specification__commissioner")
    )
    if not processes:
        return
    evaluators: dict[int, list[User]] = defaultdict(list)
    for e in Evaluator.objects.filter(process__in=processes).select_related("user"):
        evaluators[e.process_id].append(e.user)
    declared: dict[tuple[int, int], list[Declaration]] = defaultdict(list)
    unmanaged: dict[int, list[ConflictDeclaration]] = defaultdict(list)
    for d in ConflictDeclaration.objects.filter(process__in=processes).select_related("user"):
        declared[d.process_id, d.user_id].append(
            Declaration(d.has_interest, d.provider_id, Management(d.management))
        )
        if d.has_interest and d.management == Management.UNMANAGED:
            unmanaged[d.process_id].append(d)
    bids: dict[int | None, list[Proposal]] = defaultdict(list)
    for p in (
        Proposal.objects.filter(process__in=processes, status=Proposal.Status.SUBMITTED)
        .select_related("provider")
        .order_by("provider__name", "pk")
    ):
        bids[p.process_id].append(p)
    scored = {
        (row["proposal_id"], row["evaluator__user_id"]): row["n"]
        for row in Score.objects.filter(
            proposal__process__in=processes, proposal__status=Proposal.Status.SUBMITTED
        )
        .values("proposal_id", "evaluator__user_id")
        .annotate(n=Count("pk"))
    }
    moderated = {
        row["proposal_id"]: row["n"]
        for row in ModeratedScore.objects.filter(proposal__process__in=processes)
        .values("proposal_id")
        .annotate(n=Count("pk"))
    }
    questions = {
        row["process_id"]: row["n"]
        for row in Clarification.objects.filter(process__in=processes, answered_at__isnull=True)
        .values("process_id")
        .annotate(n=Count("pk"))
    }
    authority = set()
    if me.at[Role.COMMISSIONER]:
        authority = set(
            DelegatedAuthority.objects.filter(user=user, start_date__lte=me.today)
            .filter(Q(end_date__isnull=True) | Q(end_date__gte=me.today))
            .values_list("budget_id", flat=True)
        )
    for process in processes:
        names = {u.pk: _person(u) for u in evaluators[process.pk]}
        judged = []
        for p in bids[process.pk]:
            p.process = process  # the policy's rules read it
            eligible = [u for u in names if not excluded(declared[process.pk, u], p.provider_id)]
            judged.append(
                _Bid(
                    p,
                    eligible,
                    [u for u in eligible if scored.get((p.pk, u), 0) < _CRITERIA],
                    moderated.get(p.pk, 0) >= _CRITERIA,
                )
            )
        _in_process(
            me,
            process,
            judged,
            names,
            declared[process.pk, user.pk],
            unmanaged[process.pk],
            questions.get(process.pk, 0),
            process.budget_id in authority,
        )


def _in_process(
    me: _Me,
    process: SelectionProcess,
    judged: list[_Bid],
    names: dict[int, str],
    mine: list[Declaration],
    unmanaged: list[ConflictDeclaration],
    questions: int,
    has_authority: bool,
) -> None:
    user, today = me.user, me.today
    spec = process.specification
    title = spec.title
    commissioner = spec.commissioner.display_name
    deadline = process.proposals_deadline
    scoring_open = deadline is not None and today > deadline
    evaluation_url = reverse("evaluation", args=[process.pk])
    roles_here = {r for r, orgs in me.at.items() if spec.commissioner_id in orgs}
    declare_before: list[str] = []  # what declaring comes before: "score", "decide"

    # As an evaluator.
    if user.pk in names:
        if not mine:
            declare_before.append("score")
        elif scoring_open:
            to_score = [
                b.proposal
                for b in judged
                if user.pk in b.awaiting and may_take_part(mine, b.proposal.provider_id)[0]
            ]
            if len(to_score) == 1:
                me.add(
                    can(user, Action.VIEW_PROPOSAL, to_score[0]),
                    can(user, Action.SCORE_PROPOSAL, to_score[0]),
                    title=f"Score 1 proposal for {title}",
                    url=reverse("score", args=[to_score[0].pk]),
                    action="Record your scores",
                    detail=f"The proposal from {to_score[0].provider.display_name}, "
                    f"for {commissioner}",
                )
            elif to_score:
                me.add(
                    may_open_evaluation(me.user, process),
                    title=f"Score {len(to_score)} proposals for {title}",
                    url=evaluation_url,
                    action="Score it",
                    detail=f"For {commissioner}; each is scored once, against the five key "
                    "criteria",
                )
    if any(d.has_interest and d.management is Management.UNMANAGED for d in mine):
        me.add(
            may_open_evaluation(me.user, process),
            title=f"Your declared interest in the selection for {title}",
            url=evaluation_url,
            detail="You take part once it is managed",
            waiting_on=f"Waiting for {commissioner} to decide how it is managed",
        )

    # As a commissioner of the organisation running the selection.
    if Role.COMMISSIONER in roles_here:
        others = [d for d in unmanaged if d.user_id != user.pk]
        if others:
            me.add(
                can(user, Action.MANAGE_SELECTION, process),
                may_open_evaluation(me.user, process),
                title=f"Manage {_n(len(others), 'declared interest')} for {title}",
                url=evaluation_url,
                action="Record it",
                detail="Declared by " + _names(sorted({_person(d.user) for d in others})),
            )
        if scoring_open and needs_evaluation(process.route_enum):
            _moderation(me, process, judged, names, evaluation_url)
        if scoring_open:
            _decide(me, process, judged, mine, has_authority, declare_before)
    if declare_before:
        me.add(
            can(user, Action.VIEW_SELECTION, process),
            can(user, Action.DECLARE_INTERESTS, process),
            title=f"Declare your interests for {title}",
            url=reverse("declare", args=[process.pk]),
            action="Make the declaration",
            detail=f"Before you {' or '.join(declare_before)}: any interest, or that you have none",
            due=deadline + dt.timedelta(days=1) if deadline and not scoring_open else None,
            due_label="Scoring opens",
        )

    # Bidders' questions, answered by its commissioners and contract managers.
    if questions and roles_here & {Role.COMMISSIONER, Role.CONTRACT_MANAGER}:
        me.add(
            can(user, Action.VIEW_SELECTION, process),
            can(user, Action.ANSWER_CLARIFICATION, process),
            title=f"Answer {_n(questions, 'question')} from bidders on {title}",
            url=reverse("selection", args=[process.pk]),
            action="Publish the answer",
            detail="Each answer is published to every bidder, without saying who asked",
            due=deadline if deadline and not scoring_open else None,
            due_label="Proposals close",
        )


def _decide(
    me: _Me,
    process: SelectionProcess,
    judged: list[_Bid],
    mine: list[Declaration],
    has_authority: bool,
    declare_before: list[str],
) -> None:
    """The decision, once the service would take it: after the deadline, with the evaluation
    complete where the route applies the key criteria, by a commissioner with delegated
    authority on the budget who has declared and may take part."""
    evaluated = needs_evaluation(process.route_enum)
    ready = not evaluated or not judged or all(b.moderated for b in judged)
    if not (ready and has_authority and can(me.user, Action.DECIDE, process)):
        return
    if not mine:
        declare_before.append("decide")
    elif may_take_part(mine)[0]:
        me.add(
            title=f"Take the decision on {process.specification.title}",
            url=reverse("decide", args=[process.pk]),
            action="Record the decision",
            detail=(
                "No proposals were submitted"
                if not judged
                else "Every proposal is moderated"
                if evaluated
                else f"{process.route_enum.label}: the deadline for proposals has passed"
            ),
        )


def _moderation(me: _Me, process, judged: list[_Bid], names: dict[int, str], url: str) -> None:
    user = me.user
    title = process.specification.title
    to_moderate = [b.proposal for b in judged if b.ready_to_moderate and not b.moderated]
    if len(to_moderate) == 1:
        me.add(
            can(user, Action.MODERATE_SCORES, process),
            can(user, Action.VIEW_PROPOSAL, to_moderate[0]),
            title=f"Moderate 1 proposal for {title}",
            url=reverse("moderate", args=[to_moderate[0].pk]),
            action="Record the moderated scores",
            detail=f"Every evaluator has scored the proposal from "
            f"{to_moderate[0].provider.display_name}",
        )
    elif to_moderate:
        me.add(
            can(user, Action.MODERATE_SCORES, process),
            may_open_evaluation(me.user, process),
            title=f"Moderate {len(to_moderate)} proposals for {title}",
            url=url,
            detail="Every evaluator has scored them",
        )
    unjudged = [b.proposal for b in judged if not b.eligible and not b.moderated]
    if unjudged:
        me.add(
            can(user, Action.MANAGE_SELECTION, process),
            title=f"Add an evaluator for {title}",
            url=reverse("selection", args=[process.pk]),
            action="Add an evaluator",
            detail="No evaluator may score the proposal from "
            + _names([p.provider.display_name for p in unjudged]),
        )
    awaited = sorted(
        {names[u] for b in judged if not b.moderated for u in b.awaiting if u != user.pk}
    )
    if awaited:
        me.add(
            may_open_evaluation(me.user, process),
            title=f"Scoring of the proposals for {title}",
            url=url,
            detail="Moderation follows once every evaluator has scored",
            waiting_on=f"Waiting for scores from {_names(awaited)}",
        )


# Decisions: the notice, representations and standstill, as the commissioner sees them.


def awards_standing(commissioner_ids):
    """Awards of these commissioners that stand (not withdrawn): what standstill, notices and
    contracts follow from, for the work queues of selection and contracts."""
    return Decision.objects.filter(
        outcome=Outcome.AWARD,
        process__status=SelectionProcess.Status.DECIDED,
        process__specification__commissioner_id__in=commissioner_ids,
    ).exclude(status=Decision.Status.WITHDRAWN)


def _decisions(me: _Me) -> None:
    user, today = me.user, me.today
    orgs = me.orgs(Role.COMMISSIONER, Role.CONTRACT_MANAGER)
    if not orgs:
        return
    decisions = (
        awards_standing(orgs)
        .select_related("process__specification__commissioner")
        .prefetch_related(
            Prefetch("representations", Representation.objects.select_related("provider")),
            Prefetch("awarded", queryset=Proposal.objects.select_related("provider")),
        )
    )
    for decision in decisions:
        spec = decision.process.specification
        title = spec.title
        url = reverse("decision", args=[decision.pk])
        commissioner = Role.COMMISSIONER in {
            r for r, o in me.at.items() if spec.commissioner_id in o
        }
        seen = can(user, Action.VIEW_DECISION, decision)
        state = state_of(decision, today)
        awarded = _names([p.provider.display_name for p in decision.awarded.all()] or ["no one"])
        if decision.status == Decision.Status.RECORDED and commissioner:
            standstill = decision.process.route_enum.needs_standstill
            me.add(
                seen,
                can(user, Action.PUBLISH_NOTICE, decision),
                title=(
                    f"Publish the notice of intention to award for {title}"
                    if standstill
                    else f"Publish the award notice for {title}"
                ),
                url=url,
                action="Publish the notice today",
                detail=(
                    f"Awarded to {awarded}; the standstill of 8 working days starts the day after"
                    if standstill
                    else f"Awarded to {awarded}; the contract may be made now"
                ),
                due=state.award_notice_due,
                due_label="Publish by",
            )
        representations = [
            r for r in decision.representations.all() if r.status == Representation.Status.OPEN
        ]
        for r in representations:
            me.add(
                seen,
                can(user, Action.RESPOND_TO_REPRESENTATION, r),
                title=f"Respond to the representation from {r.provider.display_name} about "
                f"the award for {title}",
                url=url,
                action="Send the response",
                detail=f"Received {_day(r.received_on)}; the standstill stays open until you "
                "respond",
            )
        if not state.needs_standstill or state.contract_may_be_made or not state.last_day:
            continue
        if state.held_open:
            if not commissioner:  # a commissioner has the representation to answer
                me.add(
                    seen,
                    title=f"Standstill on the award for {title}",
                    url=url,
                    detail=f"Awarded to {awarded}; a representation holds the standstill open",
                    waiting_on=f"Waiting for {spec.commissioner.display_name}'s response to a "
                    "representation",
                )
        elif today <= state.last_day:
            me.add(
                seen,
                title=f"Standstill on the award for {title}",
                url=url,
                detail=f"Awarded to {awarded}; the contract may be made from "
                f"{_day(state.last_day + dt.timedelta(days=1))}",
                due=state.last_day,
                due_label="Standstill ends",
                waiting_on="Waiting for the standstill to end",
            )


# Clinical advice.


def _advice_asked(me: _Me) -> None:
    if not me.at[Role.COMMISSIONER]:
        return
    for r in AdviceRequest.objects.filter(requested_by=me.user, advice__isnull=True).select_related(
        "specification", "organisation", "clinician"
    ):
        who = r.organisation.display_name
        if r.clinician is not None:
            who = f"{_person(r.clinician)} of {who}"
        me.add(
            can(me.user, Action.VIEW_ADVICE, r),
            title=f"Clinical advice on {r.specification.title}",
            url=reverse("advice-request", args=[r.pk]),
            detail=f"You asked on {_day(r.requested_at.date())}",
            due=r.due_date,
            waiting_on=f"Waiting for advice from {who}",
        )


def _advice_to_give(me: _Me) -> None:
    requests = (
        AdviceRequest.objects.filter(
            organisation_id__in=me.at[Role.CLINICAL_ADVISER], advice__isnull=True
        )
        .filter(Q(clinician__isnull=True) | Q(clinician=me.user))
        .select_related("specification__commissioner", "organisation")
    )
    for r in requests:
        me.add(
            can(me.user, Action.VIEW_ADVICE, r),
            can(me.user, Action.GIVE_ADVICE, r),
            title=f"Give advice on {r.specification.title}",
            url=reverse("advice-request", args=[r.pk]),
            action="Send your advice",
            detail=f"{r.specification.commissioner.display_name} asks "
            f"{r.organisation.display_name}",
            due=r.due_date,
        )


def _unsolicited(me: _Me) -> None:
    if not me.at[Role.COMMISSIONER]:
        return
    for p in Proposal.objects.filter(
        process__isnull=True,
        status=Proposal.Status.SUBMITTED,
        responded_at__isnull=True,
        addressed_to_id__in=me.at[Role.COMMISSIONER],
    ).select_related("provider", "addressed_to"):
        me.add(
            can(me.user, Action.VIEW_PROPOSAL, p),
            can(me.user, Action.RESPOND_TO_PROPOSAL, p),
            title=f"Respond to the proposal from {p.provider.display_name}: {p.title}",
            url=reverse("proposal", args=[p.pk]),
            action="Send the response",
            detail=f"An unsolicited proposal to {p.addressed_to.display_name}",
        )


# Providers: their proposals, and what became of them.


def _proposals(me: _Me) -> None:
    user, today = me.user, me.today
    proposals = list(
        Proposal.objects.filter(provider_id__in=me.at[Role.PROVIDER_REPRESENTATIVE])
        .exclude(status=Proposal.Status.WITHDRAWN)
        .select_related("process__specification__commissioner", "provider", "addressed_to")
    )
    in_selections = {
        p.process_id for p in proposals if p.process_id and p.status == Proposal.Status.SUBMITTED
    }
    decisions = {
        d.process_id: d
        for d in Decision.objects.filter(process_id__in=in_selections)
        .exclude(status=Decision.Status.WITHDRAWN)
        .select_related("process__specification__commissioner")
        .prefetch_related("representations", "awarded", "contracts")
    }
    for p in proposals:
        url = reverse("proposal", args=[p.pk])
        mine = can(user, Action.VIEW_PROPOSAL, p)
        provider = p.provider.display_name
        process = p.process
        if process is None:
            if p.status == Proposal.Status.DRAFT:
                me.add(
                    mine,
                    title=f"Submit your proposal to {p.addressed_to.display_name}: {p.title}",
                    url=url,
                    action="Submit the proposal",
                    detail=f"From {provider}; it is a draft until you submit it",
                )
            elif not p.responded_at:
                me.add(
                    mine,
                    title=f"Your proposal to {p.addressed_to.display_name}: {p.title}",
                    url=url,
                    detail=f"An unsolicited proposal from {provider}",
                    waiting_on=f"Waiting for {p.addressed_to.display_name}'s response",
                )
            continue
        spec = process.specification
        commissioner = spec.commissioner.display_name
        deadline = process.proposals_deadline
        open_ = process.status == SelectionProcess.Status.INVITING and bool(
            deadline and today <= deadline
        )
        if p.status == Proposal.Status.DRAFT:
            if open_:
                me.add(
                    mine,
                    can(user, Action.SUBMIT_PROPOSAL, p),
                    title=f"Submit your proposal for {spec.title}",
                    url=url,
                    action="Submit the proposal",
                    detail=f"From {provider} to {commissioner}; it is a draft until you submit it",
                    due=deadline,
                    due_label="Proposals close",
                )
            continue
        decision = decisions.get(process.pk)
        if decision is None:
            if process.status == SelectionProcess.Status.INVITING:
                me.add(
                    mine,
                    title=f"Your proposal for {spec.title}",
                    url=url,
                    detail=f"From {provider}, submitted {_day(p.submitted_at.date())}"
                    if p.submitted_at
                    else f"From {provider}",
                    waiting_on=f"Waiting for {commissioner}'s decision",
                )
            continue
        _outcome(me, p, decision)


def _outcome(me: _Me, proposal: Proposal, decision: Decision) -> None:
    """What became of a bidder's proposal, while there is something to do or wait for."""
    user, today = me.user, me.today
    spec = decision.process.specification
    title, commissioner = spec.title, spec.commissioner.display_name
    provider = proposal.provider.display_name
    url = reverse("decision", args=[decision.pk])
    if decision.outcome != Outcome.AWARD:
        if today <= decision.decided_on + RECENT_DECISION:
            me.add(
                can(user, Action.VIEW_DECISION, decision),
                title=f"Read the decision on {title}: "
                + (
                    "no contract is awarded"
                    if decision.outcome == Outcome.NOT_AWARD
                    else "the specification is to change"
                ),
                url=url,
                detail=f"Decided by {commissioner} on {_day(decision.decided_on)}",
            )
        return
    state = state_of(decision, today)
    notice_awaited = state.needs_standstill and state.notice_published_on is None
    if any(a.pk == proposal.pk for a in decision.awarded.all()):
        if any(c.proposal_id == proposal.pk for c in decision.contracts.all()):
            return  # the contract's signature is the contracts app's to show
        item: dict[str, object] = dict(
            title=f"Awarded: your proposal for {title}",
            url=url,
            detail=f"From {provider}; decided by {commissioner} on {_day(decision.decided_on)}",
        )
        if notice_awaited:
            waiting = f"Waiting for {commissioner} to publish the notice of intention to award"
        elif state.held_open:
            waiting = f"Waiting for {commissioner} to review its decision after a representation"
        elif not state.contract_may_be_made and state.last_day:
            waiting = f"Waiting for {commissioner} to make the contract once the standstill ends"
            item.update(due=state.last_day, due_label="Standstill ends")
        else:
            waiting = f"Waiting for {commissioner} to make the contract"
        me.add(can(user, Action.VIEW_DECISION, decision), waiting_on=waiting, **item)
        return
    not_awarded = f"Not awarded: your proposal for {title}"
    if any(
        r.provider_id == proposal.provider_id and r.status == Representation.Status.OPEN
        for r in decision.representations.all()
    ):
        me.add(
            can(user, Action.VIEW_DECISION, decision),
            title=not_awarded,
            url=url,
            detail=f"From {provider}; you made a representation about the award",
            waiting_on=f"Waiting for {commissioner}'s response to your representation",
        )
    elif notice_awaited:
        me.add(
            can(user, Action.VIEW_DECISION, decision),
            title=not_awarded,
            url=url,
            detail=f"From {provider}; you may make a representation during the standstill",
            waiting_on=f"Waiting for {commissioner} to publish the notice of intention to award",
        )
    elif representation_window_open(state, today):
        assert state.last_day is not None  # the window is open only with a last day
        me.add(
            can(user, Action.VIEW_DECISION, decision),
            can(user, Action.MAKE_REPRESENTATION, decision),
            title=f"Make any representation about the award for {title}",
            url=url,
            action="Send the representation",
            detail=f"Your proposal from {provider} is not awarded; representations close when "
            "the standstill ends",
            due=state.last_day,
            due_label="Standstill ends",
        )


def _invitations(me: _Me) -> None:
    """One line for every service inviting proposals that the person's providers have not
    answered (the opportunities page lists them)."""
    found = (
        SelectionProcess.objects.filter(
            status=SelectionProcess.Status.INVITING, proposals_deadline__gte=me.today
        )
        .exclude(proposals__provider_id__in=me.at[Role.PROVIDER_REPRESENTATIVE])
        .aggregate(n=Count("pk", distinct=True), first=Min("proposals_deadline"))
    )
    if found["n"]:
        me.add(
            can(me.user, Action.SUBMIT_PROPOSAL),
            title=f"{_n(found['n'], 'service is', 'services are')} inviting proposals",
            url=reverse("opportunities"),
            detail="Opportunities your organisation has not yet answered",
            due=found["first"],
            due_label="Proposals close",
        )
