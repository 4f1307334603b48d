"""schemathesis (every check, a bounded number of cases) against a live server: the runs and
notebooks API answers as its OpenAPI schema says, for valid and invalid requests alike."""
import shutil
import subprocess

import pytest

from tests import live_server

pytestmark = pytest.mark.slow


@pytest.mark.skipif(shutil.which("schemathesis") is None,
                    reason="needs schemathesis (requirements-test.txt)")
def test_schemathesis_finds_nothing_in_the_runs_and_notebooks_api(tmp_path):
    with live_server.daphne(tmp_path) as (url, _, _):
        result = subprocess.run(
            ["schemathesis", "run", f"{url}/api/openapi.json", "--checks", "all",
             "--max-examples", "30", "--seed", "1", "--request-timeout", "20",
             "--include-path-regex", "^/api/(runs|notebooks)/",
             # What nbformat accepts (its own JSON schema per minor version, then our cell
             # checks) is more than the import's schema states; generated files would be
             # refused as "schema-valid". Its refusals are tested in test_notebooks_api.py.
             "--exclude-path-regex", "^/api/notebooks/import/$", "--no-color"],
            cwd=tmp_path, capture_output=True, text=True, timeout=540)
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
    assert " passed" in result.stdout and "failed" not in result.stdout.split("SUMMARY")[-1]
