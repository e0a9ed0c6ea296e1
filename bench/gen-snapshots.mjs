// Two synthetic 1M-entry snapshots for `npm run bench -- diff`: the same tree in two
// different (shuffled sibling) orders, the second with 1% modified, 0.5% missing and
// 0.5% extra entries. Deterministic (seeded); returns the expected counts.

import fs from 'node:fs';

function rng(seed) {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

function block(path, e) {
  let t = `# file: ${path}\n# owner: ${e.owner}\n# group: ${e.group}\n`;
  if (e.mode & 0o7000) t += `# flags: ${e.mode & 0o4000 ? 's' : '-'}${e.mode & 0o2000 ? 's' : '-'}${e.mode & 0o1000 ? 't' : '-'}\n`;
  const p = (b) => (b & 4 ? 'r' : '-') + (b & 2 ? 'w' : '-') + (b & 1 ? 'x' : '-');
  t += `user::${p(e.mode >> 6)}\n`;
  if (e.acl) t += `user:${e.acl}:rw-\ngroup::${p(e.mode >> 3)}\nmask::rw-\n`;
  else t += `group::${p(e.mode >> 3)}\n`;
  return t + `other::${p(e.mode)}\n\n`;
}

/** Writes BEFORE and AFTER; returns { entries, modified, missing, extra }. */
export function generateSnapshots(beforeFile, afterFile, entries = 1_000_000) {
  const rand = rng(7);
  const items = [];
  let dirs = ['root'];
  items.push({ path: 'root', owner: 'root', group: 'root', mode: 0o755 });
  while (items.length < entries) {
    const parent = dirs[Math.floor(rand() * dirs.length)];
    const isDir = rand() < 0.08;
    const path = `${parent}/${isDir ? 'd' : 'f'}${items.length}`;
    const e = { path, owner: rand() < 0.9 ? 'root' : 'bin', group: 'root', mode: isDir ? 0o755 : rand() < 0.02 ? 0o4755 : 0o644, acl: rand() < 0.03 ? 'daemon' : null };
    items.push(e);
    if (isDir) dirs.push(path);
  }
  const counts = { entries, modified: 0, missing: 0, extra: 0 };
  const after = [];
  for (const e of items) {
    const r = rand();
    if (r < 0.005 && e.path !== 'root') { counts.missing++; continue; }
    if (r < 0.015 && e.path !== 'root') { counts.modified++; after.push({ ...e, mode: e.mode ^ 0o022 }); continue; }
    after.push(e);
  }
  for (let i = 0; i < entries * 0.005; i++) {
    after.push({ path: `root/extra${i}`, owner: 'root', group: 'root', mode: 0o600 });
    counts.extra++;
  }
  const write = (file, list) => {
    const fd = fs.openSync(file, 'w');
    let buf = '';
    for (const e of list) {
      buf += block(e.path, e);
      if (buf.length > 1 << 20) { fs.writeSync(fd, buf); buf = ''; }
    }
    fs.writeSync(fd, buf);
    fs.closeSync(fd);
  };
  const shuffle = (list) => {
    const copy = list.slice();
    for (let i = copy.length - 1; i > 0; i--) { const j = Math.floor(rand() * (i + 1)); [copy[i], copy[j]] = [copy[j], copy[i]]; }
    return copy;
  };
  write(beforeFile, items);
  write(afterFile, shuffle(after));
  return counts;
}
