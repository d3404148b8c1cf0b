"""What waits for a person in contracts: this app's part of the home page's work queue
(``ui.worklist``, registered in ``ContractsConfig.ready``).

- The co-ordinating commissioner's commissioners and contract managers: an award whose contract
  may now be made (``selection.rules.award``: the standstill is over with no open
  representation, or the process needs none), linked to the page that makes it.
- Whoever signs for a side (``permissions.signing_side``): a contract awaiting their side's
  signature; once they have signed, the other side's signature they wait for. The
  co-ordinating commissioner's contract managers, who cannot sign, wait for both.
- An associate commissioner's commissioners: a proposed variation their organisation has not
  approved; the co-ordinating commissioner's: a variation to sign once the provider has agreed
  and every associate has approved, or the agreement and approvals it waits for.
- The provider's representatives: a proposed variation to their contract waiting for the
  provider's agreement (General Condition 13), linked to the page where they agree or decline.

Signing and approving are forms posted from the contract's page, so those items link to that
page, which the person may open (``can(VIEW_CONTRACT)``, as the page asks). Memberships are
read once; the rest in a fixed number of queries.
"""

from __future__ import annotations

from collections import defaultdict

from django.db.models import Prefetch, Q
from django.urls import reverse

from commissioning import clock
from commissioning.organisations.models import User
from commissioning.organisations.permissions import SystemActor, current_memberships, roles_of
from commissioning.organisations.vocabulary import Role
from commissioning.selection.models import Proposal
from commissioning.selection.queries.waiting import awards_standing
from commissioning.selection.services import state_of
from commissioning.ui.worklist import Item

from ..models import Contract, ContractParty, ContractVariation
from ..permissions import MAKERS, Action, associate_represented, can, signing_side

_ROLES = MAKERS | {Role.PROVIDER_REPRESENTATIVE}


def _names(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def waiting_for(user) -> list[Item]:
    """What waits for ``user`` in contracts, and what they wait for."""
    if isinstance(user, SystemActor) or not roles_of(user) & _ROLES:
        return []
    me = User.objects.prefetch_related("memberships").get(pk=user.pk)
    at: dict[Role, set[int]] = defaultdict(set)
    for m in current_memberships(me):
        at[Role(m.role)].add(m.organisation_id)
    items: list[Item] = []
    makers = at[Role.COMMISSIONER] | at[Role.CONTRACT_MANAGER]
    if makers:
        items += _to_make(me, makers)
    if makers or at[Role.PROVIDER_REPRESENTATIVE]:
        items += _to_sign(me, makers, at[Role.PROVIDER_REPRESENTATIVE])
    if at[Role.COMMISSIONER]:
        items += _variations(me, at[Role.COMMISSIONER])
    if at[Role.PROVIDER_REPRESENTATIVE]:
        items += _to_answer(me, at[Role.PROVIDER_REPRESENTATIVE])
    return items


def _to_make(me, makers: set[int]) -> list[Item]:
    today = clock.today()
    decisions = (
        awards_standing(makers)
        .select_related("process__specification")
        .prefetch_related(
            "representations",
            "contracts",
            Prefetch("awarded", queryset=Proposal.objects.select_related("provider")),
        )
    )
    items = []
    for decision in decisions:
        made = {c.proposal_id for c in decision.contracts.all()}
        missing = [p for p in decision.awarded.all() if p.pk not in made]
        if not missing or not can(me, Action.CREATE_CONTRACT, decision):
            continue
        state = state_of(decision, today)
        if not state.contract_may_be_made:
            continue
        title = decision.process.specification.title
        items.append(
            Item(
                title=(
                    f"Make the contract for {title} with {missing[0].provider.display_name}"
                    if len(missing) == 1
                    else f"Make {len(missing)} contracts for {title}"
                ),
                url=reverse("contract-new", args=[decision.pk]),
                action="Make the contract",
                detail=f"Awarded on {decision.decided_on:%-d %B %Y}; "
                + (
                    "the standstill is over"
                    if state.needs_standstill
                    else f"{decision.process.route_enum.label} needs no standstill"
                ),
            )
        )
    return items


def _parties(contract) -> tuple[ContractParty | None, list[ContractParty]]:
    parties = list(contract.parties.all())
    co = next((p for p in parties if p.role == ContractParty.CO), None)
    return co, [p for p in parties if p.role == ContractParty.ASSOCIATE]


def _to_sign(me, makers: set[int], providers: set[int]) -> list[Item]:
    contracts = (
        Contract.objects.filter(status=Contract.Status.AWAITING_SIGNATURES)
        .filter(
            Q(provider_id__in=providers)
            | Q(parties__role=ContractParty.CO, parties__organisation_id__in=makers)
        )
        .distinct()
        .select_related("specification", "provider")
        .prefetch_related("parties__organisation")
    )
    items = []
    for contract in contracts:
        if not can(me, Action.VIEW_CONTRACT, contract):
            continue
        co, _ = _parties(contract)
        co_name = co.organisation.display_name if co else "the commissioner"
        provider = contract.provider.display_name
        title = contract.specification.title
        url = reverse("contract", args=[contract.pk])
        detail = f"Contract {contract.reference} between {co_name} and {provider}"
        unsigned = {}  # the sides still to sign, by name
        if contract.provider_signed_by_id is None:
            unsigned["provider"] = provider
        if contract.commissioner_signed_by_id is None:
            unsigned["commissioner"] = co_name
        side = signing_side(me, contract)
        if side in unsigned and can(me, Action.SIGN_CONTRACT, contract):
            items.append(
                Item(f"Sign the contract for {title}", url, detail, action="Sign the contract")
            )
            continue
        others = [name for s, name in unsigned.items() if s != side]
        if others:
            items.append(
                Item(
                    f"Signatures on the contract for {title}",
                    url,
                    detail,
                    waiting_on=f"Waiting for {_names(others)} to sign",
                )
            )
    return items


def _variations(me, commissioner_at: set[int]) -> list[Item]:
    variations = (
        ContractVariation.objects.filter(
            status=ContractVariation.Status.PROPOSED,
            contract__parties__organisation_id__in=commissioner_at,
        )
        .distinct()
        .select_related("contract__specification", "contract__provider")
        .prefetch_related("contract__parties__organisation", "approvals")
    )
    items = []
    for v in variations:
        contract = v.contract
        if not can(me, Action.VIEW_CONTRACT, contract):
            continue
        title = contract.specification.title
        url = reverse("contract", args=[contract.pk])
        detail = f"Contract {contract.reference} with {contract.provider.display_name}"
        approved = {a.organisation_id for a in v.approvals.all()}
        mine = associate_represented(me, contract)
        if (
            mine is not None
            and mine not in approved
            and can(me, Action.APPROVE_VARIATION, contract)
        ):
            items.append(
                Item(
                    f"Approve variation {v.number} to the contract for {title}",
                    url,
                    detail,
                    action="Approve for your organisation",
                )
            )
        if can(me, Action.SIGN_VARIATION, contract):
            if waiting := v.waiting_words():
                items.append(
                    Item(
                        f"Variation {v.number} to the contract for {title}",
                        url,
                        detail,
                        waiting_on=waiting,
                    )
                )
            else:
                items.append(
                    Item(
                        f"Sign variation {v.number} to the contract for {title}",
                        url,
                        "The provider has agreed to it"
                        + (", and every associate commissioner approved it" if approved else ""),
                        action=f"Sign variation {v.number}",
                    )
                )
    return items


def _to_answer(me, providers: set[int]) -> list[Item]:
    """Variations proposed to a contract of the provider the person represents, waiting for
    its agreement (General Condition 13), linked to the page that takes the answer."""
    variations = (
        ContractVariation.objects.filter(
            status=ContractVariation.Status.PROPOSED,
            provider_agreed__isnull=True,
            contract__provider_id__in=providers,
        )
        .select_related("contract__specification", "contract__provider")
        .prefetch_related("contract__parties__organisation")
    )
    items = []
    for v in variations:
        contract = v.contract
        if not (
            can(me, Action.VIEW_CONTRACT, contract) and can(me, Action.ANSWER_VARIATION, contract)
        ):
            continue
        co, _ = _parties(contract)
        by = co.organisation.display_name if co else "the commissioners"
        items.append(
            Item(
                f"Agree or decline variation {v.number} to the contract for "
                f"{contract.specification.title}",
                reverse("variation-answer", args=[contract.pk, v.number]),
                f"Contract {contract.reference}; proposed by {by} on {v.proposed_at:%-d %B %Y}",
                action="Send the provider's answer",
            )
        )
    return items
