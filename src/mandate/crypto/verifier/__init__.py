"""The independent verifier: a numbered list of named checks over an exported record.

It needs no database and no server. It never crashes on damaged input: every read, parse or decode error becomes
a failed named check, and an error in the verifier itself is reported as its own outcome, never as a check.
Ballots are checked in parallel over chunks of the record (``workers`` processes); everything else runs in order
in the calling process. The checks are :class:`Check` (``CHECKS``) and docs/record-format.md section 7.

One concern a module:

* :mod:`.checks`: the numbered, named checks;
* :mod:`.report`: the report (each check's outcome, an unexpected error, the verified figures);
* :mod:`.events`: reading a line, and the record's shape rules (exact keys, keyed and sorted lists);
* :mod:`.setup`: the set-up checks (4-8);
* :mod:`.ballots`: the ballots' checks (9-15) and their worker processes;
* :mod:`.tally`: the count (16-20);
* :mod:`.postal`: postal votes in a hybrid ballot (22-24);
* :mod:`.verify`: running them all, with the record's own checks (1-3, 21).
"""

from mandate.crypto.verifier.checks import CHECKS, POSTAL_CHECKS, Check
from mandate.crypto.verifier.events import parse_event_line
from mandate.crypto.verifier.report import CheckResult, Report, Verified
from mandate.crypto.verifier.verify import verify_record

__all__ = ["CHECKS", "POSTAL_CHECKS", "Check", "CheckResult", "Report", "Verified", "parse_event_line",
           "verify_record"]
