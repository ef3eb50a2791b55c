"""A process appending events to one election's record at once with others (test_record_concurrency.py)."""

from __future__ import annotations

import sys

if __name__ == "__main__":
    from mandate.cli.django_setup import setup_django

    setup_django()
    from mandate.union.electronic.models import Election
    from mandate.union.electronic.record import append_event

    election = Election.objects.get(pk=int(sys.argv[1]))
    who, times = int(sys.argv[2]), int(sys.argv[3])
    for n in range(times):
        append_event(election, "dkg_commit", {"process": who, "n": n})
    print("done")
