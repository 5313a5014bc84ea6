"""reliefsim tunes its processes' memory (NumPy's huge pages, glibc's thresholds) unless the
environment decides."""

import ctypes
import ctypes.util

import pytest

from reliefsim import cli, memory

switch = memory.madvise_switch()  # returns the setting it replaces


@pytest.fixture
def advice():
    """NumPy's huge-page setting before the test, put back after it."""
    before = switch(True)
    switch(before)
    yield
    switch(before)


def test_huge_pages_turned_off_unless_the_variable_is_set(advice, monkeypatch):
    monkeypatch.delenv(memory.HUGE_PAGES, raising=False)
    switch(True)
    assert memory.turn_off_huge_pages() is True
    assert switch(True) is False  # it was off
    monkeypatch.setenv(memory.HUGE_PAGES, "1")
    assert memory.turn_off_huge_pages() is False
    assert switch(True) is True  # left as it was


def test_malloc_thresholds_set_unless_the_environment_sets_them(monkeypatch):
    glibc = ctypes.util.find_library("c")
    if not glibc or not hasattr(ctypes.CDLL(glibc), "mallopt"):
        pytest.skip("not glibc: no mallopt to call")
    for variable in memory.MALLOC_SETTINGS:
        monkeypatch.delenv(variable, raising=False)
    assert memory.keep_freed_memory() == list(memory.MALLOC_SETTINGS)
    monkeypatch.setenv("MALLOC_TRIM_THRESHOLD_", "131072")
    assert memory.keep_freed_memory() == ["MALLOC_MMAP_THRESHOLD_", "MALLOC_ARENA_MAX"]
    monkeypatch.setenv("MALLOC_ARENA_MAX", "8")
    assert memory.keep_freed_memory() == ["MALLOC_MMAP_THRESHOLD_"]


def test_the_command_line_tunes_memory(advice, monkeypatch, capsys):
    monkeypatch.delenv(memory.HUGE_PAGES, raising=False)
    called = []
    monkeypatch.setattr(memory, "keep_freed_memory", lambda: called.append(True) or [])
    switch(True)
    assert cli.main(["scenario", "baseline", "--grep", "policy.dibao_line"]) == 0
    assert switch(True) is False
    assert called == [True]
