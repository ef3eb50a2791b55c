"""Electronic statutory ballots, the server's side (issue 15): the election record as rows, the trustees' and the
credential authority's uploads, the bulletin board, the close and the count.

Interface (for the member's side, eb15v):

* Models (``mandate.union.models`` re-exports them; the union app owns them): ``Election`` (one per electronic
  ballot: ``ballot.election``; ``fingerprint``, ``public_key`` once the key is made; ``head``, ``length``),
  ``RecordEvent`` (one row per record event: ``seq``, ``kind``, ``payload`` canonical JSON text, ``hash``,
  ``parent``, and for ballots ``tracking_code``, ``credential``, ``unit``), ``ElectionTrustee``,
  ``ListedCredential`` (the signed list, one row per public credential), ``RevokedCredential``.
* :mod:`.record`: ``append_event(election, kind, payload)`` (the one way to append; serialised per election),
  ``record_text(election)`` / ``lines(election)`` (the record exactly as ``mandate record verify`` reads it),
  ``events(election)`` (what :func:`mandate.crypto.ceremony.board` reads), ``head(election)``.
* :mod:`.services`: ``check_and_append_ballot(election, ballot_json)`` and
  ``check_and_append_challenge(election, ballot_json, reveal)`` return a ``Receipt`` (tracking code, seq, head)
  or raise ``BallotRefused`` (``.reason`` a code: malformed, other_election, unknown_credential,
  revoked_credential, questions, signature, proof, replayed, not_open; ``str()`` the sentence to show);
  ``booth_context(election)`` (fingerprint, public key, questions as the voting paper states them, units);
  ``turnout(election)`` (counts per unit only).
"""
