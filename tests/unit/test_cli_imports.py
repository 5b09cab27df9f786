"""The command starts without loading what a scan does not use."""

from __future__ import annotations

import subprocess
import sys


def test_the_command_does_not_load_invoke_and_leaves_it_importable() -> None:
    code = ("import sys\n"
            "from posture.cli import main\n"
            "assert 'paramiko' not in sys.modules\n"
            "from posture.cli import without_invoke\n"
            "code = main(['--version'])\n"
            "assert 'paramiko' not in sys.modules  # loaded when a scan needs it\n"
            "with without_invoke():\n"
            "    import paramiko.config\n"
            "assert 'invoke' not in sys.modules and 'unittest.mock' not in sys.modules\n"
            "assert paramiko.config.invoke is None\n"
            "import invoke  # the block lasted for the command only\n"
            "assert 'posture.collect.probes.tls.probe' not in sys.modules\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=False)
    assert done.returncode == 0, done.stderr[-2000:]
