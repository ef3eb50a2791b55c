"""The election record as rows: appended by one function, chained as docs/record-format.md says, written back
exactly as `mandate record verify` reads it; the database refuses a fork."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.db import IntegrityError, transaction
from tests.union.helpers import lifecycle_ballot

from mandate.crypto.ceremony import read_record
from mandate.crypto.record import GENESIS_PARENT, event_hash
from mandate.union.electronic import record as rec
from mandate.union.electronic.models import Election, RecordEvent


@pytest.fixture
def election(union_org) -> Election:
    ballot = lifecycle_ballot(union_org, members=3)
    return Election.objects.create(ballot=ballot, election_id="pcs/life", trustees=3, threshold=2,
                                   credential_authority="00" * 32)


@pytest.mark.django_db(transaction=True)
def test_appends_chain_and_the_record_reads_back(election: Election, tmp_path: Path) -> None:
    a = rec.append_event(election, "election", {"title": "Ballot \u00e9", "n": 1, "ok": True})
    b = rec.append_event(election, "dkg_commit", {"trustee": 1, "commitment": "ab" * 32})
    assert (a.seq, b.seq) == (0, 1)
    assert a.parent == GENESIS_PARENT.hex() and b.parent == a.hash
    assert a.hash == event_hash(0, "election", GENESIS_PARENT, {"n": 1, "ok": True, "title": "Ballot \u00e9"}).hex()
    assert rec.head(election) == b.hash
    path = tmp_path / "record.jsonl"
    path.write_text(rec.record_text(election), encoding="ascii")
    events = read_record(path)  # the engine's reader checks the chain
    assert [e["type"] for e in events] == ["election", "dkg_commit"]
    assert events[0]["payload"]["title"] == "Ballot \u00e9"
    assert json.loads(path.read_text().splitlines()[0])["hash"] == a.hash


@pytest.mark.django_db(transaction=True)
def test_unknown_kind_and_floats_refused_nothing_written(election: Election) -> None:
    with pytest.raises(rec.RecordError, match="unknown event type"):
        rec.append_event(election, "revocation", {})
    with pytest.raises(rec.RecordError):
        rec.append_event(election, "election", {"x": 1.5})
    assert not RecordEvent.objects.exists()
    assert Election.objects.get(pk=election.pk).length == 0


@pytest.mark.django_db(transaction=True)
def test_the_database_refuses_a_fork_or_a_second_event_with_a_number(election: Election) -> None:
    first = rec.append_event(election, "election", {"a": 1})
    rec.append_event(election, "dkg_commit", {"b": 2})
    with pytest.raises(IntegrityError), transaction.atomic():  # a second child of the first event
        RecordEvent.objects.create(election=election, seq=2, kind="dkg_commit", parent=first.hash, hash="cd" * 32,
                                   payload="{}")
    with pytest.raises(IntegrityError), transaction.atomic():  # a second event 1
        RecordEvent.objects.create(election=election, seq=1, kind="dkg_commit", parent="ef" * 32, hash="12" * 32,
                                   payload="{}")
    assert RecordEvent.objects.count() == 2
