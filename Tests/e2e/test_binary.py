"""The `gatehouse` binary as built: properties of the executable itself rather than of a request."""

import os
import subprocess
import sys

import pytest

from conftest import BINARY


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="jemalloc is linked on Linux only")
def test_the_allocator_is_jemalloc():
    """Package.swift links jemalloc into `gatehouse` (docs/operations.md, "The allocator"): it must be the
    allocator the process actually uses, not a library that is linked but loses to glibc's malloc."""
    environment = dict(os.environ, MALLOC_CONF="stats_print:true")
    finished = subprocess.run([BINARY, "--help"], env=environment, capture_output=True, text=True, timeout=60)
    assert finished.returncode == 0, finished.stderr
    output = finished.stdout + finished.stderr
    assert "Begin jemalloc statistics" in output, "jemalloc printed no statistics: glibc's malloc is in use"
    assert "End jemalloc statistics" in output
