"""The SQLite frontier: each URL once, leases, exactly-once completion under races, resume."""

from __future__ import annotations

import multiprocessing
import os
import random
import threading
import time

from sanshen.patrol.frontier import CHECK, CRAWL, DONE, PENDING, Entry, SqliteFrontier


def test_urls_are_stored_once_and_found_on_merged(tmp_path):
    f = SqliteFrontier(tmp_path / "p.sqlite")
    assert f.add([Entry("http://a/", 0)]) == 1
    assert f.add([Entry("http://a/x", 1, found_on="http://a/"), Entry("http://a/x", 1, found_on="http://a/y"),
                  Entry("http://a/x", 2, found_on="http://a/")]) == 1
    assert f.add([Entry("http://a/x", 1, found_on="http://a/z")]) == 0
    assert sorted(f.found_on("http://a/x")) == ["http://a/", "http://a/y", "http://a/z"]
    assert f.pending_count() == 2 and f.done_count() == 0 and f.count() == 2
    assert f.found_on("http://nowhere/") == []


def test_claim_shallowest_first_and_complete_once(tmp_path):
    f = SqliteFrontier(tmp_path / "p.sqlite")
    f.add([Entry("http://a/deep", 3), Entry("http://a/", 0), Entry("http://a/mid", 1)])
    tasks = f.claim("w1", 2, 60)
    assert [t.url for t in tasks] == ["http://a/", "http://a/mid"]
    assert f.claim("w2", 5, 60)[0].url == "http://a/deep"  # the claimed ones are not handed out again
    assert f.claim("w2", 5, 60) == []
    assert f.complete(tasks[0], {"status": 200}) is True
    assert f.complete(tasks[0], {"status": 200}) is False
    assert f.record("http://a/") == {"status": 200}
    assert f.done_count() == 1 and f.pending_count() == 2


def test_crawl_limit_turns_extra_pages_into_checks(tmp_path):
    f = SqliteFrontier(tmp_path / "p.sqlite")
    f.add([Entry(f"http://a/{i}", 1, CRAWL) for i in range(5)], crawl_limit=3)
    assert f.count(CRAWL) == 3 and f.count(CHECK) == 2


def test_expired_lease_is_reclaimed_and_the_late_completion_refused(tmp_path):
    f = SqliteFrontier(tmp_path / "p.sqlite")
    f.add([Entry("http://a/", 0)])
    [t1] = f.claim("w1", 1, 0.2)
    assert f.claim("w2", 1, 60) == []
    time.sleep(0.3)
    [t2] = f.claim("w2", 1, 60)
    assert t2.url == t1.url and t2.attempts == 2 and t2.token != t1.token
    assert f.complete(t2, {"by": "w2"}) is True
    assert f.complete(t1, {"by": "w1"}) is False  # lost its lease, the task was re-done elsewhere
    assert f.record("http://a/") == {"by": "w2"}
    # A lease that ran out but was not taken by anyone can still be completed by its holder.
    f.add([Entry("http://a/b", 1)])
    [t3] = f.claim("w1", 1, 0.05)
    time.sleep(0.1)
    assert f.complete(t3, {"late": True}) is True


def test_lease_extension(tmp_path):
    f = SqliteFrontier(tmp_path / "p.sqlite")
    f.add([Entry("http://a/", 0)])
    [t] = f.claim("w1", 1, 0.2)
    assert f.extend(t, 60)
    time.sleep(0.3)
    assert f.claim("w2", 1, 60) == []


def _race(path: str, worker: str, results: list, barrier: threading.Barrier | None = None):
    f = SqliteFrontier(path)
    if barrier:
        barrier.wait()
    rng = random.Random(worker)
    while True:
        tasks = f.claim(worker, 5, 0.02)  # leases so short that many run out mid-task
        if not tasks:
            if f.pending_count() == 0:
                break
            time.sleep(0.005)
            continue
        for task in tasks:
            time.sleep(rng.random() * 0.01)
            if f.complete(task, {"by": worker}):
                results.append(task.url)
    f.close()


def test_two_workers_racing_complete_every_url_exactly_once(tmp_path):
    path = str(tmp_path / "p.sqlite")
    f = SqliteFrontier(path)
    urls = [f"http://a/{i}" for i in range(400)]
    f.add(Entry(u, 1) for u in urls)
    results: list[str] = []
    barrier = threading.Barrier(2)
    threads = [threading.Thread(target=_race, args=(path, w, results, barrier)) for w in ("w1", "w2")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert sorted(results) == sorted(urls)  # none lost, none recorded twice
    assert f.done_count() == 400
    records = {url: rec["by"] for url, _kind, rec in f.records()}
    assert set(records.values()) == {"w1", "w2"}


def _claim_and_die(path: str) -> None:
    f = SqliteFrontier(path)
    tasks = f.claim("doomed", 3, 0.3)
    assert len(tasks) == 3
    os._exit(0)  # killed mid-patrol: nothing completed, nothing cleaned up


def test_a_killed_worker_loses_nothing(tmp_path):
    path = str(tmp_path / "p.sqlite")
    f = SqliteFrontier(path)
    f.add(Entry(f"http://a/{i}", 1) for i in range(10))
    proc = multiprocessing.get_context("fork").Process(target=_claim_and_die, args=(path,))
    proc.start()
    proc.join(30)
    assert f.pending_count() == 10
    assert len(f.claim("survivor", 20, 60)) == 7  # the dead worker's three are still leased
    time.sleep(0.35)
    late = f.claim("survivor", 20, 60)
    assert len(late) == 3  # its leases ran out: handed out again
    f.release("survivor")
    done = 0
    for t in f.claim("survivor", 20, 60):
        done += f.complete(t, {})
    assert done == 10 and f.pending_count() == 0


def test_resume_after_a_crash_with_the_same_file(tmp_path):
    path = tmp_path / "p.sqlite"
    f = SqliteFrontier(path)
    f.add(Entry(f"http://a/{i}", 1, found_on="http://a/") for i in range(6))
    tasks = f.claim("local", 4, 3600)
    f.complete(tasks[0], {"status": 200})
    f.close()  # the process stops here
    g = SqliteFrontier(path)
    assert g.done_count() == 1 and g.pending_count() == 5
    assert g.release("local") == 3  # the restarted worker takes its own claims back at once
    assert g.state("http://a/1") == PENDING and g.state("http://a/0") == DONE
    assert len(g.claim("local", 10, 60)) == 5
    assert g.found_on("http://a/3") == ["http://a/"]


def test_next_patrol_carries_validators_and_baselines(tmp_path):
    f = SqliteFrontier(tmp_path / "p.sqlite")
    f.add([Entry("http://a/", 0), Entry("http://a/img.png", 1, CHECK)])
    for t in f.claim("w", 5, 60):
        f.complete(t, {"etag": '"v1"', "last_modified": "Mon, 02 Nov 2026 00:00:00 GMT", "hash": "abc",
                       "links": [["http://a/x", "page", "x", ""]], "problems": [{"kind": "dead_link"}]}
                   if t.kind == CRAWL else {"status": 200})
    f.baselines().put("http://a/", {"hash": "abc"})
    f.next_patrol()
    assert f.count() == 0 and f.done_count() == 0
    prev = f.previous("http://a/")
    assert prev.etag == '"v1"' and prev.content_hash == "abc" and prev.links == [["http://a/x", "page", "x", ""]]
    assert prev.problems == [{"kind": "dead_link"}]
    assert f.previous("http://a/img.png") is None
    assert f.baselines().get("http://a/") == {"hash": "abc"}
    other = SqliteFrontier(tmp_path / "q.sqlite", previous=tmp_path / "p.sqlite")
    assert other.baselines().get("http://a/") == {"hash": "abc"}


def test_hundred_thousand_urls_sanity(tmp_path):
    """Not a timed assertion: 100k URLs go in through batches and the unique index, not a Python set."""
    f = SqliteFrontier(tmp_path / "p.sqlite")
    started = time.monotonic()
    assert f.add(Entry(f"http://a/p/{i}.html", 2, found_on="http://a/") for i in range(100_000)) == 100_000
    assert f.add(Entry(f"http://a/p/{i}.html", 3, found_on="http://a/list") for i in range(0, 100_000, 7)) == 0
    took = time.monotonic() - started
    print(f"100k URLs added (and 14k again) in {took:.1f} s")
    assert f.pending_count() == 100_000
    assert f.found_on("http://a/p/7.html") == ["http://a/", "http://a/list"]
    assert len(f.claim("w", 1000, 60)) == 1000


def test_crawl_limit_counts_every_crawl_url_across_adds_upgrades_and_patrols(tmp_path):
    f = SqliteFrontier(tmp_path / "p.sqlite")
    f.add([Entry(f"http://a/{i}", 1, CRAWL) for i in range(3)])  # no limit: still counted
    f.add([Entry("http://a/c", 3, CHECK), Entry("http://a/c", 2, CRAWL, found_on="http://a/0")], crawl_limit=5)
    assert f.count(CRAWL) == 4  # the check URL found closer to home became a crawl
    f.add([Entry(f"http://a/n{i}", 1, CRAWL) for i in range(4)], crawl_limit=5)
    assert f.count(CRAWL) == 5 and f.count(CHECK) == 3
    assert f.get_meta("crawl_count") == f.count(CRAWL)
    for task in f.claim("w", 100, 60):
        f.complete(task, {"page": True, "hash": "h"})
    f.next_patrol()
    f.add([Entry(f"http://a/m{i}", 1, CRAWL) for i in range(7)], crawl_limit=5)
    assert f.count(CRAWL) == 5 and f.get_meta("crawl_count") == 5
