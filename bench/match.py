"""Match latency and start-up time, on the real knowledge and on synthetic knowledge of 3,000 and 30,000 questions.

    python bench/match.py [--sizes 3000,30000] [--queries 400]

Per knowledge: start-up = load + validate + index (jieba's dictionary already in memory; the cold start of a
fresh process, dictionary included, is measured once separately; start-up includes embedding the phrasings the
vector cache does not hold yet); match = what the FAQ handler does per message (normalize, cut, retrieve,
rerank, encode, the calibrated decision) on messages it has not seen before, and the earlier rule-based decision
(no encoder) beside it. Baselines in the same run over the same phrasings: a bare rapidfuzz `process.extract`
(token_sort_ratio on pre-cut words, and WRatio on raw text). Then, on the real knowledge, the calibrated
decision with one BLAS thread per process (what bot/matching/encoder.py sets) against a BLAS thread per core, for
one message at a time and for two matched side by side (web threads). The last line is the process's peak memory.
"""
from __future__ import annotations

import argparse
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from rapidfuzz import fuzz, process, utils  # noqa: E402
from threadpoolctl import threadpool_limits  # noqa: E402

from bot.devkit.knowledge_folder import write_knowledge  # noqa: E402
from bot.knowledge import faq as faq_section  # noqa: E402
from bot.knowledge import load_knowledge  # noqa: E402
from bot.matching import decide, encoder, normalize  # noqa: E402
from bot.matching.matcher import match  # noqa: E402

FILLERS = ("请问", "你好，", "我想问一下", "", "", "")
OUT_OF_SCOPE = ("签证怎么办", "日元汇率多少", "东京天气怎么样", "机票多少钱", "哪家酒店好", "明天会下雨吗")


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def synthetic_knowledge(real, questions: int, folder: Path, rng: random.Random) -> Path:
    """A knowledge folder (under `folder`) of `questions` phrasings (6 per entry) recombined from the real words."""
    index = real.faq.index
    words = [t for d in index.docs for t in d.tokens]
    chars = [c for w in words for c in w if "\u4e00" <= c <= "\u9fff"]
    names: set[str] = set()
    lines: list[str] = []
    for n in range(questions // 6):
        name = ""
        while not name or name in names:
            name = "".join(rng.sample(chars, 3))
        names.add(name)
        template = rng.choice(index.docs).tokens
        phrasings = [name + "".join(template)]
        for _ in range(5):
            picked = rng.sample(words, rng.randint(2, 5))
            phrasings.append(name + "".join(picked) + str(rng.randint(0, 9999)))
        lines.append(f"- id: synthetic-{n}\n  question: {phrasings[0]}\n  similar:\n")
        lines.extend(f"    - {p}\n" for p in phrasings[1:])
        lines.append(f"  answer: {name}的答案\n  source: general\n")
    return write_knowledge(folder, faq={"synthetic.yaml": "".join(lines)})  # the real replies, two topics


def messages(knowledge, count: int, rng: random.Random) -> list[str]:
    """Unseen messages: phrasings with a word dropped and a filler added, and some out-of-scope ones."""
    docs = knowledge.faq.index.docs
    out = []
    for n in range(count):
        if n % 8 == 0:
            out.append(rng.choice(OUT_OF_SCOPE) + str(n))
            continue
        doc = rng.choice(docs)
        tokens = list(doc.tokens)
        if len(tokens) > 2:
            tokens.pop(rng.randrange(len(tokens)))
        out.append(rng.choice(FILLERS) + "".join(tokens) + "？" * (n % 2))
    return out


def time_matching(knowledge, texts: list[str], *, calibrated: bool = True) -> list[float]:
    """Milliseconds per message for the FAQ handler's work (no cache: every message is analysed afresh)."""
    index = knowledge.faq.index
    spent = []
    for text in texts:
        start = time.perf_counter()
        analysis = index.tokenizer.analyze(text)
        if calibrated:
            match(index, analysis)
        elif index.exact(analysis) is None:
            decide(index.rank(analysis), n_tokens=len(analysis.tokens))
        spent.append((time.perf_counter() - start) * 1000)
    return spent


def time_baselines(knowledge, texts: list[str]) -> tuple[list[float], list[float]]:
    """Milliseconds per message for bare rapidfuzz over the same phrasings."""
    index = knowledge.faq.index
    joined = [d.joined for d in index.docs]
    raw = [utils.default_process(d.text) for d in index.docs]
    cut, wratio = [], []
    for text in texts:
        start = time.perf_counter()
        process.extract(" ".join(index.tokenizer.analyze(text).tokens), joined, scorer=fuzz.token_sort_ratio, limit=5)
        cut.append((time.perf_counter() - start) * 1000)
        start = time.perf_counter()
        process.extract(utils.default_process(text), raw, scorer=fuzz.WRatio, limit=5)
        wratio.append((time.perf_counter() - start) * 1000)
    return cut, wratio


def time_side_by_side(knowledge, texts: list[str], workers: int) -> list[float]:
    """Milliseconds per message when `workers` threads match their share of the texts at the same time."""
    shares = [texts[k::workers] for k in range(workers)]
    with ThreadPoolExecutor(workers) as pool:
        return [ms for part in pool.map(lambda share: time_matching(knowledge, share), shares) for ms in part]


def blas_threads(knowledge, texts: list[str]) -> None:
    """p50 of the calibrated decision with one BLAS thread and with one per core, alone and two side by side."""
    cores = os.cpu_count() or 1
    print("\nreal knowledge, calibrated decision, p50 ms   alone   2 side by side")
    backend = encoder._loaded_model()._model  # the package's forward pass sets its own limit per call
    for label, limit in (("1 BLAS thread (the bot's)", 1), (f"{cores} BLAS threads", cores)):
        backend.threads = limit
        with threadpool_limits(limits=limit, user_api="blas"):
            time_matching(knowledge, texts[:20])
            alone = statistics.median(time_matching(knowledge, texts))
            paired = statistics.median(time_side_by_side(knowledge, texts, 2))
        print(f"  {label:<40} {alone:>6.2f}  {paired:>15.2f}")
    backend.threads = 1


def load_timed(folder: Path):
    faq_section._BUILT.clear()  # measure a real build, not the reuse of an identical earlier one
    normalize.cache_clear()
    start = time.perf_counter()
    knowledge = load_knowledge(folder)
    return knowledge, time.perf_counter() - start


def cold_start() -> float:
    """Seconds for a fresh process to import the bot and load the real knowledge (jieba dictionary included)."""
    code = (f"import sys, time; sys.path.insert(0, {str(ROOT)!r}); t = time.perf_counter(); "
            "from bot.knowledge import load_knowledge; from bot import PROJECT_ROOT; "
            "load_knowledge(PROJECT_ROOT / 'knowledge'); print(time.perf_counter() - t)")
    return float(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout)


def main() -> None:
    """Print one line per knowledge size."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="3000,30000")
    parser.add_argument("--queries", type=int, default=400)
    args = parser.parse_args()
    rng = random.Random(42)
    print(f"cold start (new process: imports, jieba dictionary, real knowledge): {cold_start():.2f} s")
    real, _ = load_timed(ROOT / "knowledge")
    sets = [("real", ROOT / "knowledge")]
    with tempfile.TemporaryDirectory() as tmp:
        for size in (int(s) for s in args.sizes.split(",") if s):
            sets.append((f"{size:,}", synthetic_knowledge(real, size, Path(tmp) / str(size), rng)))
        print(f"{'knowledge':>10} {'questions':>9} {'start-up':>9} {'p50 ms':>7} {'p99 ms':>7} {'rules p50':>9} "
              f"{'rf-cut p50':>10} {'WRatio p50':>10} {'vs rf-cut':>9}")
        for label, folder in sets:
            knowledge, startup = load_timed(folder)
            texts = messages(knowledge, args.queries, rng)
            time_matching(knowledge, texts[:20])  # warm-up
            ours = time_matching(knowledge, texts)
            rules = time_matching(knowledge, texts, calibrated=False)
            cut, wratio = time_baselines(knowledge, texts)
            p50, p99 = statistics.median(ours), percentile(ours, 0.99)
            print(f"{label:>10} {len(knowledge.faq.index.docs):>9,} {startup:>8.2f}s {p50:>7.2f} "
                  f"{p99:>7.2f} {statistics.median(rules):>9.2f} {statistics.median(cut):>10.2f} "
                  f"{statistics.median(wratio):>10.2f} {p50 / statistics.median(cut):>8.2f}x")
    blas_threads(real, messages(real, args.queries, rng))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory of this process (encoder, real and synthetic indexes loaded): {peak:.0f} MB")


if __name__ == "__main__":
    main()
