"""`{% figure f %}`: one number of the dashboard and its drill-down (a reports.Figure).

A tag rather than an included template: the dashboard shows ~300 figures, and each include
resolved a dozen variables through the template language. Rendering them here cut the page's
render by about a fifth (README, "Performance"). The link lists exactly the agreements behind the
number (data-agreements says how many; data-counts what the number itself counts: agreements,
milestones, changes). Zero has nothing to list, so no link."""
from django import template
from django.template.base import render_value_in_context
from django.template.defaultfilters import floatformat
from django.utils.html import format_html
from django.utils.translation import ngettext

register = template.Library()


@register.simple_tag(takes_context=True)
def figure(context, figure) -> str:
    shown = floatformat(figure.count, "0g")
    if not figure.linked:
        return format_html('<span class="zero">{}</span>', shown)
    agreements = render_value_in_context(figure.agreements, context)
    title = ""
    if figure.counts != "agreements":
        title = format_html(' title="{}"', ngettext("Opens the %(n)s agreement concerned", "Opens the %(n)s agreements concerned",
                                                    figure.agreements) % {"n": agreements})
    return format_html('<a class="drill" href="{}?{}" data-agreements="{}" data-counts="{}"{}>{}</a>',
                       context.get("list_url", ""), figure.query, agreements, figure.counts, title, shown)
