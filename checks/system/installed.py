"""A server product as found on a host: its version and where that version was read."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Installed:
    """A server (Apache, nginx) as found on a host."""

    version: str  # upstream version, e.g. "2.4.62"
    source: str  # "apache2 -v", "package nginx"
    server_version: str = ""
    packages: dict[str, str] = field(default_factory=dict)

    def as_evidence(self) -> dict[str, object]:
        """The installation for a finding."""
        return {"version": self.version, "source": self.source,
                "server_version": self.server_version or None, "packages": dict(self.packages)}
