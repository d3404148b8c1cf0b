"""``{% account_link account "text" %}``: the one way a page links to a ledger account. The
text is a link only for someone the ledger's policy lets read that account (so nobody is
shown a link they may not follow); for anyone else it is plain text."""

from django import template
from django.urls import reverse
from django.utils.html import format_html

from commissioning.ledger.permissions import Action, can

register = template.Library()


@register.simple_tag(takes_context=True)
def account_link(context, account, text):
    request = context.get("request")
    user = getattr(request, "user", None)
    if account is not None and user is not None and can(user, Action.VIEW_LEDGER, account):
        return format_html(
            '<a href="{}">{}</a>', reverse("ledger-account", args=[account.code]), text
        )
    return format_html("{}", text)
