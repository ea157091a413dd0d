"""`kaiku portal` (also `kaiku-portal`): the roles it offers are the portal's own (domain/staff.py)."""

from __future__ import annotations

import pytest
from kaiku_portal.domain.staff import PORTAL_ROLES
from kaiku_portal.entrypoints.cli import PortalRole, app
from typer.testing import CliRunner

pytestmark = pytest.mark.unit


def test_the_offered_roles_are_the_portals_roles() -> None:
    assert [role.value for role in PortalRole] == [role.value for role in PORTAL_ROLES]


def test_password_from_stdin_and_no_password_exclude_each_other() -> None:
    done = CliRunner().invoke(
        app, ["add-user", "--username", "maija", "--role", "national", "--password-stdin", "--no-password"]
    )
    assert done.exit_code == 2
    assert "not both" in done.output
