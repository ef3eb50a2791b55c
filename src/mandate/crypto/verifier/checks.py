"""The verifier's numbered, named checks (docs/record-format.md section 7), defined once.

:class:`Check` is the table: each member is a check's number (an ``int``), with its dotted name (``label``) and
its one-line title. ``CHECKS`` is the same table as plain ``(number, name, title)`` tuples, for the report and the
documentation test. A member's Python name is its dotted name in upper case with ``_`` for ``.``
(``Check.RECORD_READABLE`` is ``record.readable``, number 1), which the module asserts on import.
"""

from __future__ import annotations

from enum import IntEnum


class Check(IntEnum):
    """A numbered check of the record. Compares and hashes as its number, so ``report.checks[1]`` works."""

    label: str
    title: str

    def __new__(cls, number: int, label: str = "", title: str = "") -> Check:
        obj = int.__new__(cls, number)
        obj._value_ = number
        obj.label = label
        obj.title = title
        return obj

    RECORD_READABLE = 1, "record.readable", "The record reads, and every line is a well-formed event"
    RECORD_CHAIN = 2, "record.chain", "Every event names its parent's hash and its own hash is right"
    RECORD_ORDER = 3, "record.order", "Events come in the protocol's order and the record is complete"
    ELECTION_PARAMETERS = (4, "election.parameters",
                           "The election's parameters: group, generator, questions, units, trustees")
    TRUSTEES_COMMIT_BEFORE_REVEAL = (5, "trustees.commit_before_reveal",
                                     "Every trustee committed before any revealed, and reveals match")
    TRUSTEES_PROOFS = (6, "trustees.proofs",
                       "Trustees' coefficient commitments are valid points with proofs of knowledge")
    ELECTION_KEY = (7, "election.key",
                    "The election key and trustees' verification keys follow from the commitments")
    CREDENTIALS_LIST = 8, "credentials.list", "Public credentials: signed by the credential authority, valid, unique"
    BALLOTS_WELL_FORMED = (9, "ballots.well_formed",
                           "Every ballot decodes: canonical points and scalars, the election's questions")
    BALLOTS_ELECTION = 10, "ballots.election", "Every ballot is for this election (fingerprint)"
    BALLOTS_CREDENTIAL = 11, "ballots.credential", "Every ballot's credential is on the published list"
    BALLOTS_SIGNATURE = 12, "ballots.signature", "Every ballot's signature verifies under its credential"
    BALLOTS_PROOFS = 13, "ballots.proofs", "Every answer's zero-or-one proof verifies"
    BALLOTS_TRACKING_CODES = (14, "ballots.tracking_codes",
                              "Tracking codes are right and unique: no ballot replayed or cloned")
    CHALLENGES_REVEALS = (15, "challenges.reveals",
                          "Every challenged ballot is valid, opens correctly and is never cast")
    TALLY_REVOTE_RULE = (16, "tally.revote_rule",
                         "End of voting: counts of ballots and of counted ballots (last one counts)")
    TALLY_ENCRYPTED = (17, "tally.encrypted",
                       "Encrypted tallies are the sums of the counted ballots, per unit and question")
    DECRYPTION_SHARES = (18, "decryption.shares",
                         "Every decryption share's proof verifies under its trustee's key")
    DECRYPTION_THRESHOLD = (19, "decryption.threshold",
                            "At least the threshold of distinct trustees decrypted every tally")
    RESULT_VALUES = 20, "result.values", "The published result is the decryption of the encrypted tallies"
    RECORD_EXTENDS = 21, "record.extends", "The record extends the earlier head (only with --since)"
    POSTAL_SIGNATURE = (22, "postal.signature",
                        "Postal votes (hybrid ballot): one well-formed event, signed by the scrutineer")
    POSTAL_NO_DOUBLE_COUNT = (23, "postal.no_double_count",
                              "No member counted twice: the members who voted online and by post, the rule")
    RESULT_COMBINED = 24, "result.combined", "Combined result = decrypted online + the scrutineer's postal figures"


for _c in Check:
    assert _c.name == _c.label.replace(".", "_").upper(), _c
del _c

#: ``(number, name, title)`` per check, in order (the report's rows; docs/record-format.md section 7).
CHECKS: tuple[tuple[int, str, str], ...] = tuple((int(c), c.label, c.title) for c in Check)

#: The checks of the ballots themselves (worker processes), the tally and result, and the postal votes.
BALLOT_CHECKS = (Check.BALLOTS_WELL_FORMED, Check.BALLOTS_ELECTION, Check.BALLOTS_CREDENTIAL,
                 Check.BALLOTS_SIGNATURE, Check.BALLOTS_PROOFS, Check.BALLOTS_TRACKING_CODES,
                 Check.CHALLENGES_REVEALS)
TALLY_CHECKS = (Check.TALLY_REVOTE_RULE, Check.TALLY_ENCRYPTED, Check.DECRYPTION_SHARES,
                Check.DECRYPTION_THRESHOLD, Check.RESULT_VALUES)
POSTAL_CHECKS = (Check.POSTAL_SIGNATURE, Check.POSTAL_NO_DOUBLE_COUNT, Check.RESULT_COMBINED)
SETUP_CHECKS = (Check.ELECTION_PARAMETERS, Check.TRUSTEES_COMMIT_BEFORE_REVEAL, Check.TRUSTEES_PROOFS,
                Check.ELECTION_KEY, Check.CREDENTIALS_LIST)
