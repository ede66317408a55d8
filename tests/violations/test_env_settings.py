"""LibreChat env names map onto VIOLATIONS_* settings with LibreChat's parsing rules; garbage stops startup."""

from __future__ import annotations

import json

from tests.chatmon.test_settings import settings_in_subprocess


def values(tmp_path, env, *names):
    result = settings_in_subprocess({"CHATMON_VAR_DIR": str(tmp_path), **env}, *names)
    return result, (json.loads(result.stdout) if result.returncode == 0 else None)


def test_it_reads_librechat_names_and_math(tmp_path):
    env = {"BAN_VIOLATIONS": " TRUE ", "BAN_DURATION": "1000 * 60 * 30", "BAN_INTERVAL": "oops", "LOGIN_MAX": "0",
           "NON_BROWSER_VIOLATION_SCORE": "", "TRUSTED_PROXIES": "10.0.0.0/8, 192.168.0.1"}  # fmt: skip
    _, got = values(tmp_path, env, "VIOLATIONS_BAN_ENABLED", "VIOLATIONS_BAN_DURATION_MS", "VIOLATIONS_BAN_INTERVAL",
                    "VIOLATIONS_RATE_LIMITS", "VIOLATIONS_SCORES", "VIOLATIONS_TRUSTED_PROXIES")  # fmt: skip
    assert got["VIOLATIONS_BAN_ENABLED"] == "True"
    assert got["VIOLATIONS_BAN_DURATION_MS"] == "1800000"
    assert got["VIOLATIONS_BAN_INTERVAL"] == "20"  # math() fallback
    assert "'login': {'max': 0" in got["VIOLATIONS_RATE_LIMITS"]  # raw value: 0 stays 0
    assert "'non_browser': 0" in got["VIOLATIONS_SCORES"]  # unary plus: "" is 0
    assert got["VIOLATIONS_TRUSTED_PROXIES"] == "['10.0.0.0/8', '192.168.0.1']"


def test_it_falls_back_to_defaults_where_librechat_uses_parseint(tmp_path):
    env = {"FILE_UPLOAD_IP_MAX": "0", "FORK_USER_MAX": "abc", "TTS_IP_MAX": "12", "CONCURRENT_MESSAGE_MAX": "0"}
    _, got = values(tmp_path, env, "VIOLATIONS_RATE_LIMITS", "VIOLATIONS_CONCURRENT_MAX")
    assert "'file_upload_ip': {'max': 100" in got["VIOLATIONS_RATE_LIMITS"]
    assert "'fork_user': {'max': 7" in got["VIOLATIONS_RATE_LIMITS"]
    assert "'tts_ip': {'max': 12" in got["VIOLATIONS_RATE_LIMITS"]
    assert got["VIOLATIONS_CONCURRENT_MAX"] == "1"  # at least 1


def test_it_stops_startup_on_garbage_it_cannot_fall_back_from(tmp_path):
    for env, name in [({"LOGIN_MAX": "seven"}, "LOGIN_MAX"), ({"BAN_EXEMPT_IPS": "10.0.0.0/33"}, "BAN_EXEMPT_IPS"),
                      ({"LOGIN_VIOLATION_SCORE": "high"}, "LOGIN_VIOLATION_SCORE"),
                      ({"VIOLATIONS_CACHE_FAILURE": "maybe"}, "VIOLATIONS_CACHE_FAILURE")]:  # fmt: skip
        result, _ = values(tmp_path, env, "VIOLATIONS_BAN_ENABLED")
        assert result.returncode != 0
        assert "ImproperlyConfigured" in result.stderr and name in result.stderr
