"""Sign-in is required on every page except those marked public (sign-in, about the data).

The JSON API authenticates its own requests (bearer token or session) and answers 401 rather
than redirecting, so it is left to the API; static files are public.
"""

from django.contrib.auth.middleware import LoginRequiredMiddleware as DjangoLoginRequired


class LoginRequiredMiddleware(DjangoLoginRequired):
    exempt_prefixes = ("/api/", "/static/")

    def process_view(self, request, view_func, view_args, view_kwargs):
        if request.path.startswith(self.exempt_prefixes):
            return None
        return super().process_view(request, view_func, view_args, view_kwargs)
