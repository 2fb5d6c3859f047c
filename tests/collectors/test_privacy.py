"""Secrets in command lines are masked; ordinary arguments are left alone."""

from __future__ import annotations

import pytest

from collectors.privacy import mask_arguments


@pytest.mark.parametrize(
    ("arguments", "expected"),
    [
        (["app", "--password=hunter2"], ["app", "--password=***"]),
        (["app", "--password", "hunter2", "-v"], ["app", "--password", "***", "-v"]),
        (["app", "--client-secret", "s3"], ["app", "--client-secret", "***"]),
        (["app", "token=abc123"], ["app", "token=***"]),
        (["app", "--api-key=k", "--apikey:k2"], ["app", "--api-key=***", "--apikey:***"]),
        (["env", "PGPASSWORD=pw", "psql"], ["env", "PGPASSWORD=***", "psql"]),
        (["psql", "postgresql://bob:pw@db:5432/x"], ["psql", "postgresql://bob:***@db:5432/x"]),
        (
            ["curl", "https://h/x?a=1&access_token=zz&b=2"],
            ["curl", "https://h/x?a=1&access_token=***&b=2"],
        ),
        (["redis-cli", "--auth", "pw"], ["redis-cli", "--auth", "***"]),
        (["ls", "-la", "/home/user/passwords"], ["ls", "-la", "/home/user/passwords"]),
        (["python", "-m", "http.server", "8000"], ["python", "-m", "http.server", "8000"]),
        (["git", "clone", "https://github.com/a/b"], ["git", "clone", "https://github.com/a/b"]),
    ],
)
def test_masking(arguments: list[str], expected: list[str]) -> None:
    assert mask_arguments(arguments) == expected
