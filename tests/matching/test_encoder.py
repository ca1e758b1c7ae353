"""The sentence encoder (the real model) and the phrasing vector cache: hits, restarts, reloads, broken files."""
from __future__ import annotations

import logging
import threading
from pathlib import Path

import numpy as np
import pytest

from bot.infra.config import Config
from bot.knowledge import load_knowledge
from bot.matching import encoder
from bot.matching.encoder import CACHE_FILE, DIMENSION, PhrasingVectors, embed, embedded_count
from tests.kbkit import FAQ, write_knowledge


def phrasings(knowledge) -> list[str]:
    """Every question, similar phrasing and keyword of a loaded knowledge, in file order."""
    return [text for entry in knowledge.faq.entries.values()
            for text in (entry.question, *(p.text for p in entry.similar), *(p.text for p in entry.keywords))]


def test_the_same_text_gets_the_same_normalised_vector() -> None:
    first, second = embed(["你们电话多少", "JET项目是什么"]), embed(["你们电话多少"])
    assert first.shape == (2, DIMENSION) and first.dtype == np.float32
    assert np.array_equal(second, embed(["你们电话多少"]))
    # in a batch the sums run in another order (BLAS): the same vector to float32 rounding
    assert np.allclose(first[0], second[0], atol=1e-6)
    assert np.allclose(np.linalg.norm(first, axis=1), 1.0, atol=1e-5)
    assert embed([]).shape == (0, DIMENSION)


@pytest.mark.parametrize(("japanese", "chinese", "unrelated"), [
    ("北京事務所の住所を教えてください", "北京事务所的地址在哪里？", "JET项目是什么"),
    ("電話番号は何番ですか", "你们电话多少", "福岛有什么好玩的"),
    ("専門家派遣事業はいつ始まりましたか", "专家派遣项目是什么时候开始的", "你们电话多少"),
])
def test_a_japanese_question_is_closer_to_its_chinese_phrasing_than_to_another(japanese, chinese, unrelated) -> None:
    question, same, other = embed([japanese, chinese, unrelated])
    assert question @ same > question @ other + 0.2


def test_threads_asking_at_once_get_the_same_vectors() -> None:
    results: list[np.ndarray] = []
    threads = [threading.Thread(target=lambda: results.append(embed(["北京事务所的传真是多少？"])))
               for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 4 and all(np.array_equal(r, results[0]) for r in results)


def test_the_cache_embeds_only_texts_it_has_not_seen(tmp_path: Path) -> None:
    cache = PhrasingVectors(tmp_path / CACHE_FILE)
    before = embedded_count()
    vectors = cache.vectors(["电话", "传真", "地址", "电话"])
    assert embedded_count() - before == 3  # a text asked twice is embedded once
    assert np.array_equal(vectors[0], vectors[3]) and np.allclose(vectors[:3], embed(["电话", "传真", "地址"]))
    before = embedded_count()
    again = cache.vectors(["电话", "传真", "邮编"])
    assert embedded_count() - before == 1
    assert np.array_equal(again[:2], vectors[:2])
    assert len(cache) == 3  # 地址 is no longer asked for, so it is dropped


def test_the_cache_file_survives_a_restart(tmp_path: Path) -> None:
    path = tmp_path / "var" / CACHE_FILE
    texts = ["JET项目怎么申请？", "JET项目是什么？", "phone number"]
    vectors = PhrasingVectors(path).vectors(texts)
    assert path.is_file()
    before = embedded_count()
    restarted = PhrasingVectors(path)
    assert len(restarted) == 3
    assert np.array_equal(restarted.vectors(texts), vectors)
    assert embedded_count() == before


def test_the_cache_lives_in_the_data_dir(tmp_path: Path) -> None:
    config = Config(token="clairbotdemo", app_id="wxdemo0000000000", data_dir=tmp_path / "data")
    PhrasingVectors.in_data_dir(config.data_dir).vectors(["联系电话"])
    assert (tmp_path / "data" / CACHE_FILE).is_file()


def test_a_reload_embeds_only_the_phrasing_that_changed(tmp_path: Path) -> None:
    path = tmp_path / CACHE_FILE
    folder = write_knowledge(tmp_path)
    old = phrasings(load_knowledge(folder))
    PhrasingVectors(path).vectors(old)
    write_knowledge(tmp_path, faq={"main.yaml": FAQ.replace("怎么打电话给你们", "怎样给你们打电话")})
    new = phrasings(load_knowledge(folder))
    assert len(set(new) - set(old)) == 1
    before = embedded_count()
    PhrasingVectors(path).vectors(new)  # as after a restart on the edited folder
    assert embedded_count() - before == 1


def broken_files(path: Path) -> dict[str, bytes]:
    """Files that are not a cache this module can use: garbage, torn, wrong shape, pickled."""
    PhrasingVectors(path).vectors(["电话", "传真"])
    good = path.read_bytes()
    with open(path, "wb") as out:
        np.savez(out, model=np.array(encoder.MODEL_ID), keys=np.array(["x" * 64]), vectors=np.zeros((1, 3), np.float32))
    wrong_shape = path.read_bytes()
    with open(path, "wb") as out:
        np.savez(out, model=np.array(encoder.MODEL_ID), keys=np.array([{"x": 1}], dtype=object),
                 vectors=np.zeros((1, DIMENSION), np.float32))
    pickled = path.read_bytes()
    return {"garbage": b"not a cache", "empty": b"", "torn": good[: len(good) // 2], "wrong shape": wrong_shape,
            "pickled": pickled}


@pytest.mark.parametrize("kind", ["garbage", "empty", "torn", "wrong shape", "pickled"])
def test_a_broken_cache_file_is_rebuilt_with_a_warning(tmp_path: Path, kind: str, caplog) -> None:
    path = tmp_path / CACHE_FILE
    path.write_bytes(broken_files(path)[kind])
    with caplog.at_level(logging.WARNING, logger="bot.matching.encoder"):
        cache = PhrasingVectors(path)
    assert len(cache) == 0
    assert any(r.levelno == logging.WARNING and "unreadable" in r.getMessage() for r in caplog.records)
    before = embedded_count()
    assert cache.vectors(["电话", "传真"]).shape == (2, DIMENSION)
    assert embedded_count() - before == 2
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="bot.matching.encoder"):
        assert len(PhrasingVectors(path)) == 2  # the file was written anew
    assert not caplog.records


def test_a_cache_of_another_model_is_rebuilt(tmp_path: Path) -> None:
    path = tmp_path / CACHE_FILE
    with open(path, "wb") as out:
        np.savez(out, model=np.array("another-model 1.0"), keys=np.array([encoder.text_key("电话")]),
                 vectors=np.ones((1, DIMENSION), np.float32))
    cache = PhrasingVectors(path)
    assert len(cache) == 0
    assert np.allclose(cache.vectors(["电话"]), embed(["电话"]))


def test_an_unwritable_data_dir_keeps_the_vectors_in_memory(tmp_path: Path, caplog) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("a file where the data dir should be")
    cache = PhrasingVectors(blocker / CACHE_FILE)
    with caplog.at_level(logging.WARNING, logger="bot.matching.encoder"):
        vectors = cache.vectors(["电话"])
    assert vectors.shape == (1, DIMENSION) and len(cache) == 1
    assert any("not saved" in r.getMessage() for r in caplog.records)


def test_the_web_app_keeps_its_phrasing_vectors_in_its_data_dir(app, config: Config) -> None:
    engine = app.extensions["clairbot"]
    cache = config.data_dir / CACHE_FILE
    assert cache.is_file()
    index = engine.knowledge.current.faq.index
    assert len(PhrasingVectors(cache)) == len({d.text for d in index.docs} | set(index.semantic.outside_texts))
