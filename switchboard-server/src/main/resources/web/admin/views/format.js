// Numbers and durations for people.

export function count(n) {
  if (n === null || n === undefined || Number.isNaN(n)) return '–';
  const abs = Math.abs(n);
  if (abs >= 1e9) return (n / 1e9).toFixed(1) + ' G';
  if (abs >= 1e6) return (n / 1e6).toFixed(1) + ' M';
  if (abs >= 1e4) return (n / 1e3).toFixed(1) + ' k';
  return Number.isInteger(n) ? String(n) : n.toFixed(1);
}

export function bytes(n) {
  if (n === null || n === undefined || Number.isNaN(n)) return '–';
  const units = ['B', 'KiB', 'MiB', 'GiB'];
  let i = 0;
  while (Math.abs(n) >= 1024 && i < units.length - 1) {
    n /= 1024;
    i++;
  }
  return (i === 0 ? Math.round(n) : n.toFixed(1)) + ' ' + units[i];
}

export function millis(ms) {
  if (ms === null || ms === undefined) return '–';
  if (ms >= 86_400_000 * 365) return 'no expiry';
  if (ms >= 3_600_000) return (ms / 3_600_000).toFixed(1) + ' h';
  if (ms >= 60_000) return (ms / 60_000).toFixed(1) + ' min';
  if (ms >= 1000) return (ms / 1000).toFixed(1) + ' s';
  return ms + ' ms';
}

export function seconds(s) {
  return millis(s * 1000);
}

/** A session id shortened for a narrow column (the full id is in the title and data attributes). */
export function shortId(id) {
  return id && id.length > 12 ? id.slice(0, 8) + '…' : id ?? '–';
}
