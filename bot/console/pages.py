"""The console's pages: inbox (待处理) and its actions, 命中测试, knowledge, import/export, history."""
from __future__ import annotations

import json
import re
import time
from datetime import datetime
from pathlib import Path

from flask import Blueprint, Response, abort, flash, g, redirect, render_template, request, url_for

from bot.console import inbox as inbox_mod
from bot.console import transfer
from bot.console.edits import EditRefused, FileChange, KnowledgeEditor, Saved, faq_path, read_audit
from bot.console.explain import explain
from bot.console.faq_yaml import FaqFileError, add_entry, add_similar, set_fields
from bot.console.knowledge_view import conflicts_of, entry_matches
from bot.console.problems_zh import in_chinese, located
from bot.console.settings import settings
from bot.console.web import engine_of
from bot.followers.stats import daily_counts, entry_hits, first_counted_day
from bot.knowledge import Knowledge
from bot.knowledge.faq import faq_files
from bot.knowledge.files import fingerprint
from bot.knowledge.loader import check_knowledge

ID = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
DECISIONS = {"answer": "直接回答", "suggest": "列出「您是想问」让粉丝选", "fallback": "没能回答（兜底回复）"}
MAX_TEXT = 2000
IMPORT_FIELDS = {"question": "问题", "similar": "相似问法", "answer": "答案", "topics": "话题"}


def when(t: float | str) -> str:
    try:
        return datetime.fromtimestamp(float(t)).strftime("%Y-%m-%d %H:%M")
    except (TypeError, ValueError):
        return ""


def knowledge_now() -> Knowledge:
    return engine_of().knowledge.current


def editor() -> KnowledgeEditor:
    engine = engine_of()
    return KnowledgeEditor(engine.config.knowledge_dir, data_dir=engine.config.data_dir, store=engine.store,
                           limits=engine.config.knowledge_limits)


def go_live(saved: Saved, *, wait: float = 10.0) -> str:
    """Make the saved files the knowledge this process answers with before the page says so (the watcher thread
    may be in the middle of a look of its own: try until the version served is the folder's); the version."""
    holder = engine_of().knowledge
    target = fingerprint(holder.root)
    deadline = time.monotonic() + wait
    while holder.version != target and time.monotonic() < deadline:
        if not holder.reload_if_changed():
            time.sleep(0.02)
    return holder.version


def field_text(name: str, *, required: bool = True, limit: int = MAX_TEXT) -> str:
    value = (request.form.get(name) or "").replace("\r\n", "\n").strip()
    if required and not value:
        raise EditRefused(f"请填写「{FIELD_NAMES.get(name, name)}」")
    if len(value) > limit:
        raise EditRefused(f"「{FIELD_NAMES.get(name, name)}」太长了（最多 {limit} 个字）")
    return value


FIELD_NAMES = {"text": "问法", "entry": "条目", "id": "编号", "question": "问题", "answer": "答案", "file": "文件"}


def refused_page(exc: EditRefused, back: str) -> tuple[str, int]:
    return render_template("console/refused.html", reason=exc.reason, problems=[located(p) for p in exc.problems],
                           back=back), 422


def register(bp: Blueprint) -> None:
    """Add the pages to the console blueprint."""
    bp.add_app_template_filter(when, "when")

    @bp.get("/")
    def home() -> Response:
        return redirect(url_for("console.inbox"))

    # -- inbox ------------------------------------------------------------------------------------------------
    @bp.get("/inbox")
    def inbox() -> str:
        knowledge = knowledge_now()
        days = request.args.get("days", type=int) or settings().inbox_days
        days = max(1, min(days, 365))
        box = inbox_mod.build_inbox(engine_of().store, knowledge, days=days, limit=settings().inbox_groups)
        files = [f"{knowledge.root.name}/faq/{p.name}" for p in faq_files(knowledge.root)]
        for item in box.items:
            item.default_file = default_file(knowledge, item.candidates)
            item.suggested_id = suggested_id(knowledge, item.default_file)
        return render_template("console/inbox.html", box=box, files=files, topics=list(knowledge.topics.ordered),
                               decisions=DECISIONS)

    @bp.post("/inbox/phrasing")
    def add_phrasing() -> Response | tuple[str, int]:
        knowledge = knowledge_now()
        try:
            text = field_text("text", limit=200)
            entry_id = (request.form.get("entry_other") or "").strip()[:100] or field_text("entry", limit=100)
            entry = knowledge.faq.get(entry_id) if knowledge.faq is not None else None
            if entry is None:
                raise EditRefused(f"没有编号为 {entry_id} 的条目（可能刚被修改过，请刷新页面）")
            ed = editor()
            path = faq_path(ed.root, entry.file)
            before = ed.read(path)
            after = add_similar(before, entry.id, [text])
            saved = ed.save([FileChange(path, before, after)], who=g.staff,
                            what=f"Console: '{text}' added as a phrasing of {entry.id}",
                            details={"action": "phrasing", "entry": entry.id, "text": text})
        except (EditRefused, FaqFileError) as exc:
            return refused_page(_refusal(exc), url_for("console.inbox"))
        version = go_live(saved)
        inbox_mod.mark_handled(engine_of().store, knowledge, _group_texts(knowledge, text), who=g.staff,
                               action="phrasing", entry=entry.id)
        flash(f"已把「{text}」加为条目 {entry.id} 的相似问法（{', '.join(saved.files)}），现在的版本 {version}。", "ok")
        return redirect(url_for("console.inbox"))

    @bp.post("/inbox/entry")
    def new_entry() -> Response | tuple[str, int]:
        knowledge = knowledge_now()
        try:
            entry_id = field_text("id", limit=64)
            if not ID.match(entry_id):
                raise EditRefused("编号只能用小写英文字母、数字和连字符（-），例如 visa-apply")
            question = field_text("question", limit=200)
            answer = field_text("answer")
            topics = [t for t in request.form.getlist("topics") if t]
            similar = [s for s in transfer.split_list(request.form.get("similar") or "") if s != question][:50]
            ed = editor()
            path = faq_path(ed.root, field_text("file", limit=200))
            before = ed.read(path)
            after = add_entry(before, {"id": entry_id, "question": question, "similar": similar, "answer": answer,
                                       "topics": topics})
            saved = ed.save([FileChange(path, before, after)], who=g.staff,
                            what=f"Console: new entry {entry_id} ({question})",
                            details={"action": "entry", "entry": entry_id, "question": question})
        except (EditRefused, FaqFileError) as exc:
            return refused_page(_refusal(exc), url_for("console.inbox"))
        version = go_live(saved)
        inbox_mod.mark_handled(engine_of().store, knowledge, _group_texts(knowledge, question, *similar),
                               who=g.staff, action="entry", entry=entry_id)
        flash(f"已新建条目 {entry_id}（{', '.join(saved.files)}），现在的版本 {version}。", "ok")
        return redirect(url_for("console.inbox"))

    @bp.post("/inbox/dismiss")
    def dismiss() -> Response:
        knowledge = knowledge_now()
        action = request.form.get("action", "")
        if action not in ("smalltalk", "ignore"):
            abort(400)
        text = (request.form.get("text") or "")[:500]
        texts = _group_texts(knowledge, text)
        inbox_mod.mark_handled(engine_of().store, knowledge, texts, who=g.staff, action=action)
        editor().audit(who=g.staff, what=f"Console: '{text}' marked {action}", files=[],
                       details={"action": action, "text": text})
        flash(f"「{text}」已标为{inbox_mod.ACTIONS[action]}。", "ok")
        return redirect(url_for("console.inbox"))

    # -- try a question ---------------------------------------------------------------------------------------
    @bp.get("/try")
    def try_question() -> str:
        knowledge = knowledge_now()
        text = (request.args.get("q") or "").strip()[:500]
        previous = (request.args.get("previous") or "").strip()[:500]
        result = None
        if text:
            # as the deployment decides (BOT_MATCH_DECISION)
            result = explain(text, knowledge, previous=previous or None, decision=engine_of().config.match_decision)
        return render_template("console/try.html", text=text, previous=previous, result=result,
                               decisions=DECISIONS, entries=knowledge.faq.entries if knowledge.faq else {})

    # -- knowledge --------------------------------------------------------------------------------------------
    @bp.get("/knowledge")
    def knowledge_page() -> str:
        knowledge = knowledge_now()
        query = (request.args.get("q") or "").strip()[:100]
        entries = list(knowledge.faq.entries.values()) if knowledge.faq is not None else []
        shown = [e for e in entries if entry_matches(e, query)] if query else entries
        _, problems = check_knowledge(knowledge.root, limits=engine_of().config.knowledge_limits)
        holder = engine_of().knowledge
        now = time.time()
        counted = daily_counts(engine_of().store, 30, now)
        hits7, hits30 = entry_hits(engine_of().store, 7, now), entry_hits(engine_of().store, 30, now)
        return render_template("console/knowledge.html", query=query, entries=shown, total=len(entries),
                               hits7=hits7, hits30=hits30, since=first_counted_day(counted),
                               never=[e for e in entries if not hits30.get(e.id)],
                               conflicts=conflicts_of(knowledge, settings().near_duplicate),
                               problems=[located(p) for p in problems], serving=holder.version,
                               stale=[located(p) for p in holder.problems])

    # -- export and import ------------------------------------------------------------------------------------
    @bp.get("/transfer")
    def transfer_page() -> str:
        return render_template("console/transfer.html", plan=None, payload="", error="")

    @bp.get("/export.csv")
    def export_csv() -> Response:
        return _download(transfer.to_csv(knowledge_now()), "text/csv; charset=utf-8", "csv")

    @bp.get("/export.xlsx")
    def export_xlsx() -> Response:
        return _download(transfer.to_xlsx(knowledge_now()),
                         "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx")

    @bp.post("/import")
    def import_upload() -> str | tuple[str, int]:
        upload = request.files.get("file")
        knowledge = knowledge_now()
        if upload is None or not upload.filename:
            return render_template("console/transfer.html", plan=None, payload="", error="请选择要导入的文件"), 400
        try:
            rows = transfer.read_upload(upload.filename, upload.read(transfer.MAX_BYTES + 1))
        except transfer.UploadError as exc:
            return render_template("console/transfer.html", plan=None, payload="", error=str(exc)), 400
        plan = transfer.plan_import(knowledge, rows, default_file=default_file(knowledge))
        payload = json.dumps([r for r in rows if any(c.id == r.get("id") for c in plan.changes)], ensure_ascii=False)
        return render_template("console/transfer.html", plan=plan, payload=payload, error="",
                               field_names=IMPORT_FIELDS)

    @bp.post("/import/apply")
    def import_apply() -> Response | tuple[str, int]:
        knowledge = knowledge_now()
        try:
            rows = json.loads(request.form.get("payload") or "[]")
            if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
                raise ValueError
            rows = [{str(k): str(v) for k, v in r.items()} for r in rows]
        except ValueError:
            abort(400)
        plan = transfer.plan_import(knowledge, rows, default_file=default_file(knowledge))
        if not plan.changes:
            flash("没有要导入的修改。", "ok")
            return redirect(url_for("console.transfer_page"))
        try:
            count = len(plan.changes)
            saved = editor().save(_import_changes(plan, rows), who=g.staff,
                                  what=f"Console: import changing {count} entr{'y' if count == 1 else 'ies'}",
                                  details={"action": "import", "entries": [c.id for c in plan.changes][:200]})
        except (EditRefused, FaqFileError) as exc:
            return refused_page(_refusal(exc), url_for("console.transfer_page"))
        version = go_live(saved)
        flash(f"已导入 {len(plan.changes)} 条修改（{', '.join(saved.files)}），现在的版本 {version}。", "ok")
        return redirect(url_for("console.transfer_page"))

    # -- history ----------------------------------------------------------------------------------------------
    @bp.get("/history")
    def history() -> str:
        return render_template("console/history.html", rows=read_audit(engine_of().store))


def _import_changes(plan: transfer.ImportPlan, rows: list[dict[str, str]]) -> list[FileChange]:
    ed = editor()
    texts: dict[Path, tuple[str, str]] = {}
    by_id = {r.get("id"): r for r in rows}
    for diff in plan.changes:
        path = faq_path(ed.root, diff.file)
        before, current = texts.get(path, (ed.read(path), ed.read(path)))
        row = by_id[diff.id]
        values: dict[str, object] = {}
        for name in diff.fields:
            raw = row.get(name, "")
            values[name] = transfer.split_list(raw, topics=name == "topics") if name in ("similar", "topics") else raw
        if diff.new:
            current = add_entry(current, {"id": diff.id, **values})
        else:
            current = set_fields(current, diff.id, values)
        texts[path] = (before, current)
    return [FileChange(path, before, after) for path, (before, after) in texts.items()]


def _refusal(exc: Exception) -> EditRefused:
    return exc if isinstance(exc, EditRefused) else EditRefused(str(exc))


def _group_texts(knowledge: Knowledge, *texts: str) -> list[str]:
    """The texts, with every wording of the inbox groups they belong to."""
    key = request.form.get("key") or ""
    group = inbox_mod.find_group(engine_of().store, knowledge, key) if key else None
    return [*texts, *(group.texts if group is not None else [])]


def _download(data: bytes, mimetype: str, ext: str) -> Response:
    name = f"clairbot-faq-{time.strftime('%Y%m%d')}.{ext}"
    return Response(data, mimetype=mimetype, headers={"Content-Disposition": f"attachment; filename={name}",
                                                      "Cache-Control": "no-store"})


def default_file(knowledge: Knowledge, candidates: list[dict] | None = None) -> str:
    """Where a new entry goes: the file of the best candidate, else the last FAQ file."""
    faq = knowledge.faq
    for candidate in candidates or ():
        entry = faq.get(candidate.get("id")) if faq is not None else None
        if entry is not None:
            return entry.file
    files = faq_files(knowledge.root)
    return f"{knowledge.root.name}/faq/{files[-1].name}" if files else f"{knowledge.root.name}/faq/new.yaml"


def suggested_id(knowledge: Knowledge, file: str) -> str:
    """A free id for a new entry in this file: its name and the next number (staff may change it)."""
    stem = Path(file).stem
    stem = re.sub(r"[^a-z0-9-]+", "-", stem.lower()).strip("-") or "faq"
    taken = set(knowledge.faq.entries) if knowledge.faq is not None else set()
    n = 1
    while f"{stem}-new-{n}" in taken:
        n += 1
    return f"{stem}-new-{n}"


__all__ = ["in_chinese", "register"]
