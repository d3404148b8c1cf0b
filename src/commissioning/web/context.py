"""The site's context for every page: who is signed in, in what roles, and the menu the apps
registered (``commissioning.ui.navigation``). Both are kept until the data change (a role given
or ended, a record linked) or the day does (a membership's dates): ``audit.stored``."""

from commissioning import clock
from commissioning.audit.stored import stored
from commissioning.organisations.permissions import roles_of
from commissioning.ui.navigation import links_for


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_roles": [], "navigation": []}
    roles, links = stored(
        "navigation",
        lambda: (sorted(r.label for r in roles_of(user)), links_for(user)),
        user.pk,
        clock.today(),
    )
    return {"nav_roles": roles, "navigation": links}
