"""Staff commands for the knowledge: `bot kb check`, `bot kb calibrate`, `bot ask`, `bot report unanswered`,
`bot report handoffs`."""
from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

import click

from bot.infra.knowledge_limits import ReadLimits
from bot.knowledge.loader import Knowledge, KnowledgeError, Problem, check_knowledge, load_knowledge
from bot.knowledge.reload import SNAPSHOT_FOLDER
from bot.knowledge.snapshot import Snapshots
from bot.matching.calibration import Targets
from bot.matching.model import MODEL_FILE
from bot.staff import calibration_run
from bot.staff.ask import explain, menu_problems
from bot.staff.cli_setup import bot_command, load_config
from bot.staff.conversation_records import read_stream, real_question
from bot.staff.report_rows import report_rows, write_csv
from bot.staff.unanswered_report import group_questions, read_unanswered, unpicked_lists


def _folder(path: Path | None) -> Path:
    folder = path or load_config(demo=True).knowledge_dir
    if not folder.is_dir():
        raise click.ClickException(f"{folder} is not a folder")
    return folder


def _limits() -> ReadLimits:
    """The read caps of the configuration (BOT_KNOWLEDGE_MAX_*), the same the running bot uses."""
    return load_config(demo=True).knowledge_limits


_DIR = click.option("--dir", "folder", type=click.Path(file_okay=False, path_type=Path), default=None,
                    help="The knowledge folder (default: KNOWLEDGE_DIR or ./knowledge).")


@click.group()
def kb() -> None:
    """Work with the knowledge folder."""


@kb.command("check")
@_DIR
@click.option("--errors-only", is_flag=True, help="Hide warnings.")
def kb_check(folder: Path | None, errors_only: bool) -> None:
    """Validate every knowledge file; print file:line: problem; exit 1 when there are errors."""
    folder, limits = _folder(folder), _limits()
    try:
        knowledge, problems = check_knowledge(folder, limits=limits)
    except Exception as exc:  # the loader reports problems; anything else is still a sentence, not a traceback
        raise click.ClickException(f"could not check {folder}: {type(exc).__name__}: {exc}") from exc
    if knowledge is not None:

        problems = problems + menu_problems(knowledge)
    errors = [p for p in problems if p.severity == "error"]
    shown = errors if errors_only else problems
    for problem in sorted(shown, key=_where):
        click.echo(f"{problem.file}:{problem.line}: {problem.severity}: {problem.message}")
    click.echo(_summary(folder, knowledge, errors, len(problems) - len(errors)) + _fallback(folder, knowledge))
    if errors:
        raise SystemExit(1)


def _fallback(folder: Path, knowledge: Knowledge | None) -> str:
    """For a folder that does not load: what a restart of the bot would serve (the last good snapshot, if any)."""
    config = load_config(demo=True)
    if knowledge is not None or folder.resolve() != config.knowledge_dir.resolve():
        return ""
    saved = Snapshots(config.data_dir / SNAPSHOT_FOLDER).latest()
    if saved is None:
        return f" No last good copy in {config.data_dir} yet: a restart would refuse to start."
    return f" Meanwhile a restart serves the last good copy (version {saved[0]})."


def _where(problem: Problem) -> tuple[str, int]:
    return problem.file, problem.line


def _summary(folder: Path, knowledge: Knowledge | None, errors: list[Problem], warnings: int) -> str:
    counts = f"{len(errors)} error(s), {warnings} warning(s)"
    if knowledge is None:
        return f"{folder}: {counts}. Not loadable: the bot keeps serving the last good version until fixed."
    faq = knowledge.faq
    size = f"{len(faq.entries)} FAQ entries, {len(faq.index.docs)} phrasings, " if faq is not None else ""
    return f"{folder}: {size}{counts}. OK (version {knowledge.version})."


@kb.command("calibrate")
@_DIR
@click.option("--questions", "question_files", multiple=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Labelled questions (YAML list of {q, expect, kind}); default: the dev split, the in-scope "
                   "probes and the Japanese/English/typo questions in tests/data.")
@click.option("--out-of-scope", "probe_files", multiple=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Questions no entry answers (YAML list); default: tests/data/oos_probes.yaml.")
@click.option("--facts", "fact_files", multiple=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Brochure facts files ({fact, ask, contains}), each question labelled by the entries holding the "
                   "fact; default: tests/data/brochure_facts.yaml when --questions is not given.")
@click.option("--max-wrong", type=click.FloatRange(0, 1), default=Targets.max_wrong, show_default=True,
              help="Share of in-scope questions the answer threshold may answer wrongly.")
@click.option("--max-out-of-scope", type=click.FloatRange(0, 1), default=Targets.max_out_of_scope,
              show_default=True, help="Share of out-of-scope questions the answer threshold may answer.")
@click.option("--list-cost", type=click.FloatRange(0, 1), default=Targets.list_cost, show_default=True,
              help="What a 您是想问 list to an out-of-scope question costs, against one in-scope question the list "
                   "helps (sets the list threshold).")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=MODEL_FILE, show_default=True,
              help="Where to write the model file.")
@click.option("--dry-run", is_flag=True, help="Fit and print, write nothing.")
def kb_calibrate(folder: Path | None, question_files: tuple[Path, ...], probe_files: tuple[Path, ...],
                 fact_files: tuple[Path, ...],
                 max_wrong: float, max_out_of_scope: float, list_cost: float, out: Path, dry_run: bool) -> None:
    """Fit the matcher's decision (weights and thresholds) on labelled questions and write its model file."""
    root = _folder(folder)
    questions_in = list(question_files) or list(calibration_run.DEFAULT_QUESTIONS)
    probes_in = list(probe_files) or list(calibration_run.DEFAULT_OUT_OF_SCOPE)
    facts_in = list(fact_files) or ([] if question_files else list(calibration_run.DEFAULT_FACTS))
    missing = [str(p) for p in questions_in + probes_in + facts_in if not p.is_file()]
    if missing:
        raise click.ClickException(f"labelled file not found: {', '.join(missing)} (run from the project folder)")
    try:
        knowledge = load_knowledge(root, limits=_limits())
    except KnowledgeError as exc:
        raise click.ClickException(f"the knowledge does not load, fix it first: {exc}") from None
    targets = Targets(max_wrong=max_wrong, max_out_of_scope=max_out_of_scope, list_cost=list_cost)
    try:
        questions = calibration_run.labelled(questions_in, probes_in, facts_in, root)
        result = calibration_run.run(knowledge, questions, targets)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(calibration_run.render(result))
    if dry_run:
        return
    out.write_text(calibration_run.model_file_text(result, targets, questions_in + facts_in + probes_in,
                                                   knowledge.version),
                   encoding="utf-8")
    click.echo(f"\nwritten: {out}")


@click.command()
@click.argument("text", nargs=-1, required=True)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object (for scripts).")
@click.option("--previous", "previous", metavar="TEXT", default=None,
              help="The message before TEXT (a follow-up like 那传真呢 is read against it).")
@_DIR
def ask(text: tuple[str, ...], as_json: bool, previous: str | None, folder: Path | None) -> None:
    """What the bot would answer to TEXT, and why."""

    folder = _folder(folder)
    try:
        knowledge = load_knowledge(folder, limits=_limits())
    except KnowledgeError as exc:
        raise click.ClickException(f"the knowledge has errors (run `{bot_command('kb check')}`):\n{exc}") from exc
    # as the deployment decides (BOT_MATCH_DECISION)
    result = explain(" ".join(text), knowledge, previous=previous, decision=load_config(demo=True).match_decision)
    if as_json:
        click.echo(json.dumps(result, ensure_ascii=False))
        return
    click.echo(render_explanation(result))


def render_explanation(result: dict) -> str:
    """`bot ask` for a person: the evidence first, the reply last."""
    lines = [f"previous:    {result['previous']}"] if result.get("previous") else []
    lines += [f"question:    {result['text']}",
             f"normalized:  {result.get('normalized') or ''}",
             f"tokens:      {' | '.join(result.get('tokens') or [])}"]
    if result.get("repaired"):
        lines.append(f"repaired:    {result['repaired']}  (homophone typo)")
    if result.get("unknown"):
        lines.append(f"unknown:     {' | '.join(result['unknown'])}  (words no entry knows)")
    if result.get("subject"):
        lines.append(f"follow-up:   read as {result['subject']} (subject.attribute, from the previous question; "
                     "knowledge/subjects.yaml)")
    if result.get("gap"):
        lines.append(f"gap:         the question asks for {result['gap']}, which the answer of "
                     f"{result['gap_entry']} does not give: the reply says so (bot/matching/data/fact_kinds.yaml)")
    rule = f" by {result['rule']}" if result.get("rule") else ""
    target = f" → {result['entry']}" if result.get("entry") else ""
    if result.get("suggestions"):
        target = " → " + ", ".join(result["suggestions"])
    lines.append(f"decision:    {result['decision']}{rule}{target}  (handler {result['handler']}, "
                 f"score {result['score']:.3f})")
    if result.get("bands"):
        bands = result["bands"]
        lines.append(f"why:         the {result['model']} model is {result['score']:.0%} sure the best entry "
                     f"answers; it answers from {bands['answer']:.0%}, offers a 您是想问 list from "
                     f"{bands['suggest']:.0%} (the best entry and each other one whose probability is at least "
                     f"{bands['member']:.0%}), below that the fallback (bot/matching/data/decision_model.yaml, "
                     "fitted by `bot kb calibrate`)")
    if result.get("candidates"):
        lines.append("candidates:  probability it answers | word match | meaning match (sentence encoder)")
        for n, c in enumerate(result["candidates"], start=1):
            meaning = f"{c['semantic']:.2f}" if c.get("semantic") is not None else "  - "
            lines.append(f"  {n}. {c.get('probability', 0.0):.3f} | {c['score']:.3f} | {meaning}  {c['id']:<28} "
                         f"{c['question']}  (closest: {c['phrasing']})"
                         + (f"  [{c['notes']}]" if c.get("notes") else ""))
    if result.get("effects"):
        lines.append(f"changes:     {', '.join(result['effects'])}  (what the bot would save; `bot ask` saves nothing)")
    lines.append("reply:")
    lines.extend(f"  {line}" for line in (result["reply"] or "(no reply)").splitlines())
    return "\n".join(lines)


@click.group()
def report() -> None:
    """Reports for staff."""


@report.command("unanswered")
@click.option("--since", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="First day to include, YYYY-MM-DD (default: the last 7 days).")
@click.option("--limit", type=click.IntRange(min=1), default=30, show_default=True, help="Groups to show.")
@click.option("--csv", "csv_file", type=click.Path(dir_okay=False, writable=True, path_type=Path), default=None,
              help="Also write every group to this CSV file (UTF-8, opens in Excel).")
def report_unanswered(since: datetime | None, limit: int, csv_file: Path | None) -> None:
    """The questions the bot could not answer, the 您是想问 lists nobody picked from and the answers followers said
    were not it; similar questions grouped, most frequent first, those the knowledge now answers marked."""

    config = load_config(demo=True)
    start = since or (datetime.now() - timedelta(days=7)).replace(hour=0, minute=0, second=0, microsecond=0)
    records = read_unanswered(config, since=start.timestamp())
    knowledge, _ = check_knowledge(config.knowledge_dir, limits=_limits())
    faq = knowledge.faq if knowledge is not None else None
    analyze = faq.index.analyze if faq is not None else None
    questions = [r for r in records if not r.kind and real_question(r.text, knowledge)]
    groups = group_questions(questions, analyze)
    lists = group_questions([r for r in unpicked_lists(records) if real_question(r.text, knowledge)], analyze)
    said_not_it = read_stream(config, lambda keys: keys.feedback, since=start.timestamp(), what="feedback")
    rows = report_rows(groups, lists, said_not_it, knowledge)
    if csv_file is not None:
        write_csv(csv_file, rows)
    if not groups and not lists and not said_not_it:
        click.echo(f"No unanswered questions since {start:%Y-%m-%d}.")
        return
    click.echo(f"{len(questions)} unanswered question(s) since {start:%Y-%m-%d} in {len(groups)} group(s):")
    click.echo(f"{'count':>5} {'askers':>6}  {'last asked':<16}  {'best':>5}  question")
    shown = [row for row in rows if row["section"] == "unanswered"]
    for row in shown[:limit]:
        now = f"  (now answered: {row['answered_now']})" if row["answered_now"] else ""
        click.echo(f"{row['count']:>5} {row['askers']:>6}  {row['last_asked']:<16}  {row['best_score']:>5}  "
                   f"{row['question']}{now}")
        for variant in row["variants"][:3]:
            click.echo(f"{'':>38}~ {variant}")
    if len(shown) > limit:
        click.echo(f"… {len(shown) - limit} more group(s): use --limit")
    sections = (("list", "您是想问 lists nobody picked from"), ("not_it", "answers followers said were not it"))
    for section, title in sections:
        part = [row for row in rows if row["section"] == section]
        if not part:
            continue
        click.echo(f"\n{title} ({sum(int(r['count']) for r in part)}):")
        for row in part[:limit]:
            now = f"  (now answered: {row['answered_now']})" if row["answered_now"] else ""
            click.echo(f"{row['count']:>5} {row['askers']:>6}  {row['last_asked']:<16}  {row['question']}  "
                       f"[{row['entries']}]{now}")
    if csv_file is not None:
        click.echo(f"\nwritten: {csv_file}")


@report.command("handoffs")
@click.option("--since", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="First day to include, YYYY-MM-DD (default: the last 7 days).")
def report_handoffs(since: datetime | None) -> None:
    """Followers who asked for a person (人工…) or were offered one after questions the bot could not answer."""
    config = load_config(demo=True)
    start = since or (datetime.now() - timedelta(days=7)).replace(hour=0, minute=0, second=0, microsecond=0)
    records = read_stream(config, lambda keys: keys.handoffs, since=start.timestamp(), what="handoff requests")
    if not records:
        click.echo(f"No requests for a person since {start:%Y-%m-%d}.")
        return
    click.echo(f"{len(records)} request(s) for a person since {start:%Y-%m-%d}, newest first:")
    click.echo(f"{'when':<16}  {'why':<7} {'given':<8} {'follower (openid)':<30} said")
    for record in reversed(records):
        when = datetime.fromtimestamp(record.when).strftime("%Y-%m-%d %H:%M")
        click.echo(f"{when:<16}  {record['why']:<7} {record['via']:<8} {record['o']:<30} {record['q']}")
