"""A signed-in person's memberships, read once a request before any view or permission check
(every check reads their roles from them): see ``permissions.load_memberships``."""

from django.utils.deprecation import MiddlewareMixin

from .permissions import load_memberships


class MembershipsMiddleware(MiddlewareMixin):
    def process_view(self, request, view_func, view_args, view_kwargs):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and not request.path.startswith("/static/"):
            load_memberships(user)
        return None
