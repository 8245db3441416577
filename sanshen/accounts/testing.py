"""Test helpers for every app's tests.

Supervisors, site administrators and superusers must pass a second factor (under the default
settings), so `client.force_login(user)` alone leaves them on the enrolment page. Use
`login(client, user)` instead: it signs the user in and, when the policy needs it, gives them a
confirmed authenticator and marks the session as verified, as a real sign-in would.
"""

from __future__ import annotations

from django_otp import DEVICE_ID_SESSION_KEY

from . import services


def verified_device(user):
    """A confirmed authenticator for `user` (created if it has none)."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    return device or TOTPDevice.objects.create(user=user, name=services.TOTP_NAME, confirmed=True)


def login(client, user, *, second_factor: bool | None = None):
    """Sign `user` in on a Django test `client`; with a verified second factor when the policy
    requires one or the user has one (or when `second_factor` says so). Returns the client."""
    client.force_login(user)
    if second_factor is None:
        second_factor = services.two_factor_required(user) or services.user_has_any_device(user)
    if second_factor:
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = verified_device(user).persistent_id
        session.save()
    return client


def totp_token(device, steps_ahead: int = 0) -> str:
    """The code an authenticator app shows for `device` now (or `steps_ahead` periods later;
    a code already used is refused, so a second sign-in in the same period needs the next one)."""
    from django_otp.oath import totp

    code = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=steps_ahead)
    return f"{code:0{device.digits}d}"
