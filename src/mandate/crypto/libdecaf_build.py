"""Build the verifier's variable-time arithmetic: a cffi binding to libdecaf (Debian package ``libdecaf-dev``).

Why a second library beside libsodium: verifying a ballot is public work on public values, so it may run in
variable time, and libsodium offers only constant-time, one-point scalar multiplication. libdecaf (by Mike
Hamburg, co-designer of ristretto255) implements the same group with the same encoding (RFC 9496) and offers a
variable-time double-base multiplication ``v G + c P`` and precomputed tables for a fixed point (the election
key). Every secret operation (key generation, encryption, proving, decryption shares) stays on libsodium.

The C below is glue only: it decodes, calls libdecaf's own functions and encodes. It computes the commitments a
verifier recomputes from a compact proof; the hashing and every comparison stay in Python
(:mod:`mandate.crypto.fastpath`), and anything this glue refuses goes to the ordinary libsodium path, which
names the failed check. A property test checks the two libraries agree (tests/crypto/test_libdecaf.py).

Run ``python -m mandate.crypto.libdecaf_build`` (``dev.py install`` does) to compile ``mandate/crypto/_libdecaf``
in place; without it the verifier uses libsodium alone, correctly but taking about 1.8 times the CPU time per
ballot (docs/benchmarks.md).
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

CDEF = """
void *mandate_key_new(const uint8_t key[32]);
void mandate_key_free(void *key);
int mandate_ballot_commitments(const void *key, int questions, const uint8_t *in, uint8_t *out);
int mandate_add(uint8_t acc[32], const uint8_t point[32]);
"""

SOURCE = r"""
#include <stdlib.h>
#include <string.h>
#include <decaf/point_255.h>

typedef struct { decaf_255_precomputed_s *table; } mandate_key;

/* The election public key H, decoded, with a table of its multiples; NULL if it is not a valid point. */
void *mandate_key_new(const uint8_t key[32]) {
    decaf_255_point_t h;
    if ((key[31] & 0x80) || decaf_255_point_decode(h, key, DECAF_FALSE) != DECAF_SUCCESS) return NULL;
    mandate_key *k = malloc(sizeof *k);
    if (!k) return NULL;
    if (posix_memalign((void **)&k->table, decaf_255_alignof_precomputed_s, decaf_255_sizeof_precomputed_s)) {
        free(k);
        return NULL;
    }
    decaf_255_precompute(k->table, h);
    decaf_255_point_destroy(h);
    return k;
}

void mandate_key_free(void *key) {
    mandate_key *k = key;
    if (!k) return;
    decaf_255_precomputed_destroy(k->table);
    free(k->table);
    free(k);
}

static int point_in(decaf_255_point_t p, const uint8_t s[32]) {
    /* RFC 9496: bit 255 must be zero; the identity is refused (the ordinary path decides such a ballot) */
    return !(s[31] & 0x80) && decaf_255_point_decode(p, s, DECAF_FALSE) == DECAF_SUCCESS;
}

/* -s for a challenge s, which must be canonical and not zero. Zero is refused not only because the ordinary path
   decides such a ballot: libdecaf 1.0.2's decaf_255_base_double_scalarmul_non_secret(out, a, P, b) returns the
   identity whenever b is zero, whatever a is (it returns early when b has no non-zero digit), so every b passed
   to it below must be non-zero. */
static int negated_scalar_in(decaf_255_scalar_t out, const uint8_t s[32]) {
    decaf_255_scalar_t x;
    if (decaf_255_scalar_decode(x, s) != DECAF_SUCCESS) return 0;  /* not canonical */
    if (decaf_255_scalar_eq(x, decaf_255_scalar_zero)) return 0;
    decaf_255_scalar_sub(out, decaf_255_scalar_zero, x);
    return 1;
}

static int scalar_in(decaf_255_scalar_t out, const uint8_t s[32]) {
    return decaf_255_scalar_decode(out, s) == DECAF_SUCCESS && !decaf_255_scalar_eq(out, decaf_255_scalar_zero);
}

static int point_out(uint8_t s[32], const decaf_255_point_t p) {
    if (decaf_255_point_eq(p, decaf_255_point_identity)) return 0;  /* left to the ordinary path */
    decaf_255_point_encode(s, p);
    return 1;
}

/* One ballot's commitments, recomputed from its compact proofs.
   in:  per question alpha, beta, c0, c1, v0, v1 (6 x 32 bytes), then the credential K, c and v (3 x 32)
   out: per question a0, b0, a1, b1 (4 x 32 bytes), then the signature's commitment a (32)
        a0 = v0 G - c0 alpha    b0 = v0 H - c0 beta
        a1 = v1 G - c1 alpha    b1 = v1 H - c1 (beta - G)          a = v G - c K
   Returns 0, or -1 where a point does not decode or is the identity, a scalar is not canonical or is zero,
   or a result is the identity: the caller then takes the ordinary path. */
int mandate_ballot_commitments(const void *key, int questions, const uint8_t *in, uint8_t *out) {
    const mandate_key *k = key;
    decaf_255_point_t alpha, beta, t, u;
    decaf_255_scalar_t nc0, nc1, v0, v1;
    int ok = 1;
    for (int q = 0; ok && q < questions; q++, in += 192, out += 128) {
        ok = point_in(alpha, in) && point_in(beta, in + 32)
            && negated_scalar_in(nc0, in + 64) && negated_scalar_in(nc1, in + 96)
            && scalar_in(v0, in + 128) && scalar_in(v1, in + 160);
        if (!ok) break;
        decaf_255_base_double_scalarmul_non_secret(t, v0, alpha, nc0);
        ok = point_out(out, t);
        decaf_255_precomputed_scalarmul(t, k->table, v0);
        decaf_255_base_double_scalarmul_non_secret(u, decaf_255_scalar_zero, beta, nc0);
        decaf_255_point_add(t, t, u);
        ok = ok && point_out(out + 32, t);
        decaf_255_base_double_scalarmul_non_secret(t, v1, alpha, nc1);
        ok = ok && point_out(out + 64, t);
        decaf_255_point_sub(beta, beta, decaf_255_point_base);
        if (decaf_255_point_eq(beta, decaf_255_point_identity)) { ok = 0; break; }
        decaf_255_precomputed_scalarmul(t, k->table, v1);
        decaf_255_base_double_scalarmul_non_secret(u, decaf_255_scalar_zero, beta, nc1);
        decaf_255_point_add(t, t, u);
        ok = ok && point_out(out + 96, t);
    }
    if (ok) {
        ok = point_in(alpha, in) && negated_scalar_in(nc0, in + 32) && scalar_in(v0, in + 64);
        if (ok) {
            decaf_255_base_double_scalarmul_non_secret(t, v0, alpha, nc0);
            ok = point_out(out, t);
        }
    }
    return ok ? 0 : -1;
}

/* acc = acc + point, on encodings (32 zero bytes are the identity); -1 if either does not decode. */
int mandate_add(uint8_t acc[32], const uint8_t point[32]) {
    decaf_255_point_t a, p;
    if ((acc[31] & 0x80) || (point[31] & 0x80)) return -1;
    if (decaf_255_point_decode(a, acc, DECAF_TRUE) != DECAF_SUCCESS) return -1;
    if (decaf_255_point_decode(p, point, DECAF_TRUE) != DECAF_SUCCESS) return -1;
    decaf_255_point_add(a, a, p);
    decaf_255_point_encode(acc, a);
    return 0;
}
"""

MODULE = "mandate.crypto._libdecaf"


def build(target_dir: Path | None = None) -> Path:
    """Compile the binding and place it beside this file (or in ``target_dir``); returns the module's path."""
    from cffi import FFI

    ffi = FFI()
    ffi.cdef(CDEF)
    ffi.set_source(MODULE, SOURCE, libraries=["decaf"], include_dirs=["/usr/include/decaf"],
                   extra_compile_args=["-O2"])
    target = target_dir or Path(__file__).resolve().parent
    with tempfile.TemporaryDirectory() as tmp:
        built = Path(ffi.compile(tmpdir=tmp, verbose=False))
        dest = target / built.name
        shutil.copyfile(built, dest.with_suffix(".tmp"))
        dest.with_suffix(".tmp").replace(dest)
    return dest


if __name__ == "__main__":
    try:
        print(build())
    except Exception as exc:  # noqa: BLE001 - a missing compiler or library is reported, not a traceback
        print(f"libdecaf binding not built ({exc}); the verifier will use libsodium alone", file=sys.stderr)
        sys.exit(1)
