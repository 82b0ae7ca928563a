"""Two-factor sign-in (TOTP, django-otp) for staff and managers.

After the password, a user who must use a second factor either enrols an authenticator app
(scan the QR code, confirm one code) or, once enrolled, types the current code. Codes are
checked by django-otp, which throttles repeated failures.
"""
from __future__ import annotations

import base64
from urllib.parse import urlencode

import qrcode
import qrcode.image.svg
from django import forms
from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _, gettext_lazy
from django.views.decorators.http import require_http_methods
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from tracker.edge.security import client_ip, log


class TokenForm(forms.Form):
    token = forms.CharField(label=gettext_lazy("Six-digit code"), max_length=8, min_length=6,
                            widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric",
                                                          "autofocus": True}))


def _next_url(request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or "/"
    return target if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}) else "/"


def qr_data_uri(text: str) -> str:
    image = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage, box_size=8, border=2)
    return "data:image/svg+xml;base64," + base64.b64encode(image.to_string()).decode()


@require_http_methods(["GET", "POST"])
def verify(request):
    device = TOTPDevice.objects.filter(user=request.user, confirmed=True).first()
    if device is None:
        return redirect(f"{reverse('two-factor-setup')}?{urlencode({'next': _next_url(request)})}")
    form = TokenForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        if not device.verify_is_allowed()[0]:
            form.add_error("token", _("Too many wrong codes in a row. Wait a little, then try the current code."))
        elif device.verify_token(form.cleaned_data["token"].strip()):
            otp_login(request, device)
            return redirect(_next_url(request))
        else:
            log.warning("two-factor code refused user=%s ip=%s", request.user.username, client_ip(request))
            form.add_error("token", _("That code is not valid. Wait for the next code and try again."))
    return render(request, "registration/two_factor_verify.html", {"form": form, "next": _next_url(request)})


@require_http_methods(["GET", "POST"])
def setup(request):
    if TOTPDevice.objects.filter(user=request.user, confirmed=True).exists():
        return redirect("two-factor-verify")
    device, _created = TOTPDevice.objects.get_or_create(
        user=request.user, confirmed=False, defaults={"name": "Authenticator app"})
    form = TokenForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        if device.verify_token(form.cleaned_data["token"].strip()):
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            otp_login(request, device)
            messages.success(request, _("Two-factor sign-in is set up."))
            return redirect(_next_url(request))
        form.add_error("token", _("That code is not valid. Check the time on your phone and try again."))
    secret = base64.b32encode(device.bin_key).decode()
    return render(request, "registration/two_factor_setup.html", {
        "form": form, "qr": qr_data_uri(device.config_url), "secret": secret, "next": _next_url(request)})
