"""db: read-only database sessions through the host's SSH connection.

Importing the package registers the engines beside MariaDB/MySQL (PostgreSQL).
"""

from posture.collect.db import pgsession as _pgsession  # noqa: F401  (registers postgresql)
