from commissioning.organisations.permissions import Action, can, roles_of


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_roles": []}
    roles = roles_of(user)
    return {
        "nav_roles": sorted(r.label for r in roles),
        "can_view_audit": can(user, Action.VIEW_AUDIT_LOG),
        "is_admin": user.is_staff,
    }
