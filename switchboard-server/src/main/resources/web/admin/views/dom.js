// Building elements without innerHTML: every text from the server (session attributes, keys,
// topics) goes in as text, never as markup.

/** An element: h('td', {class: 'num', 'data-testid': 'x'}, 'text', otherElement, [more]). */
export function h(tag, attributes = {}, ...children) {
  const svg = tag.startsWith('svg:');
  const el = svg ? document.createElementNS('http://www.w3.org/2000/svg', tag.slice(4)) : document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith('on') && typeof value === 'function') el.addEventListener(name.slice(2), value);
    else el.setAttribute(name, value === true ? '' : String(value));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children) {
    if (c === undefined || c === null || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

/** A header for a column of numbers: aligned right, as its cells. */
export function num(text) {
  return { text, num: true };
}

/** A table with a header row (texts, or num(text)), or a line saying there is nothing. */
export function table(testid, headers, rows, empty) {
  if (rows.length === 0) return h('p', { class: 'empty', 'data-testid': testid + '-empty' }, empty);
  return h('table', { 'data-testid': testid },
    h('thead', {}, h('tr', {}, headers.map((t) => (t.num ? h('th', { scope: 'col', class: 'num' }, t.text) : h('th', { scope: 'col' }, t))))),
    h('tbody', {}, rows));
}

/** A note under a list cut by --admin-snapshot-max-items. */
export function truncatedNote(snapshot, list) {
  return (snapshot.truncated_lists ?? []).includes(list)
    ? h('p', { class: 'note', 'data-testid': list + '-truncated' }, 'List cut at --admin-snapshot-max-items.')
    : null;
}
