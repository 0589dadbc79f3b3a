# SPDX-License-Identifier: Apache-2.0
"""pytest fixtures shared by the integration tests."""
import pytest

from harness import SIM, private_copy


def pytest_configure(config):
    config.addinivalue_line("markers", "idle: a test that mostly waits and uses next to no CPU (make test runs "
                                       "these beside the kernel matrix, see the Makefile)")


@pytest.fixture
def sim_binary(tmp_path):
    """This test's own copy of dwcp-sim (see harness.private_copy)."""
    return private_copy(SIM, tmp_path)
