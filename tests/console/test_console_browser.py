"""The console in a real browser (Debian's chromium and chromium-driver, through selenium), against the app served
on loopback: log in, find a question a follower just asked through the webhook, add it as a phrasing and see the
bot answer it; a new entry; a refused invalid change; an export and an import. Screenshots of the main pages are
kept under var/console-screenshots/ (CI artefacts, not committed)."""
from __future__ import annotations

import csv
import io
import shutil
import threading
import time
from pathlib import Path

import pytest
import requests
from werkzeug.serving import make_server

from bot import PROJECT_ROOT
from bot.devkit.wechat_client import reply_content
from bot.knowledge import load_knowledge
from tests.console.conftest import PASSWORD

webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is not installed (pip install -e '.[test]')")
from selenium.common.exceptions import WebDriverException  # noqa: E402
from selenium.webdriver.chrome.options import Options  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support import expected_conditions as ec  # noqa: E402
from selenium.webdriver.support.ui import Select, WebDriverWait  # noqa: E402

SHOTS = PROJECT_ROOT / "var" / "console-screenshots"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
DRIVER = shutil.which("chromedriver")
pytestmark = pytest.mark.skipif(CHROMIUM is None or DRIVER is None,
                                reason="no chromium and chromium-driver on this machine (.ci/run installs them: "
                                       "apt-get install chromium chromium-driver)")


@pytest.fixture
def live(console_app):
    """The app served on a loopback port in a thread (werkzeug), its base URL."""
    httpd = make_server("127.0.0.1", 0, console_app, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_port}"
    httpd.shutdown()
    thread.join(5)


@pytest.fixture
def browser(tmp_path: Path):
    options = Options()
    options.binary_location = CHROMIUM
    for flag in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                 "--window-size=1280,1000", "--lang=zh-CN"):
        options.add_argument(flag)
    downloads = tmp_path / "downloads"
    downloads.mkdir()
    options.add_experimental_option("prefs", {"download.default_directory": str(downloads),
                                              "download.prompt_for_download": False})
    try:
        driver = webdriver.Chrome(service=Service(executable_path=DRIVER), options=options)
    except WebDriverException as exc:
        pytest.skip(f"chromium did not start: {exc.msg}")
    driver.execute_cdp_cmd("Page.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(downloads)})
    driver.downloads = downloads
    driver.set_page_load_timeout(30)
    yield driver
    driver.quit()


def shot(driver, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    driver.save_screenshot(str(SHOTS / f"{name}.png"))


def say(live: str, server, text: str, openid: str = "o_browser_follower") -> str:
    """A follower's message through the real webhook over HTTP: the text of the bot's reply."""
    request = server.plaintext(server.text(text, openid=openid))
    resp = requests.post(f"{live}/wechat", params=request.query, data=request.body,
                         headers={"Content-Type": "text/xml"}, timeout=10)
    assert resp.status_code == 200
    return reply_content(resp.text)


def log_in(driver, live: str) -> None:
    driver.get(f"{live}/console/inbox")
    assert "/console/login" in driver.current_url  # sent to the login page first
    driver.find_element(By.NAME, "username").send_keys("wang")
    driver.find_element(By.NAME, "password").send_keys(PASSWORD)
    shot(driver, "01-login")
    driver.find_element(By.ID, "login").click()
    WebDriverWait(driver, 10).until(ec.title_contains("待处理"))


def section_of(driver, question: str):
    return driver.find_element(By.CSS_SELECTOR, f'section.item[data-question="{question}"]')


def test_a_question_becomes_a_phrasing_and_the_bot_answers_it(browser, live, server, accounts, kb):
    question = "客服热线多少"
    assert "电话：+86-10-6513-8791" not in say(live, server, question)  # the fallback (it names the phone too)
    log_in(browser, live)
    item = section_of(browser, question)
    shot(browser, "02-inbox")
    Select(item.find_element(By.NAME, "entry")).select_by_value("contact-phone")
    item.find_element(By.CSS_SELECTOR, "button.add-phrasing").click()
    WebDriverWait(browser, 10).until(ec.presence_of_element_located((By.CSS_SELECTOR, "p.flash.ok")))
    assert "contact-phone" in browser.find_element(By.CSS_SELECTOR, "p.flash.ok").text
    assert not browser.find_elements(By.CSS_SELECTOR, f'section.item[data-question="{question}"]')
    shot(browser, "03-inbox-after-phrasing")
    assert say(live, server, question, openid="o_another") == "电话：+86-10-6513-8791"


def test_a_new_entry_from_the_inbox(browser, live, server, accounts, kb):
    question = "办公室可以停车吗"
    say(live, server, question)
    log_in(browser, live)
    item = section_of(browser, question)
    item.find_element(By.XPATH, ".//summary[text()='新建条目']").click()
    form = item.find_element(By.CSS_SELECTOR, "form.new-entry")
    form.find_element(By.NAME, "answer").send_keys("测试答案：停车请先致电询问。")
    form.find_element(By.NAME, "id").clear()
    form.find_element(By.NAME, "id").send_keys("office-parking")
    shot(browser, "04-new-entry-form")
    form.find_element(By.CSS_SELECTOR, "button.create-entry").click()
    WebDriverWait(browser, 10).until(ec.presence_of_element_located((By.CSS_SELECTOR, "p.flash.ok")))
    assert "office-parking" in load_knowledge(kb).faq.entries
    assert "测试答案" in say(live, server, question, openid="o_another")


def test_an_invalid_change_is_refused_in_the_browser(browser, live, server, accounts, kb):
    say(live, server, "客服热线多少")
    before = (kb / "faq" / "main.yaml").read_text(encoding="utf-8")
    log_in(browser, live)
    item = section_of(browser, "客服热线多少")
    phrasing = item.find_element(By.NAME, "text")
    phrasing.clear()
    phrasing.send_keys("你们电话多少")  # already a phrasing of contact-phone
    item.find_element(By.NAME, "entry_other").send_keys("contact-fax")
    item.find_element(By.CSS_SELECTOR, "button.add-phrasing").click()
    refused = WebDriverWait(browser, 10).until(ec.presence_of_element_located((By.ID, "refused")))
    assert "没有保存" in refused.text and "knowledge/faq/main.yaml:" in refused.text
    shot(browser, "05-refused")
    assert (kb / "faq" / "main.yaml").read_text(encoding="utf-8") == before


def test_export_then_import_in_the_browser(browser, live, accounts, kb, tmp_path, server):
    log_in(browser, live)
    browser.find_element(By.ID, "nav-transfer").click()
    browser.find_element(By.ID, "export-csv").click()
    deadline = time.monotonic() + 15
    files: list[Path] = []
    while time.monotonic() < deadline:
        files = [p for p in browser.downloads.iterdir() if p.suffix == ".csv"]
        if files:
            break
        time.sleep(0.2)
    assert files, "the CSV export did not download"
    rows = list(csv.reader(io.StringIO(files[0].read_text(encoding="utf-8-sig"))))
    assert [r[0] for r in rows[1:]] == list(load_knowledge(kb).faq.entries)
    next(r for r in rows if r[0] == "contact-fax")[3] = "传真：+86-10-6513-8795（浏览器校对）"
    edited = tmp_path / "edited.csv"
    with edited.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(rows)
    browser.find_element(By.ID, "import-file").send_keys(str(edited))
    browser.find_element(By.ID, "import-preview").click()
    plan = WebDriverWait(browser, 10).until(ec.presence_of_element_located((By.ID, "import-plan")))
    assert "浏览器校对" in plan.text and "contact-fax" in plan.text
    shot(browser, "06-import-diff")
    browser.find_element(By.ID, "import-apply").click()
    WebDriverWait(browser, 10).until(ec.presence_of_element_located((By.CSS_SELECTOR, "p.flash.ok")))
    assert "浏览器校对" in load_knowledge(kb).faq.entries["contact-fax"].answer
    assert "浏览器校对" in say(live, server, "传真号码多少")
    for page, name in (("nav-try", "07-try"), ("nav-knowledge", "08-knowledge"), ("nav-dashboard", "09-dashboard"),
                       ("nav-pushes", "10-pushes"), ("nav-history", "11-history")):
        browser.find_element(By.ID, page).click()
        shot(browser, name)
    assert "import" in browser.page_source
