"""Each source of an OS version counts: the one with the most components that agrees with
the anchor (os-release VERSION_ID, else lsb_release's release) wins."""

from __future__ import annotations

import pytest
from facts_samples import absent, context, ok

from checks.system.os_release import OsIdentity, identify


@pytest.mark.parametrize(("release", "lsb", "version"), [
    ({"ID": "debian", "VERSION_ID": "12", "VERSION": "12.7 (bookworm)"}, None, "12.7"),
    ({"ID": "debian", "VERSION_ID": "12", "PRETTY_NAME": "Debian 12.7"}, None, "12.7"),
    ({"ID": "debian", "VERSION_ID": "12"}, {"release": "12.4"}, "12.4"),
    ({"ID": "debian", "VERSION_ID": "12"}, {"description": "Debian 12.5"}, "12.5"),
    # lsb_release's release is the anchor without VERSION_ID: a disagreeing description loses
    (None, {"distributor_id": "Debian", "description": "Debian 11.9", "release": "12"}, "12"),
])
def test_version_sources(release: dict[str, str] | None, lsb: dict[str, str] | None,
                         version: str) -> None:
    facts = [ok("os.release", release) if release else absent("os.release"),
             ok("os.lsb", lsb) if lsb else absent("os.lsb"), absent("os.version_files")]
    found = identify(context(facts))
    assert isinstance(found, OsIdentity), found
    assert found.version == version
