"""The sample workers of Tutti's bundled workflows, as sandbox users."""

from __future__ import annotations

from sandbox.state import User

_JOURNALISM = [
    ("UJEDITOR01", "journalism-editor", "Jo Editor"),
    ("UJREPORT01", "journalism-reporter-1", "Riley Reporter"),
    ("UJREPORT02", "journalism-reporter-2", "Robin Reporter"),
    ("UJPHOTO001", "journalism-photographer-1", "Pat Photographer"),
    ("UJPHOTO002", "journalism-photographer-2", "Phil Photographer"),
    ("UJCOPYED01", "journalism-copy-editor", "Casey Copyeditor"),
]


def sample_users() -> list[User]:
    """Fresh User objects for the demo and journalism sample workers."""
    users = [User(id="UDEMO00001", name="demo", real_name="Demo User", email="noreply-simple1@example.org")]
    for number, (user_id, name, real_name) in enumerate(_JOURNALISM, start=1):
        users.append(
            User(id=user_id, name=name, real_name=real_name, email=f"noreply-journalism{number}@example.org")
        )
    return users
