// The voting link's page: the credential travels in the link's fragment (#credential=...), which the browser
// never sends to the server. Keep it for the booth in this tab's session storage and take it out of the
// address bar (and so out of the history and any bookmark).
const match = /^#credential=([0-9a-fA-F]{64})$/.exec(window.location.hash);
const ballotPath = window.location.pathname.split('/').slice(0, 4).join('/'); // /vote/<union>/<ballot>
if (match) {
  window.sessionStorage.setItem(`mandate.credential:${ballotPath}`, match[1].toLowerCase());
  window.history.replaceState(null, '', window.location.pathname + window.location.search);
}
if (window.sessionStorage.getItem(`mandate.credential:${ballotPath}`)) {
  const found = document.getElementById('credential-found');
  if (found) found.hidden = false;
}
