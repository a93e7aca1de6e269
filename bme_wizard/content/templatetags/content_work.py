from django import template

from bme_wizard.content.selectors import work_queue as work_queue_for

register = template.Library()


@register.simple_tag(takes_context=True)
def work_queue(context):
    """What awaits the signed-in editor (``selectors.work_queue``), for the admin's home page."""
    return work_queue_for(user=context["request"].user)
