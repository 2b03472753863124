// The admin dashboard: a login form for the admin token (kept in this module's memory only:
// never in the URL, storage or a cookie), then a snapshot of the node every second, drawn
// section by section.
import { AdminClient, SwitchboardError } from './client/index.js';
import { Rates } from './views/rates.js';
import * as sections from './views/sections.js';

const POLL_MS = 1000;
const $ = (id) => document.getElementById(id);

let client = null;
let stopWatching = null;
let rates = new Rates();

$('login-form').addEventListener('submit', (event) => {
  event.preventDefault();
  const input = $('login-token');
  const token = input.value.trim();
  input.value = ''; // out of the DOM as soon as it is read
  if (token) signIn(token);
});

$('logout').addEventListener('click', () => signOut(''));

async function signIn(token) {
  showLoginMessage('Checking…', 'info');
  client = new AdminClient({ token });
  try {
    const first = await client.snapshot();
    showDashboard();
    render(first);
    stopWatching = client.watch(POLL_MS, render, failed);
  } catch (e) {
    client = null;
    showLoginError(e);
  }
}

function signOut(message, kind = 'error') {
  if (stopWatching) stopWatching();
  stopWatching = null;
  client = null;
  rates = new Rates();
  $('dashboard').hidden = true;
  setNotice('', '');
  $('login').hidden = false;
  showLoginMessage(message, kind);
  $('login-token').focus();
}

function showDashboard() {
  $('login').hidden = true;
  $('dashboard').hidden = false;
  showLoginMessage('', 'info');
}

/** Admin disabled, a wrong token, or the server away: said on the login form. */
function showLoginError(e) {
  if (e instanceof SwitchboardError && e.code === 'admin_disabled') {
    $('admin-disabled').hidden = false;
    showLoginMessage('', 'info');
  } else if (e instanceof SwitchboardError && e.code === 'unauthorized') {
    showLoginMessage('Wrong admin token.', 'error');
  } else {
    showLoginMessage('Cannot read the snapshot: ' + (e.message ?? e), 'error');
  }
}

function showLoginMessage(text, kind) {
  const el = $('login-error');
  el.textContent = text;
  el.className = kind;
  el.hidden = !text;
}

/** A failed poll: a revoked token signs out; anything else is shown while polling goes on. */
function failed(e) {
  if (e instanceof SwitchboardError && (e.code === 'unauthorized' || e.code === 'admin_disabled')) {
    signOut(e.code === 'unauthorized' ? 'The admin token was refused.' : '');
    if (e.code === 'admin_disabled') $('admin-disabled').hidden = false;
    return;
  }
  setStatus('error', 'Not updated: ' + (e.message ?? e));
}

/** The refresh's line: replaced by every snapshot. */
function setStatus(kind, text) {
  show($('status'), kind, text);
}

/**
 * What the last action did ("Session #3 closed."): a line of its own, so that the next refresh,
 * a second later at most, does not replace it before it is read. Stays until the next action.
 */
function setNotice(kind, text) {
  show($('notice'), kind, text);
}

function show(el, kind, text) {
  el.className = 'status ' + kind;
  el.textContent = text;
}

async function closeSession(s) {
  if (!client) return;
  if (!window.confirm(`Close session #${s.numeric_id} (${s.id})?\nIts locks are released or left to their leases, its connections closed.`)) return;
  try {
    await client.closeSession(s.id, 'closed from the admin dashboard');
    setNotice('ok', `Session #${s.numeric_id} closed.`);
  } catch (e) {
    setNotice('error', `Cannot close #${s.numeric_id}: ${e.message ?? e}`);
  }
}

function render(snapshot) {
  rates.update(snapshot);
  const context = { rates, onClose: closeSession };
  fill('sessions', sections.sessions(snapshot, context), snapshot.sessions.length);
  fill('locks', sections.locks(snapshot), snapshot.locks.length);
  fill('topics', sections.topics(snapshot, context), snapshot.topics.length);
  fill('services', sections.services(snapshot), snapshot.services.length);
  fill('peers', sections.peers(snapshot), snapshot.peers.length);
  fill('throughput', sections.throughput(snapshot, context));
  fill('limits', sections.limits(snapshot), Object.values(snapshot.limit_hits ?? {}).filter((n) => n > 0).length);
  const node = snapshot.node;
  $('node').textContent = `${node.server}${node.node_id ? ' · node ' + node.node_id : ''} · up ${Math.floor(node.uptime_s / 60)} min`;
  setStatus('ok', 'Updated ' + new Date(snapshot.at_ms).toLocaleTimeString());
}

function fill(name, content, n) {
  const body = document.querySelector(`[data-testid="section-${name}"] .body`);
  body.replaceChildren(...[content].flat().filter(Boolean));
  if (n !== undefined) document.querySelector(`[data-testid="section-${name}"] .count`).textContent = String(n);
}
