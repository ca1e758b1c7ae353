"""`bot chat`: a terminal conversation through the same signed-XML path as WeChat."""
from __future__ import annotations

from click.testing import CliRunner

from bot.knowledge import load_knowledge
from bot.knowledge.texts import Say
from bot.staff.cli import cli


def run_chat(redis_url: str, tmp_path, lines: list[str], *extra_env: tuple[str, str]):
    env = {"REDIS_URL": redis_url, "REDIS_KEY_PREFIX": "test:", "BOT_DATA_DIR": str(tmp_path / "var"),
           "WECHAT_TOKEN": "", "WECHAT_APP_ID": "", **dict(extra_env)}
    return CliRunner().invoke(cli, ["chat", "--openid", "o_cli_staff"], input="".join(f"{x}\n" for x in lines),
                              env=env, catch_exceptions=False)


def test_chat_end_to_end(redis_url, redis_client, tmp_path, knowledge_dir):
    texts = load_knowledge(knowledge_dir)
    result = run_chat(redis_url, tmp_path, ["帮助", "", "/click NO_SUCH_MENU_KEY", "/unfollow", "/quit",
                                            "never read"])
    assert result.exit_code == 0, result.output
    out = result.output
    first_welcome_line = texts.text(Say.welcome).splitlines()[0]
    assert f"bot> {first_welcome_line}" in out
    assert "bot> " + texts.text(Say.help).splitlines()[0] in out
    assert texts.text(Say.menu_unknown) in out
    assert "bot> (no reply)" in out  # unfollow
    assert "[HTTP" not in out and "Traceback" not in out
    # it really went through Redis: the dedup keys of the messages are there
    assert redis_client.keys("test:msg:*")


def test_chat_ends_cleanly_at_end_of_input(redis_url, redis_client, tmp_path):
    result = run_chat(redis_url, tmp_path, ["帮助"])
    assert result.exit_code == 0
    assert "Traceback" not in result.output


def test_chat_with_a_bad_environment_explains(redis_url, tmp_path):
    result = CliRunner().invoke(cli, ["chat"], env={"REDIS_URL": "nonsense", "BOT_DATA_DIR": str(tmp_path)})
    assert result.exit_code == 1
    assert "REDIS_URL" in result.output and "Traceback" not in result.output


def test_chat_with_broken_knowledge_names_the_file_and_line(redis_url, tmp_path):
    broken = tmp_path / "knowledge"
    broken.mkdir()
    (broken / "replies.yaml").write_text("welcome: [unclosed\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["chat"], env={"REDIS_URL": redis_url, "KNOWLEDGE_DIR": str(broken),
                                                    "BOT_DATA_DIR": str(tmp_path / "var")})
    assert result.exit_code == 1
    assert "replies.yaml:" in result.output and "YAML syntax error" in result.output
    assert "Traceback" not in result.output
