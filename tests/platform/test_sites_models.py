"""Sites models: identities, validation, derived values."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from sanshen.patrol.model import KIND_LABELS, Kind
from sanshen.patrol.model import Problem as PProblem


@pytest.fixture
def site(tree):
    from sanshen.sites.models import Site

    return Site.objects.create(unit=tree["edu"], name="教体局网站", home_url="https://Jyj.Qilin.gov.example/index.html",
                               allowed_hosts=["m.qilin.gov.example"])


def test_key_hash_is_stable_and_follows_problem_key():
    from sanshen.sites.models import key_hash

    a = PProblem(Kind.DEAD_LINK, "https://x/a", "404", facts={"key": "404"}, found_on=["https://x/"])
    b = PProblem(Kind.DEAD_LINK, "https://x/a", "404 again", severity="high", facts={"key": "404"})
    c = PProblem(Kind.CONTENT, "https://x/a", "隐私", finding={"rule": "id_card", "text": "1101"})
    assert key_hash(a.key()) == key_hash(b.key()) != key_hash(c.key())
    assert len(key_hash(a.key())) == 64
    assert key_hash(("dead_link", "https://x/a", "404")) == key_hash(a.key())


def test_kind_choices_carry_the_patrol_labels():
    from sanshen.sites.models import KIND_CHOICES

    assert dict(KIND_CHOICES) == {k.value: v for k, v in KIND_LABELS.items()}


def test_site_hosts_and_options(site):
    assert site.home_host == "jyj.qilin.gov.example"
    assert site.hosts() == {"jyj.qilin.gov.example", "m.qilin.gov.example"}
    assert site.options()["obey_robots"] is True and site.options()["max_pages"] == 2000


@pytest.mark.parametrize("code", ["5303020001", "bm53000001"])
def test_site_code_accepts_ten_letters_or_digits(site, code):
    site.site_code = code
    site.full_clean()


@pytest.mark.parametrize("code", ["530302", "5303-02000", "53030200011"])
def test_site_code_rejects_other_shapes(site, code):
    site.site_code = code
    with pytest.raises(ValidationError):
        site.full_clean()


def test_column_update_classes(site):
    from sanshen.sites.models import Column, UpdateClass

    today = dt.date(2026, 11, 20)
    column = Column(site=site, url="https://jyj/x/", name="x", latest_date=today - dt.timedelta(days=15))
    assert column.max_age_days == 14 and column.is_stale(today)
    column.update_class = UpdateClass.NOTICE
    assert column.max_age_days == 183 and not column.is_stale(today)
    column.update_class = UpdateClass.YEARLY
    assert column.max_age_days == 365
    column.update_class = UpdateClass.NONE
    assert column.max_age_days is None and not column.is_stale(today)
    column.update_class = UpdateClass.CUSTOM
    with pytest.raises(ValidationError):
        column.full_clean()
    column.custom_days = 10
    column.full_clean()
    assert column.is_stale(today)
    assert dict(UpdateClass.choices)["news"] == "动态要闻（2周）"


def test_problem_key_unique_per_site(site, tree):
    from sanshen.sites.models import Problem, Site

    now = timezone.now()
    Problem.objects.create(site=site, kind="dead_link", key_hash="a" * 64, url="u", detail="d", first_seen_at=now,
                           last_seen_at=now)
    with pytest.raises(IntegrityError), transaction.atomic():
        Problem.objects.create(site=site, kind="dead_link", key_hash="a" * 64, url="u", detail="d",
                               first_seen_at=now, last_seen_at=now)
    other = Site.objects.create(unit=tree["edu"], name="另一个", home_url="https://other.example/")
    Problem.objects.create(site=other, kind="dead_link", key_hash="a" * 64, url="u", detail="d", first_seen_at=now,
                           last_seen_at=now)


def test_run_percent(site):
    from sanshen.sites.models import PatrolRun

    run = PatrolRun(site=site, state="running", pages_crawled=30, pages_total_estimate=120)
    assert run.percent == 25 and run.is_active
    run.pages_crawled = 500
    assert run.percent == 99
    run.state = "done"
    assert run.percent == 100 and not run.is_active


def test_probe_index_on_site_and_time():
    from sanshen.sites.models import Probe

    assert any(tuple(index.fields) == ("site", "at") for index in Probe._meta.indexes)
