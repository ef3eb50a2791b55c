"""The member's side of an electronic ballot: the voting link, the one-time code, the booth page, the casting
endpoint and the receipt (issue 15). The server side (the election, its record, trustees, credentials, the
bulletin board, the close and the count) is :mod:`mandate.union.electronic`.

What the server sees of a vote: the encrypted, signed ballot (record-format.md section 4). The member's
credential key stays in their browser (or with the `mandate vote` client); the server never receives it, nor
any plaintext vote.
"""
