"""`.ci/run` fails when the tests fail and when no test ran (a stand-in `make` plays the suite)."""
import os
import pathlib
import stat
import subprocess
import tempfile
import unittest

ROOT = pathlib.Path(__file__).resolve().parent.parent


class TestCiScript(unittest.TestCase):
    def run_ci(self, make_output, make_rc):
        with tempfile.TemporaryDirectory() as bin_dir:
            fake = pathlib.Path(bin_dir) / "make"
            fake.write_text(f"#!/bin/sh\nprintf '%s\\n' '{make_output}'\nexit {make_rc}\n")
            fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
            env = dict(os.environ, PATH=f"{bin_dir}:{os.environ['PATH']}", FB_CI_SKIP_PIP="1")
            return subprocess.run(["bash", str(ROOT / ".ci" / "run")], env=env, capture_output=True,
                                  text=True, timeout=120)

    def test_passes_when_tests_pass(self):
        result = self.run_ci("=== 70 passed in 12.0s ===", 0)
        self.assertEqual(result.returncode, 0, result.stderr)

    def test_fails_when_a_test_fails(self):
        result = self.run_ci("=== 1 failed, 69 passed in 12.0s ===", 1)
        self.assertNotEqual(result.returncode, 0)

    def test_fails_when_no_test_ran(self):
        result = self.run_ci("=== no tests ran in 0.1s ===", 0)
        self.assertNotEqual(result.returncode, 0)
        self.assertIn("no test ran", result.stderr)
