"""``{% shmi_run %}``: on the mortality page, the SHMI run under way (linked to its job's page
for those who may follow it), or the button that starts one for those who may."""

from __future__ import annotations

from django import template

from commissioning.jobs.models import Job
from commissioning.quality.permissions import Action, can
from commissioning.quality.services import SHMI
from commissioning.ui.links import href_for

register = template.Library()


@register.inclusion_tag("quality/_shmi_run.html", takes_context=True)
def shmi_run(context):
    user = context["request"].user
    job = Job.objects.filter(kind=SHMI, state__in=Job.ACTIVE).first()
    return {
        "job": job,
        "job_url": href_for(user, "job", job) if job else "",
        "can_run": can(user, Action.LOAD_MORTALITY),
        "csrf_token": context.get("csrf_token"),
    }
