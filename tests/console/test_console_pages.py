"""命中测试 says what `bot ask` says; the knowledge page searches, lists near-duplicate phrasings and kb check's
problems; export gives every entry as CSV and Excel, and an import shows its diff before it writes anything."""
from __future__ import annotations

import csv
import html
import io

from openpyxl import load_workbook

from bot.console.explain import explain
from bot.knowledge import load_knowledge
from tests.console.conftest import csrf_of, post_form


def test_try_a_question_shows_the_reply_and_why(staff, kb):
    page = staff.get("/console/try", query_string={"q": "你们电话多少"}).get_data(as_text=True)
    expected = explain("你们电话多少", load_knowledge(kb))
    assert expected["decision"] == "answer"
    assert "直接回答" in page and "contact-phone" in page and "+86-10-6513-8791" in page
    assert "分出的词" in page


def test_try_after_a_previous_message_picks_from_its_list(staff, kb):
    knowledge = load_knowledge(kb)
    first = explain("长野县", knowledge)
    assert first["decision"] == "suggest", first
    alone = staff.get("/console/try", query_string={"q": "1"}).get_data(as_text=True)
    after = staff.get("/console/try", query_string={"q": "1", "previous": "长野县"}).get_data(as_text=True)
    picked = knowledge.faq.get(first["suggestions"][0])
    assert picked.answer.splitlines()[0] in after
    assert picked.answer.splitlines()[0] not in alone


def test_the_knowledge_page_searches_and_shows_problems(staff, kb, console_app):
    page = staff.get("/console/knowledge", query_string={"q": "传真"}).get_data(as_text=True)
    assert "contact-fax" in page and "tourism-nagano-ski" not in page
    assert "还没有命中记录" in page  # nothing counted yet: said, not invented
    (kb / "faq" / "main.yaml").write_text((kb / "faq" / "main.yaml").read_text(encoding="utf-8")
                                          .replace("topics: [jet]", "topics: [jett]", 1), encoding="utf-8")
    page = staff.get("/console/knowledge").get_data(as_text=True)
    assert "knowledge/faq/main.yaml:" in page and "没有「jett」这个话题" in page


def test_near_duplicate_phrasings_of_two_entries_are_listed(staff, kb, console_app):
    path = kb / "faq" / "main.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace(
        "similar: [传真号码多少,", "similar: [北京事务所电话传真号码多少,", 1).replace(
        "similar: [你们电话多少,", "similar: [北京事务所电话号码多少, 你们电话多少,", 1), encoding="utf-8")
    console_app.extensions["clairbot"].knowledge.reload_if_changed()
    page = staff.get("/console/knowledge").get_data(as_text=True)
    section = page.split('id="kb-conflicts"')[1].split("</section>")[0]
    assert "北京事务所电话传真号码多少" in section and "contact-fax" in section and "contact-phone" in section


def test_export_csv_and_excel_have_every_entry(staff, kb):
    entries = load_knowledge(kb).faq.entries
    resp = staff.get("/console/export.csv")
    assert resp.status_code == 200 and "attachment" in resp.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(resp.get_data().decode("utf-8-sig"))))
    assert rows[0][:5] == ["编号 id", "问题 question", "相似问法 similar（每行一个）", "答案 answer",
                           "话题 topics（逗号分隔）"]
    assert [r[0] for r in rows[1:]] == list(entries)
    fax = next(r for r in rows if r[0] == "contact-fax")
    assert fax[2].splitlines() == [p.text for p in entries["contact-fax"].similar]
    book = load_workbook(io.BytesIO(staff.get("/console/export.xlsx").get_data()))
    sheet = book.worksheets[0]
    assert [c.value for c in sheet["A"]][1:] == list(entries)


def _upload(staff, name: str, data: bytes):
    token = csrf_of(staff.get("/console/transfer").get_data(as_text=True))
    return staff.post("/console/import", data={"csrf_token": token, "file": (io.BytesIO(data), name)},
                      content_type="multipart/form-data")


def _edited_csv(staff, edit) -> bytes:
    rows = list(csv.reader(io.StringIO(staff.get("/console/export.csv").get_data().decode("utf-8-sig"))))
    edit(rows)
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue().encode("utf-8")


def test_an_import_shows_its_diff_then_applies_it(staff, kb, follower):
    before = (kb / "faq" / "main.yaml").read_text(encoding="utf-8")

    def edit(rows):
        fax = next(r for r in rows if r[0] == "contact-fax")
        fax[3] = "传真：+86-10-6513-8795（校对后）"
        fax[2] += "\n发传真用哪个号码"
        rows.append(["office-hours-test", "测试新问题是什么", "测试新问法一\n测试新问法二", "测试新答案", "", ""])

    resp = _upload(staff, "faq.csv", _edited_csv(staff, edit))
    page = resp.get_data(as_text=True)
    assert resp.status_code == 200 and "要做的修改" in page
    assert "校对后" in page and "office-hours-test" in page and "2 条有修改" in page
    assert (kb / "faq" / "main.yaml").read_text(encoding="utf-8") == before  # nothing written yet

    payload = page.split('name="payload" value="', 1)[1].split('"', 1)[0]
    resp = staff.post("/console/import/apply", data={"csrf_token": csrf_of(page), "payload": html.unescape(payload)})
    assert resp.status_code == 302, resp.get_data(as_text=True)
    entries = load_knowledge(kb).faq.entries
    assert entries["contact-fax"].answer == "传真：+86-10-6513-8795（校对后）"
    assert "office-hours-test" in entries
    assert "校对后" in follower("发传真用哪个号码")
    assert "import" in staff.get("/console/history").get_data(as_text=True)


def test_an_invalid_import_is_refused_and_writes_nothing(staff, kb):
    before = (kb / "faq" / "main.yaml").read_text(encoding="utf-8")

    def edit(rows):
        next(r for r in rows if r[0] == "jet-about")[4] = "jet, no-such-topic"

    page = _upload(staff, "faq.csv", _edited_csv(staff, edit)).get_data(as_text=True)
    payload = html.unescape(page.split('name="payload" value="', 1)[1].split('"', 1)[0])
    resp = staff.post("/console/import/apply", data={"csrf_token": csrf_of(page), "payload": payload})
    assert resp.status_code == 422 and "没有「no-such-topic」这个话题" in resp.get_data(as_text=True)
    assert (kb / "faq" / "main.yaml").read_text(encoding="utf-8") == before


def test_an_upload_that_is_not_a_table_is_said_so(staff):
    for name, data, says in (("x.txt", b"hello", "只能导入"), ("x.xlsx", b"not a zip", "不是有效的 Excel"),
                             ("x.csv", "编号,x\n".encode("gbk"), "UTF-8"), ("x.csv", b"a,b\n1,2\n", "列名")):
        resp = _upload(staff, name, data)
        assert resp.status_code == 400 and says in resp.get_data(as_text=True), name


def test_a_formula_in_a_cell_is_exported_as_text(staff, kb, console_app):
    post_form(staff, "/console/inbox", "/console/inbox/entry", {
        "id": "formula-test", "question": "=HYPERLINK(\"http://x\")是什么", "answer": "测试答案",
        "file": "knowledge/faq/main.yaml"})
    rows = list(csv.reader(io.StringIO(staff.get("/console/export.csv").get_data().decode("utf-8-sig"))))
    row = next(r for r in rows if r[0] == "formula-test")
    assert row[1].startswith("'=")


def test_an_import_larger_than_a_webhook_message_is_read(staff, console_config):
    def pad(rows):
        rows[0].append("备注 note")
        for row in rows[1:]:
            row.append("校对备注" * 4000)

    data = _edited_csv(staff, pad)
    assert len(data) > console_config.max_body_bytes  # the webhook's cap does not hold for an import
    resp = _upload(staff, "faq.csv", data)
    assert resp.status_code == 200 and "0 条有修改" in resp.get_data(as_text=True)
    assert staff.post("/wechat", data=b"x" * (console_config.max_body_bytes + 1)).status_code == 413
