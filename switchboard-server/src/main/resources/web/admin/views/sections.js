// One function per section of the dashboard: (snapshot, context) → the section's content.
import { h, num, table, truncatedNote } from './dom.js';
import { bytes, count, millis, seconds, shortId } from './format.js';
import { lineChart } from './chart.js';

export function sessions(snapshot, { onClose }) {
  const rows = snapshot.sessions.map((s) => h('tr', { 'data-testid': 'session-row-' + s.id, 'data-session-id': s.id, class: 'state-' + s.state },
    h('td', { 'data-label': 'Session', title: s.id }, h('code', {}, shortId(s.id)), h('span', { class: 'sub' }, '#' + s.numeric_id)),
    h('td', { 'data-label': 'State' }, h('span', { class: 'badge ' + s.state }, s.state), h('span', { class: 'sub' }, s.kind)),
    h('td', { 'data-label': 'Transport' }, s.transport,
      h('span', { class: 'sub' }, s.attached.length ? s.attached.map((c) => c.transport).join(', ') : 'no connection')),
    h('td', { 'data-label': 'Connections', class: 'num' }, s.connections),
    h('td', { 'data-label': 'Holds', class: s.held.length ? null : 'none' }, s.held.length
      ? h('ul', { class: 'plain' }, s.held.map((x) => h('li', {}, h('code', {}, x.key), ' ', h('span', { class: 'sub' }, x.kind + ' · fence ' + (x.fence ?? '?')))))
      : '–'),
    h('td', { 'data-label': 'Waits for', class: s.waiting.length ? null : 'none' }, s.waiting.length
      ? h('ul', { class: 'plain' }, s.waiting.map((x) => h('li', {}, h('code', {}, x.key), ' ', h('span', { class: 'sub' }, '#' + x.position))))
      : '–'),
    h('td', { 'data-label': 'Listens to', class: s.listening.length ? null : 'none' }, s.listening.length ? s.listening.map((p) => h('code', { class: 'chip' }, p)) : '–'),
    h('td', { 'data-label': 'Age', class: 'num' }, seconds(s.age_s), h('span', { class: 'sub' }, s.remote_address ?? '')),
    h('td', { class: 'actions' }, h('button', {
      type: 'button', class: 'danger', 'data-testid': 'session-close-' + s.id, 'data-session-id': s.id,
      onclick: () => onClose(s),
    }, 'Close'))));
  return [
    table('sessions-table', ['Session', 'State', 'Transport', num('Conns'), 'Holds', 'Waits for', 'Listens to', num('Age'), ''], rows, 'No session.'),
    truncatedNote(snapshot, 'sessions'),
  ];
}

export function locks(snapshot) {
  const cards = snapshot.locks.map((l) => h('article', {
    class: 'lock', 'data-testid': (l.kind === 'lock' ? 'lock-row-' : 'semaphore-row-') + l.key, 'data-lock-key': l.key, 'data-lock-kind': l.kind,
  },
  h('header', {}, h('code', {}, l.key), h('span', { class: 'badge ' + l.kind }, l.kind === 'lock' ? 'lock' : `semaphore ${l.holder_count}/${l.limit}`)),
  h('ol', { class: 'holders', 'aria-label': 'holders' },
    l.holders.length
      ? l.holders.map((x) => h('li', { 'data-testid': 'lock-holder-' + (x.session ?? x.numeric_id), 'data-session-id': x.session ?? '' },
        h('span', { class: 'role' }, 'holds'), h('code', { title: x.session ?? '' }, shortId(x.session ?? '#' + x.numeric_id)),
        h('span', { class: 'sub' }, '#' + x.numeric_id + ' · ', h('span', { class: 'nowrap' }, 'fence ' + (x.fence ?? '?')), ' · ',
          h('span', { class: 'nowrap' }, 'lease ' + millis(x.lease_remaining_ms)))))
      : h('li', { class: 'sub' }, l.holder_count ? l.holder_count + ' holder(s)' : 'no holder')),
  h('ol', { class: 'waiters', 'aria-label': 'waiters in order' },
    l.waiters.map((x) => h('li', { 'data-testid': 'lock-waiter-' + (x.session ?? x.numeric_id), 'data-session-id': x.session ?? '', 'data-position': x.position },
      h('span', { class: 'role' }, '#' + x.position), h('code', { title: x.session ?? '' }, shortId(x.session ?? '#' + x.numeric_id)),
      h('span', { class: 'sub' }, '#' + x.numeric_id + ' · ' + x.state))),
    l.waiters.length === 0 && l.waiter_count > 0 ? h('li', { class: 'sub' }, l.waiter_count + ' waiting') : null)));
  return [
    cards.length ? h('div', { class: 'cards', 'data-testid': 'locks-list' }, cards) : h('p', { class: 'empty', 'data-testid': 'locks-empty' }, 'No lock or semaphore is held or waited for.'),
    truncatedNote(snapshot, 'locks'),
  ];
}

export function topics(snapshot, { rates }) {
  const rows = snapshot.topics.map((t) => h('tr', { 'data-testid': 'topic-row-' + t.topic, 'data-topic': t.topic },
    h('td', { 'data-label': 'Topic' }, h('code', {}, t.topic)),
    h('td', { 'data-label': 'Subscribers', class: 'num' }, t.subscribers),
    h('td', { 'data-label': 'Groups', class: 'num' }, t.groups),
    h('td', { 'data-label': 'Published', class: 'num' }, count(t.published_total)),
    h('td', { 'data-label': 'Rate', class: 'num' }, rates.topicRates.has(t.topic) ? count(rates.topicRates.get(t.topic)) + '/s' : '–')));
  return [table('topics-table', ['Topic', num('Subscribers'), num('Groups'), num('Published'), num('Rate')], rows, 'Nobody listens.'), truncatedNote(snapshot, 'topics')];
}

export function services(snapshot) {
  const rows = snapshot.services.map((s) => h('tr', { 'data-testid': 'service-row-' + s.name, 'data-service': s.name },
    h('td', { 'data-label': 'Service' }, h('code', {}, s.name), s.group ? h('span', { class: 'sub' }, 'group ' + s.group) : null),
    h('td', { 'data-label': 'Members' }, h('ul', { class: 'plain' }, s.members.map((m) => h('li', { 'data-testid': 'service-member-' + (m.session ?? m.url ?? m.kind) },
      h('span', { class: 'sub' }, m.kind + ' '), h('code', { title: m.session ?? m.url ?? '' }, m.url ?? shortId(m.session ?? '–'))))))));
  return [table('services-table', ['Service', 'Members'], rows, 'No service is served.'), truncatedNote(snapshot, 'services')];
}

export function peers(snapshot) {
  const peerRows = snapshot.peers.map((p) => h('tr', { 'data-testid': 'peer-row-' + p.peer, 'data-peer': p.peer },
    h('td', { 'data-label': 'Peer', title: p.peer }, h('code', {}, shortId(p.peer))),
    h('td', { 'data-label': 'Session', title: p.session }, h('code', {}, shortId(p.session)), h('span', { class: 'sub' }, '#' + p.numeric_id)),
    h('td', { 'data-label': 'Transport' }, p.transport)));
  const presenceRows = snapshot.presence.map((p) => h('tr', { 'data-testid': 'presence-row-' + p.topic },
    h('td', { 'data-label': 'Topic' }, h('code', {}, p.topic)), h('td', { 'data-label': 'Members', class: 'num' }, p.members)));
  return h('div', { class: 'split' },
    h('div', {}, h('h3', {}, 'Peers'), table('peers-table', ['Peer', 'Session', 'Transport'], peerRows, 'No peer online.'), truncatedNote(snapshot, 'peers')),
    h('div', {}, h('h3', {}, 'Presence'), table('presence-table', ['Topic', num('Members')], presenceRows, 'No topic has members.')));
}

export function throughput(snapshot, { rates }) {
  const c = snapshot.counters;
  return [
    h('div', { class: 'charts' },
      lineChart('chart-operations', 'Operations', [rates.matching('operations')[0], ...rates.matching('ops ')].filter(Boolean), count),
      lineChart('chart-messages', 'Messages', rates.matching('messages'), count),
      lineChart('chart-bytes-in', 'Bytes in', rates.matching('in '), bytes),
      lineChart('chart-bytes-out', 'Bytes out', rates.matching('out '), bytes)),
    h('p', { class: 'totals', 'data-testid': 'counter-totals' },
      `Since start: ${count(c.operations_total)} operations, ${count(c.messages_in_total)} messages in, ${count(c.messages_out_total)} out, `
      + `${bytes(sum(c.bytes_in_total))} read, ${bytes(sum(c.bytes_out_total))} written.`),
  ];
}

export function limits(snapshot) {
  const hits = Object.entries(snapshot.limit_hits ?? {});
  hits.sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  const hit = hits.filter(([, n]) => n > 0);
  return [
    hit.length
      ? table('limits-table', ['Limit', num('Hits')], hit.map(([name, n]) => h('tr', { 'data-testid': 'limit-row-' + name },
        h('td', { 'data-label': 'Limit' }, h('code', {}, name)), h('td', { 'data-label': 'Hits', class: 'num' }, count(n)))), '')
      : h('p', { class: 'empty', 'data-testid': 'limits-empty' }, `No limit hit (${hits.length} limits watched).`),
  ];
}

function sum(map) {
  return Object.values(map ?? {}).reduce((a, b) => a + b, 0);
}
