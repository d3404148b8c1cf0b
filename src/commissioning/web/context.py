"""The site's context for every page: who is signed in, in what roles, and the menu the apps
registered (``commissioning.ui.navigation``)."""

from commissioning.organisations.permissions import roles_of
from commissioning.ui.navigation import links_for


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_roles": [], "navigation": []}
    return {
        "nav_roles": sorted(r.label for r in roles_of(user)),
        "navigation": links_for(user),
    }
