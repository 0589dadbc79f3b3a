# SPDX-License-Identifier: Apache-2.0
"""pytest fixtures shared by the integration tests."""
import pytest

from harness import SIM, private_copy


@pytest.fixture
def sim_binary(tmp_path):
    """This test's own copy of dwcp-sim (see harness.private_copy)."""
    return private_copy(SIM, tmp_path)
