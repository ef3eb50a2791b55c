// Test harness for the booth module: a script file, no inline script, so the page runs under a strict CSP.
// It fetches /case/<name>.json ({"call": "<exported function>", "input": {...}}), calls the booth
// module's function with the input and writes the JSON result (or the error) into <output id="result">.
// The page loads /booth/booth.js itself, with subresource integrity, in a script tag that comes first:
// module scripts run in document order, so its frozen global `mandateBooth` exists by now, unless the
// browser refused the file (wrong integrity hash), in which case nothing here may run it.
const booth = globalThis.mandateBooth;
const out = document.getElementById('result');
const name = new URLSearchParams(window.location.search).get('case');

async function run() {
  if (!booth) throw new Error('the booth module was not loaded');
  const response = await fetch(`/case/${encodeURIComponent(name)}.json`);
  if (!response.ok) throw new Error(`case ${name}: HTTP ${response.status}`);
  const { call, input } = await response.json();
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
