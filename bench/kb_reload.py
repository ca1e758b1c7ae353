"""Benchmark: how soon a knowledge edit is live with no request (the web processes' watcher), and how long
`bot kb check` takes on a billion-laughs file (nine levels: 387 million strings if it were expanded).

    python bench/kb_reload.py [--edits 5]

Works on a copy of knowledge/ in a temporary folder; prints the edit-to-live seconds and the check's time and memory.
"""
from __future__ import annotations

import argparse
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.infra.config import Config  # noqa: E402
from bot.knowledge import KnowledgeHolder  # noqa: E402


def bomb(levels: int) -> str:
    lines = ['lol0: &lol0 ["ha", "ha", "ha", "ha", "ha", "ha", "ha", "ha", "ha"]']
    lines += [f"lol{n}: &lol{n} [" + ", ".join([f"*lol{n - 1}"] * 9) + "]" for n in range(1, levels + 1)]
    return "\n".join(lines) + "\n"


def edit_to_live(folder: Path, data: Path, edits: int) -> list[float]:
    """Seconds from saving an FAQ file to the watcher serving the new version, for each edit."""
    config = Config(token="benchtoken", app_id="wxbench", knowledge_dir=folder, data_dir=data)
    holder = KnowledgeHolder.for_config(config, background=True)  # as Engine.build makes it
    target = folder / "faq" / "contact.yaml"
    original = target.read_text("utf-8")
    seconds = []
    for n in range(edits):
        before = holder.version
        # A changed phrasing: the matcher's index is rebuilt, as for most staff edits.
        target.write_text(original.replace("similar:", f"similar:\n    - 第{n}次改动的问法", 1), encoding="utf-8")
        start = time.monotonic()
        while holder.version == before:
            time.sleep(0.01)
        seconds.append(time.monotonic() - start)
    holder.close()
    return seconds


def check_bomb(folder: Path) -> tuple[float, int, str]:
    """(seconds, peak MB of the child, its last line) of `bot kb check` with a bomb in replies.yaml."""
    with open(folder / "replies.yaml", "a", encoding="utf-8") as handle:
        handle.write(bomb(9))
    start = time.monotonic()
    done = subprocess.run([sys.executable, "-c", "from bot.staff.cli import main; main()", "kb", "check", "--dir",
                           str(folder), "--errors-only"], capture_output=True, text=True, cwd=ROOT, timeout=600)
    elapsed = time.monotonic() - start
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024
    return elapsed, peak, done.stdout.strip().splitlines()[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--edits", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "knowledge"
        shutil.copytree(ROOT / "knowledge", folder)
        seconds = edit_to_live(folder, Path(tmp) / "var", args.edits)
        print(f"edit to live (watcher, no request): median {statistics.median(seconds):.2f} s, "
              f"max {max(seconds):.2f} s over {len(seconds)} edits")
        elapsed, peak, first = check_bomb(folder)
        print(f"bot kb check on a 9-level alias bomb: {elapsed:.2f} s, peak {peak} MB")
        print(f"  {first}")


if __name__ == "__main__":
    main()
