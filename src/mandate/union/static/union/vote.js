// The voting booth page. The booth program (build/booth/booth.js, loaded first with subresource integrity)
// encrypts, proves and signs the ballot here, in the member's browser, with their credential: the server
// receives only the sealed ballot, never the credential or the choices. No innerHTML anywhere (the page runs
// under Trusted Types): text only.
const booth = globalThis.mandateBooth;
const election = JSON.parse(document.getElementById('election').textContent);
const ballotPath = window.location.pathname.split('/').slice(0, 4).join('/');
const storageKey = `mandate.credential:${ballotPath}`;
const $ = (id) => document.getElementById(id);
const status = $('status');
const castButton = $('cast-button');
const challengeButton = $('challenge-button');
const credentialInput = $('credential');
const HEX64 = /^[0-9a-f]{64}$/;

function say(text, { bad = false } = {}) {
  status.textContent = text;
  status.classList.toggle('bad', bad);
}

function busy(on) {
  castButton.disabled = on || !election.voting_open;
  challengeButton.disabled = on || !election.voting_open;
}

if (!booth) {
  say('The voting program could not be loaded, or it is not the published build. Do not vote on this device; '
    + 'tell the scrutineer.', { bad: true });
  busy(true);
} else {
  busy(false);
  if (!election.voting_open) say('Voting is not open, so nothing can be cast.', { bad: true });
}

const stored = window.sessionStorage.getItem(storageKey);
if (stored && HEX64.test(stored)) {
  credentialInput.value = stored;
  $('credential-status').textContent = 'Your credential from the link is filled in. It stays in this browser: '
    + 'it is never sent to the server.';
}

// A choice made clears that question's error at once.
for (const input of document.querySelectorAll('input[data-question]')) {
  input.addEventListener('change', () => {
    $(`error-${input.dataset.question}`).hidden = true;
    $(`fieldset-${input.dataset.question}`).classList.remove('invalid');
  });
}

function choices() {
  const answers = {};
  const missing = [];
  for (const q of election.questions) {
    const chosen = document.querySelector(`input[data-question="${CSS.escape(q.id)}"]:checked`);
    const fieldset = $(`fieldset-${q.id}`);
    const error = $(`error-${q.id}`);
    if (chosen) {
      answers[q.id] = chosen.value === '1' ? 1 : 0;
      error.hidden = true;
      fieldset.classList.remove('invalid');
    } else {
      missing.push(q);
      error.hidden = false;
      fieldset.classList.add('invalid');
    }
  }
  return { answers, missing };
}

function credential() {
  const value = credentialInput.value.trim().toLowerCase().replace(/\s+/g, '');
  const error = $('error-credential');
  if (!HEX64.test(value)) {
    error.textContent = 'Type or paste the credential from your message: 64 letters (a to f) and digits.';
    error.hidden = false;
    credentialInput.setAttribute('aria-invalid', 'true');
    return null;
  }
  error.hidden = true;
  credentialInput.removeAttribute('aria-invalid');
  return value;
}

/** The member's choices, sealed by the booth program; null (with the reason shown) if something is missing. */
function seal() {
  const { answers, missing } = choices();
  const secret = credential();
  if (missing.length) {
    say(`Choose Yes or No for question ${election.questions.indexOf(missing[0]) + 1}.`, { bad: true });
    document.querySelector(`input[data-question="${CSS.escape(missing[0].id)}"]`).focus();
    return null;
  }
  if (!secret) {
    say('Your credential is missing or not complete.', { bad: true });
    credentialInput.focus();
    return null;
  }
  try {
    return booth.encryptBallot({
      electionPublicKey: election.public_key,
      electionFingerprint: election.fingerprint,
      questions: election.questions.map((q) => q.id),
      credentialSecret: secret,
      answers,
    });
  } catch (error) {
    say(`Your ballot could not be made: ${error.message}. Check the credential in your message.`, { bad: true });
    credentialInput.focus();
    return null;
  }
}

function clearChoices() {
  for (const input of document.querySelectorAll('input[data-question]')) input.checked = false;
}

async function post(url, body) {
  const response = await fetch(url, {
    method: 'POST',
    credentials: 'same-origin',
    headers: { 'Content-Type': 'application/json', 'X-CSRFToken': $('csrf').value },
    body: JSON.stringify(body),
  });
  let data = {};
  try {
    data = await response.json();
  } catch {
    data = { error: `The server answered ${response.status}.` };
  }
  return { ok: response.ok, status: response.status, data };
}

function show(section) {
  for (const id of ['receipt', 'challenged']) $(id).hidden = id !== section;
  $(section).focus();
}

castButton.addEventListener('click', async () => {
  $('receipt').hidden = true;
  say('Encrypting your vote in this browser…');
  busy(true);
  try {
    const sealed = seal();
    if (!sealed) return;
    const ballot = booth.castBallot(sealed);
    say('Sending your encrypted vote…');
    const { ok, data } = await post(election.cast_url, { ballot });
    if (!ok) {
      say(`Your vote was not accepted: ${data.error || 'unknown reason'}`, { bad: true });
      return;
    }
    if (data.tracking_code !== sealed.trackingCode) {
      say('The server answered with another tracking code than your ballot has. Tell the scrutineer.', { bad: true });
      return;
    }
    clearChoices();
    $('receipt-code').textContent = data.tracking_code;
    $('receipt-replaced').hidden = !data.replaced_earlier_ballot;
    $('receipt-link').href = data.receipt_url;
    say(data.already_received ? 'This ballot had already arrived: it counts once.' : 'Your vote is cast.');
    show('receipt');
  } catch (error) {
    say(`Your vote could not be sent (${error.message}). Check your connection and try again.`, { bad: true });
  } finally {
    busy(false);
  }
});

challengeButton.addEventListener('click', async () => {
  say('Encrypting, then opening it for you to check…');
  busy(true);
  try {
    const sealed = seal();
    if (!sealed) return;
    const reveal = booth.challengeBallot(sealed);
    const opens = booth.checkReveal({ electionPublicKey: election.public_key, ballot: sealed.ballot, reveal });
    const list = $('challenged-votes');
    list.replaceChildren(...reveal.map((r, i) => {
      const item = document.createElement('li');
      item.textContent = `${i + 1}. ${election.questions[i].text} — ${r.vote === 1 ? 'Yes' : 'No'}`;
      return item;
    }));
    $('challenged-check').textContent = opens
      ? 'This page checked that the encrypted ballot holds exactly these choices.'
      : 'The check FAILED: the encrypted ballot does not hold these choices. Do not vote on this device; tell the scrutineer.';
    $('challenge-json').value = JSON.stringify({
      election: { fingerprint: election.fingerprint, public_key: election.public_key,
                  questions: election.questions.map((q) => q.id) },
      ballot: sealed.ballot, tracking_code: sealed.trackingCode, reveal,
    });
    clearChoices();
    show('challenged');
    const { ok, data } = await post(election.challenge_url, { ballot: sealed.ballot, reveal });
    say(ok ? `Checked ballot published on the bulletin board with tracking code ${data.tracking_code}. It will never be counted. Now choose again and cast your vote.`
      : `The check is shown below but could not be published: ${data.error || 'unknown reason'}`, { bad: !ok });
  } catch (error) {
    say(`The check could not be made (${error.message}).`, { bad: true });
  } finally {
    busy(false);
  }
});
