"""`make up` runs with DEBUG on, whose error pages show DATABASE_URL and REDIS_URL: it serves
on loopback unless LIVEROLL_DEV_BIND opens it to the LAN."""

from devtools import devstack


def _web_bind(env: dict[str, str]) -> str:
    [command] = [cmd for name, cmd in devstack.process_table(env) if name == "web"]
    return command[command.index("-b") + 1]


def test_make_up_listens_on_loopback_by_default(monkeypatch):
    monkeypatch.delenv("LIVEROLL_DEV_BIND", raising=False)
    assert _web_bind(devstack.base_env()) == "127.0.0.1"


def test_the_lan_is_an_explicit_choice(monkeypatch):
    monkeypatch.setenv("LIVEROLL_DEV_BIND", "0.0.0.0")  # noqa: S104 - what the test asks for
    assert _web_bind(devstack.base_env()) == "0.0.0.0"  # noqa: S104


def test_make_up_runs_the_mail_catcher_and_says_where(monkeypatch):
    monkeypatch.delenv("ZOOM_SANDBOX_SMTP_PORT", raising=False)
    env = devstack.base_env()
    env["DEMO_PASSWORD"] = "x"
    assert env["ZOOM_SANDBOX_SMTP_PORT"] == "1025"
    banner = devstack.banner(env, ["web", "sandbox"])
    assert f"http://127.0.0.1:{env['ZOOM_SANDBOX_PORT']}/mail/" in banner
    assert "127.0.0.1:1025" in banner
