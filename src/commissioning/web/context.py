from commissioning.collaboration.permissions import Action as TogetherAction
from commissioning.collaboration.permissions import can as can_together
from commissioning.contracts.permissions import Action as ContractAction
from commissioning.contracts.permissions import can as can_contract
from commissioning.market.permissions import Action as MarketAction
from commissioning.market.permissions import can as can_market
from commissioning.organisations.permissions import Action, can, roles_of
from commissioning.quality.permissions import Action as QualityAction
from commissioning.quality.permissions import can as can_quality
from commissioning.selection.permissions import Action as SelectionAction
from commissioning.selection.permissions import can as can_select
from commissioning.specialised.permissions import Action as SpecialisedAction
from commissioning.specialised.permissions import can as can_specialised
from commissioning.specifications.permissions import Action as SpecAction
from commissioning.specifications.permissions import can as can_spec


def budgets_link(user) -> str | None:
    """ "My budget" for a holder, representative or nominee; "PHBs" for a care coordinator
    or an auditor (who see records); nothing for the rest."""
    from commissioning.organisations.vocabulary import Role
    from commissioning.personal_budgets.models import Person

    if (
        Person.objects.filter(holder=user).exists()
        or Person.objects.filter(representative=user).exists()
        or Person.objects.filter(nominee=user).exists()
    ):
        return "My budget"
    if roles_of(user) & {Role.CARE_COORDINATOR}:
        return "PHBs"
    return None


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_roles": []}
    roles = roles_of(user)
    return {
        "nav_roles": sorted(r.label for r in roles),
        "can_view_audit": can(user, Action.VIEW_AUDIT_LOG),
        "can_view_specifications": can_spec(user, SpecAction.VIEW_SPECIFICATION),
        "can_give_advice": can_select(user, SelectionAction.GIVE_ADVICE),
        "can_propose": can_select(user, SelectionAction.SUBMIT_PROPOSAL),
        "can_view_contracts": can_contract(user, ContractAction.VIEW_CONTRACT),
        "can_view_quality": can_quality(user, QualityAction.VIEW_QUALITY),
        "can_view_market": can_market(user, MarketAction.VIEW_MARKET),
        "can_view_together": can_together(user, TogetherAction.VIEW_COLLABORATION),
        "can_view_specialised": can_specialised(user, SpecialisedAction.VIEW_FINANCE),
        "budgets_link": budgets_link(user),
        "is_admin": user.is_staff,
    }
