"""The day's counts the webhook keeps (messages, decisions, follows, entry hits) and the pages built on them: hits per
entry on the knowledge page, the dashboard's server-drawn charts, and the pushes page's honest counts."""
from __future__ import annotations

import time

from bot.devkit.wechat_client import exchange
from bot.followers.stats import daily_counts, day_of, entry_hits

ARTICLE = """\
---
title: 长野县的冬天
summary: 滑雪和温泉
url: https://www.go-nagano.net/
topics: [tourism, jet]
publish_at: 2030-01-01 09:00
---
长野县冬天可以滑雪、泡温泉。
"""


def test_the_webhook_counts_each_day(console_app, follower, store, server):
    client = console_app.test_client()
    exchange(client, server, server.plaintext(server.event("subscribe", openid="o_new")))
    follower("你们电话多少")
    follower("你们电话多少", openid="o_b")
    follower("客服热线多少")
    follower("长野县")
    today = daily_counts(store, 1, time.time())[0]
    assert today[0] == day_of(time.time())
    counts = today[1]
    assert counts["messages"] == 4 and counts["d:answer"] == 2 and counts["d:fallback"] == 1
    assert counts["d:suggest"] == 1 and counts["e:subscribe"] == 1
    assert entry_hits(store, 7, time.time()) == {"contact-phone": 2}
    assert 0 < store.redis.ttl(store.keys.stats_day(today[0])) <= 400 * 86400


def test_the_knowledge_page_shows_hits_and_entries_never_hit(staff, follower):
    follower("你们电话多少")
    page = staff.get("/console/knowledge").get_data(as_text=True)
    hits = page.split('id="kb-hits"')[1].split("</section>")[0]
    assert "开始统计" in hits and "contact-fax" in hits and "contact-phone" not in hits
    row = page.split("<code>contact-phone</code>")[-1].split("</tr>")[0]
    assert "<td>1</td><td>1</td>" in row


def test_the_dashboard_draws_its_charts_on_the_server(staff, follower):
    follower("你们电话多少")
    follower("客服热线多少")
    resp = staff.get("/console/dashboard")
    page = resp.get_data(as_text=True)
    assert resp.status_code == 200
    assert page.count("<svg") >= 3 and "每天收到的问题" in page and "每天的回答情况" in page
    svg = page.split("<svg", 1)[1].rsplit("</svg>", 1)[0]
    assert "<script" not in page.lower()  # a static picture: no script on the page
    for fetch in ('href="http', "href='http", "src=", "@import", "url(http"):
        assert fetch not in svg  # nothing loaded from elsewhere (no CDN)
    assert "共收到 2 个问题" in page and "客服热线多少" in page and "contact-phone" in page


def test_the_pushes_page_counts_followers_once(staff, console_app, kb, store):
    (kb / "articles").mkdir(exist_ok=True)
    (kb / "articles" / "nagano-winter.md").write_text(ARTICLE, encoding="utf-8")
    for openid, topics in (("o_1", ["tourism", "jet"]), ("o_2", ["tourism"]), ("o_3", ["jet"])):
        for topic in topics:
            store.redis.sadd(store.keys.topic_subs(topic), openid)
            store.redis.sadd(store.keys.user_topics(openid), topic)
    page = staff.get("/console/pushes").get_data(as_text=True)
    row = page.split('id="pushes"')[1].split("</table>")[0]
    assert "长野县的冬天" in row and "已安排" in row and "<td>3</td>" in row  # three followers, o_1 counted once
    assert "滑雪和温泉" in page  # the preview of the news card
    tourism = page.split("<code>tourism</code>")[1].split("</tr>")[0]
    assert "<td>2</td>" in tourism
