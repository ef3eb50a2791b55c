"""CPU time a workplace page costs in one process, stored figures against the engine per request.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/mandate_bench .venv/bin/python bench/workplace_pages_cpu.py [N]
    DATABASE_URL=... MANDATE_FIGURE_STORE=off .venv/bin/python bench/workplace_pages_cpu.py 1

Run after bench/workplace_pages.py (which loads the demo and stores the figures). Django's test client
signed in as the demo's HR and staff accounts; each page is opened once (not counted), then N times, and the
process's CPU time (`resource.getrusage`: user and system, all its threads, DuckDB's included) and wall time
are printed per request. The database server's own CPU is not counted. The figures in docs/benchmarks.md
("Workplace pages from stored figures") come from this with N=5 stored and N=1 direct.
"""

from __future__ import annotations

import os
import resource
import sys
import time


def cpu_ms() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return (r.ru_utime + r.ru_stime) * 1000


def main() -> None:
    os.environ.setdefault("MANDATE_DEMO", "1")
    from mandate.cli.django_setup import setup_django

    setup_django()
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.test import Client

    from mandate.workplace.models import AttendancePolicy, StaffMember

    settings.ALLOWED_HOSTS = ["*"]
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    users = get_user_model().objects
    hr, staff = Client(), Client()
    hr.force_login(users.get(username="hr"))
    staff.force_login(users.get(username="staff"))
    sid = StaffMember.objects.get(user__username="staff").staff_id
    policy = AttendancePolicy.objects.get(name="ONS individual 40%").pk
    year, month = "date_from=2025-11-01&date_to=2026-10-31", "date_from=2026-10-01&date_to=2026-10-31"
    pages = [(hr, f"/workplace/organisation/?{year}&policy={policy}"),
             (hr, f"/workplace/organisation/?{month}&policy={policy}"),
             (hr, f"/workplace/sites/newport/?{year}&policy={policy}"),
             (staff, f"/workplace/me/?{year}&policy={policy}"),
             (staff, f"/workplace/me/?{month}&policy={policy}"),
             (hr, f"/workplace/people/{sid}/?{month}&policy={policy}")]
    mode = os.environ.get("MANDATE_FIGURE_STORE", "on")
    for client, url in pages:
        client.get(url, HTTP_HOST="127.0.0.1")
        c0, t0 = cpu_ms(), time.perf_counter()
        for _ in range(n):
            client.get(url, HTTP_HOST="127.0.0.1")
        print(f"{mode}\t{(cpu_ms() - c0) / n:.0f} CPU-ms\t{(time.perf_counter() - t0) * 1000 / n:.0f} wall-ms\t{url}",
              flush=True)
    print("load average", " ".join(f"{x:.1f}" for x in os.getloadavg()))


if __name__ == "__main__":
    main()
