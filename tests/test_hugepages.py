"""reliefsim turns NumPy's huge-page advice off, unless NUMPY_MADVISE_HUGEPAGE decides."""

import numpy as np
import pytest

from reliefsim import cli
from reliefsim.hugepages import SWITCH, turn_off_huge_pages

switch = np._core.multiarray._set_madvise_hugepage  # returns the setting it replaces


@pytest.fixture
def advice():
    """NumPy's setting before the test, put back after it."""
    before = switch(True)
    switch(before)
    yield
    switch(before)


def test_turned_off_unless_the_variable_is_set(advice, monkeypatch):
    monkeypatch.delenv(SWITCH, raising=False)
    switch(True)
    assert turn_off_huge_pages() is True
    assert switch(True) is False  # it was off
    monkeypatch.setenv(SWITCH, "1")
    assert turn_off_huge_pages() is False
    assert switch(True) is True  # left as it was


def test_the_command_line_turns_it_off(advice, monkeypatch, capsys):
    monkeypatch.delenv(SWITCH, raising=False)
    switch(True)
    assert cli.main(["scenario", "baseline", "--grep", "policy.dibao_line"]) == 0
    assert switch(True) is False
