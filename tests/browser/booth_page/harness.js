// Test harness for the booth module: a script file, no inline script, so the page runs under a strict CSP.
// It fetches /case/<name>.json ({"call": "<exported function or scenario>", "input": {...}}), calls the
// booth module's function (or a scenario below) with the input and writes the JSON result (or the error) into <output id="result">.
// The page loads /booth/booth.js itself, with subresource integrity, in a script tag that comes first:
// module scripts run in document order, so its frozen global `mandateBooth` exists by now, unless the
// browser refused the file (wrong integrity hash), in which case nothing here may run it.
const booth = globalThis.mandateBooth;
const out = document.getElementById('result');
const name = new URLSearchParams(window.location.search).get('case');

// Calls that take more than one step of the booth's API.
const scenarios = {
  // Benaloh: seal a ballot, challenge it, then try to cast it; check it as a second device would.
  encryptChallengeThenCast(input) {
    const sealed = booth.encryptBallot(input);
    const reveal = booth.challengeBallot(sealed);
    let castAfterChallenge = 'cast';
    try {
      booth.castBallot(sealed);
    } catch (error) {
      castAfterChallenge = error.message;
    }
    const election = { electionPublicKey: input.electionPublicKey, ballot: sealed.ballot };
    const forged = reveal.map((r, i) => (i === 0 ? { ...r, vote: 1 - r.vote } : r));
    return {
      ballot: sealed.ballot,
      trackingCode: sealed.trackingCode,
      reveal,
      castAfterChallenge,
      checkBallot: booth.checkBallot({ ...input, ballot: sealed.ballot }),
      checkReveal: booth.checkReveal({ ...election, reveal }),
      checkForgedReveal: booth.checkReveal({ ...election, reveal: forged }),
    };
  },
  // Several ballots in one page, in order (re-voting, several voters).
  encryptMany(inputs) {
    return inputs.map((input) => booth.encryptBallot(input));
  },
  // The error message each input draws from encryptBallot (null if it encrypts).
  errorsOf(inputs) {
    return inputs.map((input) => {
      try {
        booth.encryptBallot(input);
        return null;
      } catch (error) {
        return error.message;
      }
    });
  },
  // Check ballots made elsewhere (by the Python engine): the failed check, and the tracking code if valid.
  checkBallots({ ballots, ...election }) {
    return ballots.map((ballot) => {
      const check = booth.checkBallot({ ...election, ballot });
      return check === null ? { check, trackingCode: booth.trackingCode(ballot) } : { check };
    });
  },
};

async function run() {
  if (!booth) throw new Error('the booth module was not loaded');
  const response = await fetch(`/case/${encodeURIComponent(name)}.json`);
  if (!response.ok) throw new Error(`case ${name}: HTTP ${response.status}`);
  const { call, input } = await response.json();
  if (Object.hasOwn(scenarios, call)) return scenarios[call](input);
  if (typeof booth[call] !== 'function') throw new Error(`booth has no function ${call}`);
  return booth[call](input);
}

run().then(
  (value) => {
    out.textContent = JSON.stringify(value);
    out.dataset.state = 'done';
  },
  (error) => {
    out.textContent = String(error && error.message ? error.message : error);
    out.dataset.state = 'error';
  },
);
