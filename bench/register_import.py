"""Benchmark: import a 150,000-member register from CSV (validate the whole file, then bulk create), re-import
it with 1% of members changed (bulk update), and, in the same run, two peers:

- the same import writing its new members with the driver's executemany (one prepared INSERT a row), the way
  it wrote them before COPY, into a second union: on PostgreSQL the import uses COPY, so this is COPY against
  executemany on the same file; on SQLite both are executemany;
- the plain Django way: one `update_or_create` per row, on a sample of the rows, its rate extrapolated and
  labelled as such.

    .venv/bin/python bench/register_import.py --members 150000 --peer-rows 5000
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/mandate_scale .venv/bin/python bench/register_import.py

Runs against a fresh SQLite database in a temporary folder, or DATABASE_URL if set (its unions get codes of
their own and are deleted at the end). Prints JSON.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import platform
import random
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

WORKPLACES = ["newport", "titchfield", "fareham", "london", "darlington", "manchester"]


def make_csv(n: int, seed: int = 2026, rename_every: int = 0) -> str:
    rng = random.Random(seed)
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(["membership_number", "name", "personal_email", "mobile", "home_address", "employer", "workplace",
                "job_category", "overseas", "join_date"])
    for i in range(1, n + 1):
        name = f"Member {i}" + (" (moved)" if rename_every and i % rename_every == 0 else "")
        w.writerow([f"M{i:07d}", name, f"m{i}@example.org", f"07700 {i % 1000000:06d}",
                    f"{i} Long Road, Town, AB{i % 90 + 10} {i % 9}CD", "ons", rng.choice(WORKPLACES),
                    rng.choice(["AO", "EO", "HEO", "SEO", "G7"]), "no",
                    (date(2000, 1, 1) + timedelta(days=rng.randrange(9000))).isoformat()])
    return out.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--members", type=int, default=150_000)
    parser.add_argument("--peer-rows", type=int, default=5_000)
    args = parser.parse_args()
    load_at_start = round(os.getloadavg()[0], 1)

    tmp = tempfile.mkdtemp(prefix="mandate-bench-")
    os.environ.setdefault("MANDATE_DATA_DIR", tmp)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mandate.platform.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction

    call_command("migrate", verbosity=0)
    from mandate.union.models import Employer, Member, Union, Workplace
    from mandate.union.register import import_register

    tag = f"{os.getpid()}-{int(time.time())}"
    union = Union.objects.create(code=f"pcs-{tag}", name="PCS")
    ons = Employer.objects.create(union=union, code="ons", name="ONS")
    workplaces = {c: Workplace.objects.create(employer=ons, code=c, name=c.title()) for c in WORKPLACES}

    def db_cpu() -> float:
        """CPU seconds used so far by this connection's PostgreSQL backend process (same machine; 0 on SQLite,
        which runs in this process and is counted in its CPU time)."""
        if connection.vendor != "postgresql":
            return 0.0
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            pid = cursor.fetchone()[0]
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return float("nan")
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    # time the bulk write inside the import (COPY or executemany), to split the import's time
    from mandate.union import register

    insert_times: list[float] = []
    plain_insert = register._insert_many

    def timed_insert(*a: Any, **kw: Any) -> None:
        t = time.perf_counter()
        plain_insert(*a, **kw)
        insert_times.append(time.perf_counter() - t)

    register._insert_many = timed_insert  # type: ignore[assignment]

    text = make_csv(args.members)
    t0, c0, d0 = time.perf_counter(), time.process_time(), db_cpu()
    first = import_register(union, text, "bench")
    first_s = time.perf_counter() - t0
    first_cpu, first_db_cpu = time.process_time() - c0, db_cpu() - d0
    first_insert_s = insert_times[-1]
    assert first.created == args.members, first
    columns = ("membership_number", "name", "joined_on", "workplace__code", "home_address", "overseas")
    first_rows = list(Member.objects.filter(union=union).order_by("membership_number").values_list(*columns))
    # the reading and checking of the file alone (the import's first half), to split its time
    from mandate.union.register import _parse, csv_records

    t0 = time.perf_counter()
    header, records = csv_records(text)
    _parse(union, records, header)
    validate_s = time.perf_counter() - t0

    changed = make_csv(args.members, rename_every=100)
    t0 = time.perf_counter()
    second = import_register(union, changed, "bench")
    second_s = time.perf_counter() - t0
    assert second.updated == args.members // 100, second

    # The same import, its new members written with executemany (the way before COPY), into a second union.
    em_union = Union.objects.create(code=f"em-{tag}", name="PCS, executemany")
    em_ons = Employer.objects.create(union=em_union, code="ons", name="ONS")
    for c in WORKPLACES:
        Workplace.objects.create(employer=em_ons, code=c, name=c.title())
    t0, c0, d0 = time.perf_counter(), time.process_time(), db_cpu()
    em = import_register(em_union, text, "bench", insert_method="executemany")
    em_s = time.perf_counter() - t0
    em_cpu, em_db_cpu = time.process_time() - c0, db_cpu() - d0
    em_insert_s = insert_times[-1]
    assert em.created == args.members, em
    same = first_rows == list(Member.objects.filter(union=em_union).order_by("membership_number")
                              .values_list(*columns))
    del first_rows

    # The peer: the plain Django way, one update_or_create per row, in one transaction, on a sample.
    peer_union = Union.objects.create(code=f"peer-{tag}", name="Peer")
    peer_ons = Employer.objects.create(union=peer_union, code="ons", name="ONS")
    peer_wp = {c: Workplace.objects.create(employer=peer_ons, code=c, name=c.title()) for c in WORKPLACES}
    rows = list(csv.DictReader(io.StringIO(make_csv(args.peer_rows))))
    t0 = time.perf_counter()
    with transaction.atomic():
        for r in rows:
            Member.objects.update_or_create(
                union=peer_union, membership_number=r["membership_number"],
                defaults={"name": r["name"], "personal_email": r["personal_email"], "mobile": r["mobile"],
                          "home_address": r["home_address"], "employer": peer_ons, "workplace": peer_wp[r["workplace"]],
                          "job_category": r["job_category"], "overseas": False,
                          "joined_on": date.fromisoformat(r["join_date"])})
    peer_s = time.perf_counter() - t0
    del workplaces
    mandate_rate = args.members / first_s
    peer_rate = args.peer_rows / peer_s
    print(json.dumps({
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {sys.version.split()[0]}",
        "database": connection.vendor,
        "members": args.members,
        "first_import_s": round(first_s, 2), "first_import_rows_per_s": round(mandate_rate),
        "first_import_cpu_s": round(first_cpu, 2), "first_import_database_cpu_s": round(first_db_cpu, 2),
        "of_which_reading_and_checking_the_file_s": round(validate_s, 2),
        "of_which_the_bulk_write_s": round(first_insert_s, 2),
        "insert": "COPY (psycopg 3 cursor.copy)" if connection.vendor == "postgresql" else "executemany",
        "reimport_1pct_changed_s": round(second_s, 2), "reimport_updated": second.updated,
        "same_import_with_executemany_s": round(em_s, 2),
        "same_import_with_executemany_cpu_s": round(em_cpu, 2),
        "same_import_with_executemany_database_cpu_s": round(em_db_cpu, 2),
        "of_which_executemany_s": round(em_insert_s, 2),
        "ratio_vs_executemany": round(em_s / first_s, 2),
        "ratio_bulk_write_copy_vs_executemany": round(em_insert_s / first_insert_s, 2),
        "same_rows_as_copy": same,
        "peer": "Django update_or_create per row (one transaction)",
        "peer_rows_measured": args.peer_rows, "peer_rows_per_s": round(peer_rate),
        "peer_extrapolated_s_for_members": round(args.members / peer_rate, 1),
        "speed_ratio": round(mandate_rate / peer_rate, 1),
        "csv_mb": round(len(text.encode()) / 1e6, 1),
        "load_average": round(os.getloadavg()[0], 1),
        "load_average_at_start": load_at_start,
    }, indent=2))
    for u in (union, em_union, peer_union):
        Member.objects.filter(union=u).delete()
        u.delete()
    Path(tmp).exists()


if __name__ == "__main__":
    main()
