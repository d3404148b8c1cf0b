"""``{% your_jobs %}``: the signed-in person's unfinished jobs, for the home page (one query)."""

from __future__ import annotations

from django import template

from commissioning.jobs.queries import running_for

register = template.Library()


@register.inclusion_tag("jobs/_yours.html", takes_context=True)
def your_jobs(context):
    return {"jobs": running_for(context["request"].user)}
