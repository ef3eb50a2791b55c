// mandate voting booth: encrypts, proves and signs a ballot in the browser over ristretto255.
//
// The ballot format, every hash input and every check are those of docs/record-format.md (mandate/v1); the
// reference implementation is src/mandate/crypto/ (Python over libsodium), whose verifier must accept every
// ballot made here. Group arithmetic is @noble/curves' ristretto255 (RFC 9496), hashing @noble/hashes'
// SHA-512; randomness comes only from crypto.getRandomValues.
//
// Benaloh cast-or-challenge: encryptBallot() returns a sealed ballot whose nonces stay inside this module.
// The voter then either casts it (castBallot: the nonces are wiped) or challenges it (challengeBallot: the
// votes and nonces are revealed, and the ballot can never be cast). Either way it is used once.
import { ristretto255 } from '@noble/curves/ed25519.js';
import { sha512 } from '@noble/hashes/sha2.js';

const Point = ristretto255.Point;

/** The prime order L of ristretto255. */
export const GROUP_ORDER = Point.Fn.ORDER;
export const PROTOCOL = 'mandate/v1';
export const GROUP_NAME = 'ristretto255';

const TAG_DCP = `${PROTOCOL}/dcp01`;
const TAG_BALLOT_CONTENT = `${PROTOCOL}/ballot-content`;
const TAG_BALLOT_SIGNATURE = `${PROTOCOL}/ballot-signature`;
const TAG_TRACKING_CODE = `${PROTOCOL}/tracking-code`;

const L = GROUP_ORDER;
const G = Point.BASE;
const ZERO = Point.ZERO;
const utf8 = new TextEncoder();

/** A value that breaks the format: bad hex, a non-canonical point, an unreduced scalar, a wrong shape. */
export class BoothError extends Error {
  constructor(message) {
    super(message);
    this.name = 'BoothError';
  }
}

// ------------------------------------------------------------------ encodings (record-format.md section 1)

const HEX64 = /^[0-9a-f]{64}$/;

function hexToBytes(hex, what) {
  if (typeof hex !== 'string' || !HEX64.test(hex)) {
    throw new BoothError(`${what}: expected 64 lower-case hexadecimal digits`);
  }
  const out = new Uint8Array(32);
  for (let i = 0; i < 32; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

function bytesToHex(bytes) {
  let s = '';
  for (const b of bytes) s += b.toString(16).padStart(2, '0');
  return s;
}

function leToBigint(bytes) {
  let k = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) k = (k << 8n) | BigInt(bytes[i]);
  return k;
}

/** A scalar's 32-byte little-endian encoding (the value must already be in [0, L)). */
function scalarBytes(k) {
  const out = new Uint8Array(32);
  let v = k;
  for (let i = 0; i < 32; i++) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return out;
}

const scalarHex = (k) => bytesToHex(scalarBytes(k));
const mod = (k) => ((k % L) + L) % L;

/** Decode a point from hex: canonical ristretto255 only (RFC 9496 4.3.1), identity refused unless allowed. */
function decodePoint(hex, what, { allowIdentity = false } = {}) {
  const bytes = hexToBytes(hex, what);
  let p;
  try {
    p = Point.fromBytes(bytes);
  } catch {
    throw new BoothError(`${what}: not a canonical ristretto255 encoding`);
  }
  if (!allowIdentity && p.equals(ZERO)) throw new BoothError(`${what}: the identity is not allowed here`);
  return p;
}

/** Decode a scalar from hex: 32 bytes little-endian, strictly below L (no silent reduction). */
function decodeScalar(hex, what) {
  const k = leToBigint(hexToBytes(hex, what));
  if (k >= L) throw new BoothError(`${what}: scalar not reduced below the group order`);
  return k;
}

/** k*P for any scalar in [0, L), the identity for 0 (noble refuses a zero scalar in multiply). */
function mul(p, k) {
  return k === 0n ? ZERO : p.multiply(k);
}

/** A uniformly random non-zero scalar: 64 bytes from crypto.getRandomValues, reduced modulo L. */
function randomScalar() {
  const buf = new Uint8Array(64);
  for (;;) {
    globalThis.crypto.getRandomValues(buf);
    const k = leToBigint(buf) % L;
    buf.fill(0);
    if (k !== 0n) return k;
  }
}

// ------------------------------------------------------------------ hash framing (section 2)

const u32be = (n) => new Uint8Array([(n >>> 24) & 0xff, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff]);

function u64be(n) {
  if (!Number.isSafeInteger(n) || n < 0) throw new BoothError('integer item out of range');
  const out = new Uint8Array(8);
  let v = BigInt(n);
  for (let i = 7; i >= 0; i--) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return out;
}

const text = (s) => utf8.encode(s);
const pointItem = (p) => p.toBytes();

/** frame(tag, items...): u32be(len(tag)) || tag || (u32be(len(item)) || item)... */
export function frame(tag, items) {
  const parts = [text(tag), ...items];
  let size = 0;
  for (const part of parts) {
    if (!(part instanceof Uint8Array)) throw new TypeError('hash items must be bytes');
    size += 4 + part.length;
  }
  const out = new Uint8Array(size);
  let at = 0;
  for (const part of parts) {
    out.set(u32be(part.length), at);
    out.set(part, at + 4);
    at += 4 + part.length;
  }
  return out;
}

/** H(tag, items...) = SHA-512(frame(...)), 64 bytes. */
const hashBytes = (tag, items) => sha512(frame(tag, items));
/** Hs(tag, items...) = int_le(H(tag, items...)) mod L. */
const hashToScalar = (tag, items) => leToBigint(hashBytes(tag, items)) % L;

// ------------------------------------------------------------------ proofs (section 3)

function proofContext(election, credential) {
  const { fingerprint, publicKey } = election;
  return (question) => [text(GROUP_NAME), fingerprint, pointItem(publicKey), pointItem(credential), text(question)];
}

function dcpChallenge(context, alpha, beta, a0, b0, a1, b1) {
  return hashToScalar(TAG_DCP, [...context, ...[alpha, beta, a0, b0, a1, b1].map(pointItem)]);
}

/** Disjunctive Chaum-Pedersen proof that (alpha, beta) = (rG, rPK + mG) holds m in {0, 1} (3.1). */
function prove01(publicKey, alpha, beta, m, r, context) {
  const w = randomScalar();
  const cSim = randomScalar();
  const vSim = randomScalar();
  const j = 1 - m; // the simulated branch
  const aSim = G.multiply(vSim).subtract(alpha.multiply(cSim));
  const betaJ = j === 1 ? beta.subtract(G) : beta;
  const bSim = publicKey.multiply(vSim).subtract(mul(betaJ, cSim));
  const aReal = G.multiply(w);
  const bReal = publicKey.multiply(w);
  const c = m === 0
    ? dcpChallenge(context, alpha, beta, aReal, bReal, aSim, bSim)
    : dcpChallenge(context, alpha, beta, aSim, bSim, aReal, bReal);
  const cReal = mod(c - cSim);
  const vReal = mod(w + cReal * r);
  return m === 0
    ? { c0: cReal, c1: cSim, v0: vReal, v1: vSim }
    : { c0: cSim, c1: cReal, v0: vSim, v1: vReal };
}

function verify01(publicKey, alpha, beta, proof, context) {
  const { c0, c1, v0, v1 } = proof;
  const a0 = mul(G, v0).subtract(mul(alpha, c0));
  const b0 = mul(publicKey, v0).subtract(mul(beta, c0));
  const a1 = mul(G, v1).subtract(mul(alpha, c1));
  const b1 = mul(publicKey, v1).subtract(mul(beta.subtract(G), c1));
  return mod(c0 + c1) === dcpChallenge(context, alpha, beta, a0, b0, a1, b1);
}

/** Schnorr proof / signature for X = xG over items (3.2): c = Hs(tag, items..., X, A), v = k + c*x. */
function schnorrSign(tag, x, X, items) {
  const k = randomScalar();
  const A = G.multiply(k);
  const c = hashToScalar(tag, [...items, pointItem(X), pointItem(A)]);
  return { c, v: mod(k + c * x) };
}

function schnorrVerify(tag, X, sig, items) {
  const A = mul(G, sig.v).subtract(mul(X, sig.c));
  return hashToScalar(tag, [...items, pointItem(X), pointItem(A)]) === sig.c;
}

// ------------------------------------------------------------------ ballots (section 4)

function ballotDigest(fingerprint, credential, answers) {
  const items = [fingerprint, pointItem(credential), u64be(answers.length)];
  for (const a of answers) {
    items.push(text(a.question), pointItem(a.alpha), pointItem(a.beta));
    for (const k of ['c0', 'c1', 'v0', 'v1']) items.push(scalarBytes(a.proof[k]));
  }
  return hashBytes(TAG_BALLOT_CONTENT, items);
}

const signatureItems = (fingerprint, digest) => [text(GROUP_NAME), fingerprint, digest];

function trackingCodeOf(digest, sig) {
  return bytesToHex(hashBytes(TAG_TRACKING_CODE, [digest, scalarBytes(sig.c), scalarBytes(sig.v)]).slice(0, 32));
}

function ballotJson(fingerprint, credential, answers, sig) {
  return {
    election: bytesToHex(fingerprint),
    credential: credential.toHex(),
    answers: answers.map((a) => ({
      question: a.question,
      alpha: a.alpha.toHex(),
      beta: a.beta.toHex(),
      proof: { c0: scalarHex(a.proof.c0), c1: scalarHex(a.proof.c1), v0: scalarHex(a.proof.v0), v1: scalarHex(a.proof.v1) },
    })),
    signature: { c: scalarHex(sig.c), v: scalarHex(sig.v) },
  };
}

function exactKeys(obj, keys, what) {
  if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) throw new BoothError(`${what}: not an object`);
  const have = Object.keys(obj).sort();
  const want = [...keys].sort();
  if (have.length !== want.length || have.some((k, i) => k !== want[i])) {
    throw new BoothError(`${what} has exactly: ${keys.join(', ')}`);
  }
}

/** Decode a ballot's JSON exactly as the Python verifier does (every point and scalar checked). */
function parseBallot(obj) {
  exactKeys(obj, ['election', 'credential', 'answers', 'signature'], 'a ballot');
  if (!Array.isArray(obj.answers) || obj.answers.length === 0) throw new BoothError('answers must be a non-empty list');
  const answers = obj.answers.map((a, i) => {
    exactKeys(a, ['question', 'alpha', 'beta', 'proof'], 'an answer');
    if (typeof a.question !== 'string') throw new BoothError('malformed answer');
    exactKeys(a.proof, ['c0', 'c1', 'v0', 'v1'], 'a 0/1 proof');
    const proof = {};
    for (const k of ['c0', 'c1', 'v0', 'v1']) proof[k] = decodeScalar(a.proof[k], `answers[${i}].proof.${k}`);
    return {
      question: a.question,
      alpha: decodePoint(a.alpha, `answers[${i}].alpha`),
      beta: decodePoint(a.beta, `answers[${i}].beta`, { allowIdentity: true }),
      proof,
    };
  });
  exactKeys(obj.signature, ['c', 'v'], 'a signature');
  return {
    fingerprint: hexToBytes(obj.election, 'election'),
    credential: decodePoint(obj.credential, 'credential'),
    answers,
    signature: { c: decodeScalar(obj.signature.c, 'signature.c'), v: decodeScalar(obj.signature.v, 'signature.v') },
  };
}

function parseElection({ electionPublicKey, electionFingerprint, questions }) {
  if (!Array.isArray(questions) || questions.length === 0 || questions.some((q) => typeof q !== 'string')) {
    throw new BoothError('questions: a non-empty list of question ids, in the election\'s order');
  }
  if (new Set(questions).size !== questions.length) throw new BoothError('questions: each id once');
  return {
    publicKey: decodePoint(electionPublicKey, 'electionPublicKey'),
    fingerprint: hexToBytes(electionFingerprint, 'electionFingerprint'),
    questions: [...questions],
  };
}

function voteOf(value, question) {
  if (value === 1 || value === true) return 1;
  if (value === 0 || value === false) return 0;
  throw new BoothError(`answer to ${question}: 1 (Yes) or 0 (No)`);
}

// The nonces and votes of sealed ballots, out of reach of JSON.stringify and of the page's other code.
const sealed = new WeakMap();

/**
 * Encrypt, prove and sign a ballot.
 *
 * @param {object} input
 * @param {string} input.electionPublicKey   the election public key PK (64 hex)
 * @param {string} input.electionFingerprint the election fingerprint FP (64 hex)
 * @param {string[]} input.questions          the election's question ids, in its order
 * @param {string} input.credentialSecret    the voter's signing key x (scalar, 64 hex, little-endian)
 * @param {string} [input.credential]        the voter's public credential xG, checked against the key if given
 * @param {Object<string, 0|1|boolean>} input.answers  question id -> 1 (Yes) or 0 (No), every question once
 * @returns {{ballot: object, trackingCode: string}} a sealed ballot: JSON-serialisable, nonces kept inside
 */
export function encryptBallot(input) {
  const election = parseElection(input);
  const x = decodeScalar(input.credentialSecret, 'credentialSecret');
  if (x === 0n) throw new BoothError('credentialSecret: zero is not a signing key');
  const credential = G.multiply(x);
  if (input.credential !== undefined && !decodePoint(input.credential, 'credential').equals(credential)) {
    throw new BoothError('credential: does not match the signing key');
  }
  const given = input.answers;
  if (given === null || typeof given !== 'object' || Array.isArray(given)) throw new BoothError('answers: an object');
  const extra = Object.keys(given).filter((q) => !election.questions.includes(q));
  const missing = election.questions.filter((q) => !Object.hasOwn(given, q));
  if (extra.length || missing.length) {
    throw new BoothError('answers: every question of the election, and only those');
  }
  const context = proofContext(election, credential);
  const votes = [];
  const nonces = [];
  const answers = election.questions.map((question) => {
    const m = voteOf(given[question], question);
    const r = randomScalar();
    const alpha = G.multiply(r);
    const beta = election.publicKey.multiply(r).add(mul(G, BigInt(m)));
    const proof = prove01(election.publicKey, alpha, beta, m, r, context(question));
    votes.push(m);
    nonces.push(r);
    return { question, alpha, beta, proof };
  });
  const digest = ballotDigest(election.fingerprint, credential, answers);
  const signature = schnorrSign(TAG_BALLOT_SIGNATURE, x, credential, signatureItems(election.fingerprint, digest));
  const result = Object.freeze({
    ballot: ballotJson(election.fingerprint, credential, answers, signature),
    trackingCode: trackingCodeOf(digest, signature),
  });
  sealed.set(result, { state: 'sealed', questions: election.questions, votes, nonces });
  return result;
}

function takeSealed(encrypted, action) {
  const entry = sealed.get(encrypted);
  if (!entry) throw new BoothError('not a ballot sealed by encryptBallot in this page');
  if (entry.state !== 'sealed') throw new BoothError(`this ballot was already ${entry.state}: encrypt a new one`);
  entry.state = action;
  return entry;
}

/** Cast: returns the ballot JSON to send to the server and forgets its nonces; it can no longer be challenged. */
export function castBallot(encrypted) {
  const entry = takeSealed(encrypted, 'cast');
  entry.nonces.fill(0n);
  entry.votes.fill(0);
  return encrypted.ballot;
}

/**
 * Challenge (Benaloh): reveal the ballot's votes and nonces, in question order, as
 * [{question, vote, nonce}] (record-format.md 4.1). The ballot is spoilt: it can never be cast.
 */
export function challengeBallot(encrypted) {
  const entry = takeSealed(encrypted, 'challenged');
  return entry.questions.map((question, i) => ({ question, vote: entry.votes[i], nonce: scalarHex(entry.nonces[i]) }));
}

/** The tracking code of a ballot JSON (64 hex): first 32 bytes of H(tracking-code, D, sig.c, sig.v). */
export function trackingCode(ballot) {
  const b = parseBallot(ballot);
  return trackingCodeOf(ballotDigest(b.fingerprint, b.credential, b.answers), b.signature);
}

/**
 * Check a ballot as the verifier does, apart from the credential list: returns null if valid, else the
 * failed part, "election", "questions", "signature" or "proof" (as mandate.crypto.ballot.check_ballot).
 * A ballot that does not even decode throws BoothError. For a second device auditing a challenged ballot.
 */
export function checkBallot({ electionPublicKey, electionFingerprint, questions, ballot }) {
  const election = parseElection({ electionPublicKey, electionFingerprint, questions });
  const b = parseBallot(ballot);
  if (bytesToHex(b.fingerprint) !== bytesToHex(election.fingerprint)) return 'election';
  if (b.answers.length !== election.questions.length || b.answers.some((a, i) => a.question !== election.questions[i])) {
    return 'questions';
  }
  const digest = ballotDigest(b.fingerprint, b.credential, b.answers);
  if (!schnorrVerify(TAG_BALLOT_SIGNATURE, b.credential, b.signature, signatureItems(b.fingerprint, digest))) {
    return 'signature';
  }
  const context = proofContext(election, b.credential);
  for (const a of b.answers) {
    if (!verify01(election.publicKey, a.alpha, a.beta, a.proof, context(a.question))) return 'proof';
  }
  return null;
}

/**
 * Check a challenged ballot's reveal (4.1): every answer opens as alpha = nonce*G, beta = nonce*PK + vote*G.
 * Returns true or false; the votes it shows are the ones the booth encrypted.
 */
export function checkReveal({ electionPublicKey, ballot, reveal }) {
  const publicKey = decodePoint(electionPublicKey, 'electionPublicKey');
  const b = parseBallot(ballot);
  if (!Array.isArray(reveal) || reveal.length !== b.answers.length) return false;
  return b.answers.every((a, i) => {
    const item = reveal[i];
    if (item === null || typeof item !== 'object' || item.question !== a.question) return false;
    if (item.vote !== 0 && item.vote !== 1) return false;
    let r;
    try {
      r = decodeScalar(item.nonce, 'nonce');
    } catch {
      return false;
    }
    return mul(G, r).equals(a.alpha) && mul(publicKey, r).add(mul(G, BigInt(item.vote))).equals(a.beta);
  });
}

// For pages that load this file with a <script type="module" integrity="..."> tag (subresource integrity
// cannot be put on an `import`), the same functions under one frozen global.
globalThis.mandateBooth = Object.freeze({
  GROUP_ORDER, PROTOCOL, GROUP_NAME, BoothError, frame,
  encryptBallot, castBallot, challengeBallot, trackingCode, checkBallot, checkReveal,
});
