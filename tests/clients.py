"""Test clients: the API as a given user, the admin as a logged-in staff member, and the POST
data of a rendered admin form."""

from django import forms
from django.test import Client
from rest_framework.test import APIClient


def client_for(user) -> APIClient:
    """An API client authenticated as `user`."""
    client = APIClient()
    client.force_authenticate(user=user)
    return client


def staff_client(user) -> Client:
    """A test client logged in as `user`, who is made staff so the admin lets them in."""
    if not user.is_staff:
        user.is_staff = True
        user.save(update_fields=["is_staff"])
    client = Client()
    client.force_login(user)
    return client


def _posted_values(form: forms.BaseForm) -> dict:
    data: dict = {}
    for bound in form:
        if bound.field.disabled:
            continue
        value = bound.value()
        widget = bound.field.widget
        if isinstance(widget, forms.MultiWidget):
            parts = value if isinstance(value, list) else widget.decompress(value)
            for index, part in enumerate(parts):
                data[f"{bound.html_name}_{index}"] = "" if part is None else str(part)
        elif isinstance(bound.field, forms.BooleanField):
            if value:
                data[bound.html_name] = "on"
        elif isinstance(value, list | tuple):
            data[bound.html_name] = [str(item) for item in value]
        else:
            data[bound.html_name] = "" if value is None else value
    return data


def form_data(response, **changes) -> dict:
    """What a browser would post back from an admin add/change page, with `changes` applied.

    Fields the page shows read-only are not in the form, so they are not posted, just as a
    browser would not post them; a forged POST is built by passing them in `changes`.
    """
    data = _posted_values(response.context["adminform"].form)
    for inline in response.context.get("inline_admin_formsets", []):
        formset = inline.formset
        data.update(_posted_values(formset.management_form))
        for form in formset.forms:
            data.update(_posted_values(form))
    data.update(changes)
    return {name: value for name, value in data.items() if value is not None}
