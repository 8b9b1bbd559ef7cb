"""Signing staff in for tests: with the second factor given, as after the verification step.

``verified_login`` is ``force_login`` plus a verified second factor (a confirmed authenticator is
created when the user has none), for the tests that cover every page as every role. A test about
the second factor itself signs in with plain ``force_login`` and then sees the verification step.
``totp_code`` is the code an authenticator app would show for the user's stored secret.
"""

from __future__ import annotations

import time
from typing import Any

from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from oms.second_factor import SESSION_ENROLLED, must_use_second_factor


def authenticator_for(user: Any) -> TOTPDevice:
    """The user's confirmed authenticator, created if they have none."""
    return TOTPDevice.objects.filter(user=user, confirmed=True).first() or TOTPDevice.objects.create(
        user=user, name="Authenticator app", confirmed=True
    )


def verified_login(client: Client, user: Any) -> Client:
    """Signed in as ``user``, with the second factor given in this session."""
    client.force_login(user)  # login() trips django-axes (STACK-NOTES.md)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = authenticator_for(user).persistent_id
    session[SESSION_ENROLLED] = True
    session.save()
    return client


def login_as(client: Client, user: Any) -> Client:
    """Signed in as ``user`` and ready to work: verified when their role must give a second factor
    (managers, admins); support and warehouse staff without one, as most of them work."""
    if must_use_second_factor(user):
        return verified_login(client, user)
    client.force_login(user)
    return client


def totp_code(device: TOTPDevice) -> str:
    """The code the app shows now for ``device``'s secret; the next one when the current one was
    used already (a code is accepted once; the device accepts one step ahead)."""
    device.refresh_from_db()
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time()
    if totp.t() <= device.last_t:
        totp.time += device.step * (device.last_t + 1 - totp.t())
    return f"{totp.token():0{device.digits}d}"
