"""Limits: defaults per run kind (the policy), settings overrides, per-run overrides, bad values."""
import pytest

from playground.policy import resolve_limits
from playground.sandbox.limits import GiB, MiB, SandboxLimits


def test_defaults_match_the_issue():
    limits = resolve_limits()
    assert limits.wall_s == 30 and limits.memory_bytes == 2 * GiB
    assert limits.output_bytes == 1 * MiB


def test_training_runs_get_longer_and_overrides_win():
    assert resolve_limits("training").wall_s > resolve_limits("snippet").wall_s
    assert resolve_limits("api") == resolve_limits("snippet")
    limits = resolve_limits("training", {"wall_s": 5, "memory_bytes": 512 * MiB})
    assert (limits.wall_s, limits.memory_bytes) == (5.0, 512 * MiB)
    assert isinstance(limits.memory_bytes, int) and isinstance(limits.wall_s, float)


def test_settings_override_profiles_and_add_kinds(settings):
    settings.PLAYGROUND_LIMITS = {"snippet": {"wall_s": 7}, "lesson": {"cpu_s": 3}}
    assert resolve_limits("snippet").wall_s == 7
    assert resolve_limits("lesson").cpu_s == 3
    assert resolve_limits("training").wall_s == 600  # untouched kinds keep their defaults


@pytest.mark.parametrize("overrides, message", [
    ({"wall": 3}, "unknown limit 'wall'; known limits: wall_s, cpu_s"),
    ({"wall_s": 0}, "limit 'wall_s' must be a positive number, not 0"),
    ({"wall_s": "3"}, "must be a positive number, not '3'"),
    ({"open_files": True}, "must be a positive number, not True"),
    ({"cpu_s": float("inf")}, "limit 'cpu_s' must be finite"),
    ([("wall_s", 3)], "limits must be a dict, not list"),
])
def test_bad_overrides_are_refused_clearly(overrides, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        resolve_limits("snippet", overrides)


def test_unknown_kind_is_refused():
    with pytest.raises(ValueError, match="unknown run kind 'x'; known kinds: snippet, api, training"):
        resolve_limits("x")


def test_round_trip_through_a_dict():
    limits = resolve_limits("training", {"threads": 8})
    assert SandboxLimits.from_dict(limits.to_dict()) == limits
