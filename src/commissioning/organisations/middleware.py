"""A signed-in person's memberships, read once a request before any view or permission check
(every check reads their roles from them): see ``permissions.load_memberships``."""

from .permissions import load_memberships


class MembershipsMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and not request.path.startswith("/static/"):
            load_memberships(user)
        return None
