"""{% inquiry_form obj %}: the inquiry form with obj (listing, land parcel, park or
article) attached. Placeholder until the leads issue lands: a link to the general
inquiry page."""

from django import template

register = template.Library()


@register.inclusion_tag("leads/includes/inquiry_form.html", takes_context=True)
def inquiry_form(context, obj=None, **extra):
    return {"request": context.get("request"), "object": obj}
