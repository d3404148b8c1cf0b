"""WSGI entry point. Django runs no system checks here, so in production mode the checks that
refuse an unsafe configuration (a missing or public secret key, DEBUG on) are run first."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "commissioning.config.settings")
application = get_wsgi_application()

from commissioning.config.security import refuse_to_start_unless_checks_pass  # noqa: E402

refuse_to_start_unless_checks_pass()
