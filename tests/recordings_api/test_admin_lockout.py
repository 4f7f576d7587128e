"""The admin login locks out password guessing, and the documented command unlocks it."""

from __future__ import annotations

from typing import Any

from django.core.management import call_command
from django.test import Client

from recordings_api.models import User


def _login(client: Client, password: str, **extra: Any) -> Any:
    return client.post(
        "/admin/login/?next=/admin/",
        {"username": "alice@example.com", "password": password},
        **extra,
    )


def _staff_owner(owner: User) -> User:
    owner.is_staff = True
    owner.is_superuser = True
    owner.save()
    return owner


def test_wrong_passwords_lock_the_account_out_with_429(owner: User) -> None:
    _staff_owner(owner)
    client = Client()
    wrong = [_login(client, "wrong").status_code for _ in range(5)]
    assert wrong == [200, 200, 200, 200, 429]

    locked = _login(client, "pw")
    assert locked.status_code == 429
    assert "_auth_user_id" not in client.session
    # Another address guessing the same account is locked out as well.
    assert _login(Client(), "pw", REMOTE_ADDR="10.1.1.1").status_code == 429


def test_the_unlock_command_lets_the_user_in_again(owner: User) -> None:
    _staff_owner(owner)
    client = Client()
    for _ in range(5):
        _login(client, "wrong")
    assert _login(client, "pw").status_code == 429

    call_command("axes_reset_username", "alice@example.com")
    call_command("axes_reset_ip", "127.0.0.1")

    response = _login(client, "pw")
    assert (response.status_code, response["Location"]) == (302, "/admin/")


def test_a_success_clears_earlier_failures(owner: User) -> None:
    _staff_owner(owner)
    client = Client()
    for _ in range(3):
        _login(client, "wrong")
    assert _login(client, "pw").status_code == 302
    client.logout()
    assert [_login(client, "wrong").status_code for _ in range(4)] == [200] * 4
