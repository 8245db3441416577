"""Concurrent appends keep one unbroken chain (real commits, one connection per thread)."""

from django.db import connection, transaction

from sanshen.audit import protection
from sanshen.audit.models import AuditChainHead, AuditEntry
from sanshen.audit.services import record, verify_chain
from sanshen.units.models import Unit

from .conftest import run_in_threads

THREADS = 8
PER_THREAD = 12


def test_parallel_appends_form_one_chain(committed_db):
    def work(i):
        for n in range(PER_THREAD):
            if n % 3 == 0:
                # An entry inside a business transaction (tracked model save) …
                with transaction.atomic():
                    Unit.objects.create(name=f"并发单位{i}-{n}", kind=Unit.Kind.OTHER)
            else:
                # … and a bare one.
                record("update", object_type="demo.item", object_id=f"{i}-{n}")

    errors = run_in_threads(THREADS, work)
    assert errors == []
    total = THREADS * PER_THREAD
    assert list(AuditEntry.objects.order_by("seq").values_list("seq", flat=True)) == list(range(1, total + 1))
    assert AuditChainHead.objects.get().seq == total
    status = verify_chain()
    assert status.ok, status
    assert status.count == total


def test_rolled_back_appends_leave_no_gap(committed_db):
    def work(i):
        for n in range(4):
            try:
                with transaction.atomic():
                    record("update", object_id=f"{i}-{n}")
                    if n % 2:
                        raise RuntimeError("业务失败")
            except RuntimeError:
                pass

    assert run_in_threads(4, work) == []
    assert AuditEntry.objects.count() == 8
    assert verify_chain() == (None, None, 8)


def test_after_a_flush_the_log_is_protected_again(committed_db):
    # Runs after the tests above (pytest-django keeps transactional tests in file order).
    assert not protection.missing(connection)
    head = AuditChainHead.objects.get()
    assert (head.seq, AuditEntry.objects.count()) == (0, 0)
    record("create")
    assert verify_chain().ok
