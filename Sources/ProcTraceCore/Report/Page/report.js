"use strict";
(() => {
const ROW = 20;
// The schema's names, written into the page from the Swift schema (ReportSchema): kinds, reap reasons and
// signals by number, the names in `unavailable` by bit, the duration steps (DurationText.steps), and what each
// kind of record carries in r.x, in order: [label, display, written] per field (ReportRecordField).
const SCHEMA = JSON.parse(document.getElementById("report-schema").textContent);
const KINDS = SCHEMA.kinds, REASONS = SCHEMA.reasons, UNAVAILABLE = SCHEMA.unavailable, SIGNALS = SCHEMA.signals;
const RECORDS = SCHEMA.records, EXEC = KINDS.indexOf("exec"), REPARENT = KINDS.indexOf("reparent");
const EXEC_FILE = RECORDS[EXEC].findIndex(([label]) => label === "filename");
// Per kind, how many of its fields every record has, and whether it has any the log may leave out: then a
// mask comes first, bit k set when the k-th of those is there (ReportRecordColumns).
const WRITTEN = RECORDS.map((fields) => fields.filter((field) => field[2]).length);
const MASKED = RECORDS.map((fields, k) => fields.length > WRITTEN[k]);
// Per kind, which of its fields are text (find searches them).
const TEXTS = RECORDS.map((fields) => fields.flatMap(([, display], k) => (display === "quoted" || display === "text" ? [k] : [])));
const OUTCOMES = [["running", "running"], ["exit0", "exit 0"], ["nonzero", "exit ≠ 0"], ["killed", "signal"], ["core", "core dump"]];
const ORIGINS = ["already running when the recording began (exists)", "forked (fork)",
  "first seen in a later record (its fork is not in the log)", "already running when the window began (--from)"];
const ABSENT = -2251799813685248; // a null stored as a difference (ReportDataEncoder.absentDifference)
const $ = (id) => document.getElementById(id);
const root = document.documentElement;
root.dataset.pwned = "0";
// A script injected through the data could only show itself by setting this flag; the browser tests read it.
setInterval(() => { root.dataset.pwned = window.__pwned ? "1" : "0"; }, 100);

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined && text !== null) node.textContent = String(text);
  return node;
}
const grouped = (n) => Math.round(n).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ",");
// Each step [below, major, separator, minor, modulus, width, unit]; the last takes the rest (DurationText).
function durationText(ns) {
  if (!(ns >= 0)) return "";
  const steps = SCHEMA.duration;
  const [, major, separator, minor, modulus, width, unit] = steps.find((step) => ns < step[0]) || steps[steps.length - 1];
  return Math.floor(ns / major) + separator + (width ? String(Math.floor(ns / minor) % modulus).padStart(width, "0") : "") + unit;
}

/// The gzip-compressed, base64-encoded bytes of one data element.
async function inflate(id) {
  const text = $(id).textContent.trim();
  let bytes;
  if (Uint8Array.fromBase64) bytes = Uint8Array.fromBase64(text);
  else {
    const binary = atob(text);
    bytes = new Uint8Array(binary.length);
    for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  }
  const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/// Replaces each column number in `part` by its values: zigzag LEB128 varints from `base` in `bytes` (ReportDataEncoder).
function readColumns(part, table, bytes, base) {
  for (const key of Object.keys(part)) {
    const [offset, count] = table[part[key]];
    const values = new Float64Array(count);
    let at = base + offset;
    for (let i = 0; i < count; i++) {
      let byte = bytes[at++];
      if (byte < 0x80) { values[i] = byte & 1 ? -((byte + 1) >> 1) : byte >> 1; continue; } // most values
      let value = byte & 0x7f, scale = 128;
      do { byte = bytes[at++]; value += (byte & 0x7f) * scale; scale *= 128; } while (byte & 0x80);
      values[i] = value % 2 ? -(value + 1) / 2 : value / 2;
    }
    part[key] = values;
  }
}

/// The JSON, a NUL, then the processes' and groups' columns.
async function loadData() {
  const payload = await inflate("report-data");
  const split = payload.indexOf(0);
  const data = JSON.parse(new TextDecoder().decode(payload.subarray(0, split)));
  readColumns(data.p, data.columns, payload, split + 1);
  readColumns(data.g, data.columns, payload, split + 1);
  return data;
}

let D, S, P, n, begin, exitAt, reapAt, endAt, outcome, kids, roots, groupOf, groupMembers, expanded, groupOpen;
let recHead, recNext, recTime, recSeq, recX, recKind, recProc;
let keep, keepGroup, rows = [], depths = [], selected = -1, matches = [], matchIndex = -1, matchSet = new Set();
let view0 = 0, view1 = 1, lowered = null;
const outcomeOn = [true, true, true, true, true];

function build() {
  S = D.strings; P = D.p; n = P.pid.length;
  begin = new Float64Array(n); exitAt = new Float64Array(n); reapAt = new Float64Array(n); endAt = new Float64Array(n);
  outcome = Uint8Array.from(P.outcome);
  let t = 0;
  for (let i = 0; i < n; i++) {
    t += P.begin[i];
    begin[i] = t;
    exitAt[i] = P.exit[i] < 0 ? NaN : t + P.exit[i];
    reapAt[i] = P.reap[i] < 0 ? NaN : t + P.reap[i];
    endAt[i] = !isNaN(reapAt[i]) ? reapAt[i] : D.end;
  }
  // Fan-out groups stand in for their members among the parent's children.
  buildGroups();
  expanded = new Uint8Array(n).fill(1);
  for (let i = 0; i < n; i++) if (P.flags[i] & 1) expanded[i] = 0; // kernel threads start folded
  groupOpen = new Uint8Array(groupMembers.length);
  view0 = 0; view1 = Math.max(D.end, 1);
}

/// The records, read after the first screen: exec marks, details and find need them.
let recordsReady = null;
function loadRecords() {
  if (!recordsReady) recordsReady = inflate("report-records").then((bytes) => {
    readColumns(D.r, D.record_columns, bytes, 0);
    buildRecords();
    root.dataset.recordsMs = Math.round(performance.now());
  });
  return recordsReady;
}

function buildRecords() {
  const R = D.r, m = R.k.length;
  recKind = Uint8Array.from(R.k); recProc = new Int32Array(m); recTime = new Float64Array(m);
  recSeq = new Float64Array(m); recX = new Int32Array(m); recNext = new Int32Array(m);
  recHead = new Int32Array(n).fill(-1);
  let row = 0, time = 0, seq = 0, x = 0;
  for (let r = 0; r < m; r++) {
    row += R.p[r]; time += R.t[r]; seq += R.s[r];
    recProc[r] = row; recTime[r] = time; recSeq[r] = seq; recX[r] = x;
    const kind = recKind[r];
    if (MASKED[kind]) { let mask = R.x[x]; x++; for (; mask; mask &= mask - 1) x++; }
    x += WRITTEN[kind];
  }
  for (let r = m - 1; r >= 0; r--) { recNext[r] = recHead[recProc[r]]; recHead[recProc[r]] = r; }
}

function buildGroups() {
  const G = D.g;
  groupOf = new Int32Array(n).fill(-1); groupMembers = [];
  let offset = 0;
  for (let g = 0; g < G.n.length; g++) {
    const members = G.m.slice(offset, offset + G.n[g]);
    offset += G.n[g];
    groupMembers.push(members);
    for (const member of members) groupOf[member] = g;
  }
  kids = new Array(n).fill(null); roots = [];
  for (let i = 0; i < n; i++) {
    const g = groupOf[i];
    if (g >= 0 && groupMembers[g][0] !== i) continue;
    const item = g >= 0 ? -(g + 1) : i;
    const parent = P.parent[i];
    if (parent < 0) roots.push(item);
    else (kids[parent] || (kids[parent] = [])).push(item);
  }
}

function computeKeep() {
  keep = new Uint8Array(n);
  for (let i = 0; i < n; i++) keep[i] = outcomeOn[outcome[i]] ? 1 : 2; // 1 shown, 2 kept only as an ancestor
  const wanted = new Uint8Array(n);
  for (let i = n - 1; i >= 0; i--) {
    if (keep[i] === 1 || wanted[i]) { wanted[i] = 1; if (P.parent[i] >= 0) wanted[P.parent[i]] = 1; }
  }
  for (let i = 0; i < n; i++) if (!wanted[i]) keep[i] = 0;
  keepGroup = groupMembers.map((members) => members.some((m) => keep[m]));
}

function flatten() {
  rows = []; depths = [];
  const stack = [];
  for (let i = roots.length - 1; i >= 0; i--) stack.push(roots[i], 0);
  while (stack.length) {
    const depth = stack.pop(), item = stack.pop();
    if (item >= 0) {
      if (!keep[item]) continue;
      rows.push(item); depths.push(depth);
      const list = kids[item];
      if (expanded[item] && list) for (let i = list.length - 1; i >= 0; i--) stack.push(list[i], depth + 1);
    } else {
      const g = -item - 1;
      if (!keepGroup[g]) continue;
      rows.push(item); depths.push(depth);
      if (groupOpen[g]) { const members = groupMembers[g]; for (let i = members.length - 1; i >= 0; i--) stack.push(members[i], depth + 1); }
    }
  }
  $("spacer").style.height = rows.length * ROW + "px";
  $("overlay").style.height = rows.length * ROW + "px";
  root.dataset.rows = rows.length;
}

const trackWidth = () => Math.max(50, $("viewport").clientWidth - $("axis-label").offsetWidth);
const xOf = (t, width) => (t - view0) / (view1 - view0) * width;

function place(node, from, to, width) {
  let left = xOf(from, width), right = xOf(to, width);
  if (right < -4 || left > width + 4) return false;
  left = Math.max(left, -4); right = Math.min(right, width + 4);
  node.style.left = left + "px"; node.style.width = Math.max(right - left, 2) + "px";
  return true;
}

// Past MAX_INDENT levels a row is indented no further and says its depth, as `tree` does past its own
// cap: the label column is 430 px, and a chain thousands deep would push every name out of it.
const MAX_INDENT = 16;
function indent(label, depth) {
  label.style.paddingLeft = Math.min(depth, MAX_INDENT) * 14 + "px";
  if (depth > MAX_INDENT) label.append(el("span", "depth", "[depth " + depth + "]"));
}

function processRow(i, depth, width) {
  const row = el("div", "row");
  row.dataset.pid = P.pid[i];
  row.dataset.ppid = P.ppid[i];
  row.dataset.parentPid = P.parent[i] >= 0 ? P.pid[P.parent[i]] : "";
  row.dataset.outcome = OUTCOMES[outcome[i]][0];
  row.dataset.index = i;
  if (P.status[i] >= 0) row.dataset.status = S[P.status[i]];
  row.setAttribute("role", "treeitem");
  if (keep[i] === 2) row.classList.add("dim");
  if (i === selected) row.classList.add("selected");
  if (matchSet.has(i)) row.classList.add("match");
  const label = el("div", "label");
  indent(label, depth);
  const twisty = el("span", "twisty", kids[i] ? (expanded[i] ? "▾" : "▸") : "");
  twisty.dataset.toggle = i;
  label.append(twisty, el("span", "pid", P.pid[i]), el("span", "comm", S[P.comm[i]]));
  if (P.argv[i] >= 0) label.append(el("span", "args", S[P.argv[i]]));
  else if (P.file[i] >= 0) label.append(el("span", "args", S[P.file[i]]));
  if (P.adopted[i] >= 0) label.append(el("span", "adopted", "→ adopted by " + P.adopted[i]));
  label.title = label.textContent;
  const track = el("div", "track");
  const end = isNaN(exitAt[i]) ? endAt[i] : exitAt[i];
  const bar = el("div", "bar o-" + OUTCOMES[outcome[i]][0] + (P.origin[i] === 2 ? " unseen" : ""));
  if (place(bar, begin[i], end, width)) track.append(bar);
  if (!isNaN(exitAt[i])) {
    const zombie = el("div", "zombie");
    const lingering = isNaN(reapAt[i]) && D.end - exitAt[i] > D.summary.zombie_threshold;
    if (lingering) zombie.classList.add("lingering");
    zombie.title = isNaN(reapAt[i]) ? "zombie, never reaped" : "zombie until reaped";
    if (place(zombie, exitAt[i], endAt[i], width)) track.append(zombie);
  }
  for (let r = recHead ? recHead[i] : -1; r >= 0; r = recNext[r]) {
    const kind = recKind[r];
    if (kind !== EXEC && kind !== REPARENT) continue;
    const x = xOf(recTime[r], width);
    if (x < -2 || x > width + 2) continue;
    const mark = el("div", kind === EXEC ? "mark exec" : "mark reparent");
    mark.style.left = x - 1 + "px";
    const file = kind === EXEC ? recordValues(r)[EXEC_FILE] : -1;
    mark.title = kind === EXEC ? "exec " + (file >= 0 ? S[file] : "") : "re-parented to " + ppidOf(r);
    track.append(mark);
  }
  row.append(label, track);
  return row;
}

function groupRow(g, depth, width) {
  const members = groupMembers[g];
  const row = el("div", "row group");
  row.dataset.group = g;
  row.dataset.count = members.length;
  row.dataset.parentPid = D.g.parent[g] >= 0 ? P.pid[D.g.parent[g]] : "";
  const label = el("div", "label");
  indent(label, depth);
  const twisty = el("span", "twisty", groupOpen[g] ? "▾" : "▸");
  twisty.dataset.group = g;
  label.append(twisty, el("span", "comm", S[D.g.label[g]]));
  label.title = label.textContent + " — click to " + (groupOpen[g] ? "fold" : "list them");
  const track = el("div", "track");
  let from = Infinity, to = -Infinity;
  const seen = new Set();
  for (const m of members) { from = Math.min(from, begin[m]); to = Math.max(to, endAt[m]); seen.add(outcome[m]); }
  const span = el("div", "span " + (seen.size === 1 ? "o-" + OUTCOMES[[...seen][0]][0] : "o-mixed"));
  if (place(span, from, to, width)) track.append(span);
  let ticks = 0;
  for (const m of members) {
    if (outcome[m] < 2 || ticks++ > 400) continue;
    const x = xOf(isNaN(exitAt[m]) ? begin[m] : exitAt[m], width);
    if (x < 0 || x > width) continue;
    const tick = el("div", "fail-tick"); tick.style.left = x + "px"; track.append(tick);
  }
  row.append(label, track);
  return row;
}

function niceStep(span, count) {
  const raw = span / count, power = Math.pow(10, Math.floor(Math.log10(raw)));
  for (const f of [1, 2, 5, 10]) if (f * power >= raw) return f * power;
  return 10 * power;
}

function drawAxis(width) {
  const axis = $("axis-track"), overlay = $("overlay");
  const nodes = [], lines = [];
  const step = niceStep(view1 - view0, Math.max(2, width / 110));
  for (let t = Math.ceil(view0 / step) * step; t <= view1; t += step) {
    const tick = el("div", "tick", "+" + durationText(t).replace(/^0µs$/, "0"));
    tick.style.left = xOf(t, width) + "px";
    nodes.push(tick);
  }
  for (let i = 0; i < D.lost.length; i += 2) {
    const t = D.lost[i], count = D.lost[i + 1], x = xOf(t, width);
    if (x < 0 || x > width) continue;
    const flag = el("div", "lost-flag", "lost " + (count < 0 ? "?" : grouped(count)));
    flag.style.left = x + "px";
    flag.title = (count < 0 ? "an unknown number of" : grouped(count)) + " records lost here";
    nodes.push(flag);
    const line = el("div", "lost-line"); line.style.left = x + "px"; line.style.height = rows.length * ROW + "px";
    lines.push(line);
  }
  axis.replaceChildren(...nodes);
  overlay.replaceChildren(...lines);
}

let pending = false;
function render() {
  pending = false;
  const viewport = $("viewport"), width = trackWidth();
  const first = Math.max(0, Math.floor(viewport.scrollTop / ROW) - 4);
  const last = Math.min(rows.length, Math.ceil((viewport.scrollTop + viewport.clientHeight) / ROW) + 4);
  const fragment = document.createDocumentFragment();
  for (let k = first; k < last; k++) {
    const item = rows[k];
    fragment.append(item >= 0 ? processRow(item, depths[k], width) : groupRow(-item - 1, depths[k], width));
  }
  const container = $("rows");
  container.style.transform = "translateY(" + first * ROW + "px)";
  container.replaceChildren(fragment);
  drawAxis(width);
}
const schedule = () => { if (!pending) { pending = true; requestAnimationFrame(render); } };
const refresh = () => { computeKeep(); flatten(); render(); };

// ---- summary -------------------------------------------------------------
function card(value, text, bad) {
  const node = el("div", "card" + (bad ? " bad" : ""));
  node.append(el("b", null, value), el("span", null, text));
  return node;
}
function list(title, header, entries) {
  const box = el("div", "list");
  box.append(el("h2", null, title));
  const table = el("table");
  for (const cells of entries.slice(0, 10)) {
    const tr = el("tr");
    cells.forEach((cell, k) => tr.append(el("td", k === 0 && header === "n" ? "n" : null, cell)));
    table.append(tr);
  }
  if (!entries.length) box.append(el("span", "hint", "none"));
  box.append(table);
  return box;
}
function drawSummary() {
  const s = D.summary, c = s.counts;
  const cards = el("div", "cards");
  const failed = s.failures.reduce((sum, f) => sum + f[2], 0);
  cards.append(card(grouped(s.records), "records"), card(grouped(n), "processes"), card(durationText(s.duration) || "0", "duration"),
    card(grouped(c.fork || 0), "forks"), card(grouped(c.exec || 0), "execs"), card(grouped(c.exit || 0), "exits"),
    card(grouped(failed), "failed (≠0 / signal)", failed > 0), card(grouped(s.lingering), "lingering zombies", s.lingering > 0),
    card(grouped(s.orphans), "re-parented"),
    card(s.lost_records ? grouped(s.lost_total) + (s.lost_unknown ? "+?" : "") : "0", "records lost", s.lost_records > 0));
  const summary = $("summary");
  summary.replaceChildren(cards,
    list("Most exec'd programs", "n", s.executed.map((e) => [grouped(e[1]), S[e[0]]])),
    list("Failures", "n", s.failures.map((f) => [grouped(f[2]), S[f[0]], S[f[1]]])),
    list("Lingering zombies (> " + durationText(s.zombie_threshold) + ")", "", s.zombies.map((z) =>
      [z[0] + " " + S[z[1]], durationText(z[4]) + (z[5] ? "+ (never reaped)" : ""), "parent " + z[2] + (z[3] >= 0 ? " " + S[z[3]] : "")])));
  const meta = [];
  if (D.host >= 0) meta.push("host " + S[D.host]);
  if (D.kernel >= 0) meta.push("kernel " + S[D.kernel]);
  if (D.backend >= 0) meta.push(S[D.backend] + " backend");
  meta.push("from " + D.start + " for " + (durationText(D.end) || "0s"));
  if (D.sources.length) meta.push(D.sources.map((k) => S[k]).join(" "));
  if (S[D.selection]) meta.push(S[D.selection]);
  $("meta").textContent = meta.join(" · ");
  if (D.host >= 0) document.title = "proctrace report: " + S[D.host];
}

function drawLegend() {
  const box = $("outcomes");
  OUTCOMES.forEach(([name, text], k) => {
    const label = el("label");
    const box2 = el("input"); box2.type = "checkbox"; box2.checked = true; box2.dataset.outcome = name;
    box2.addEventListener("change", () => { outcomeOn[k] = box2.checked; refresh(); });
    const swatch = el("span", "swatch o-" + name);
    label.append(box2, swatch, el("span", null, text));
    box.append(label);
  });
  const z = el("label"); z.append(el("span", "swatch hatched"), el("span", null, "zombie")); box.append(z);
}

// ---- details -------------------------------------------------------------
function timeText(offset) {
  let ns = D.start_ns + offset, s = D.start_s + Math.floor(ns / 1e9);
  ns = ((ns % 1e9) + 1e9) % 1e9;
  return new Date(s * 1000).toISOString().replace(/\.\d{3}Z$/, "." + String(ns).padStart(9, "0") + "Z");
}
const quoted = (k) => (k < 0 ? "null" : "\"" + S[k] + "\"");
const plain = (k) => (k < 0 ? "null" : S[k]);
const startTime = (i) => (P.st_s[i] > 0 ? P.st_s[i] + String(P.st_ns[i]).padStart(9, "0") : String(P.st_ns[i]));
function credText(k) {
  if (k < 0) return null;
  const c = D.creds.slice(k * 6, k * 6 + 6);
  return "uid " + c[0] + " euid " + c[1] + " suid " + c[2] + " · gid " + c[3] + " egid " + c[4] + " sgid " + c[5];
}
function credChange(before, after) {
  if (before < 0 || after < 0 || before === after) return null;
  const names = ["uid", "euid", "suid", "gid", "egid", "sgid"], a = D.creds.slice(before * 6), b = D.creds.slice(after * 6);
  return names.filter((_, k) => a[k] !== b[k]).map((name) => name + " " + a[names.indexOf(name)] + " → " + b[names.indexOf(name)]).join(", ");
}
function sessionText(k) { return k < 0 ? null : "sid " + D.sessions[k * 2] + " pgid " + D.sessions[k * 2 + 1]; }
function statusText(raw) {
  if (raw < 0) return null;
  const signal = raw & 0x7f;
  if (signal) return "signal " + signal + " (" + (SIGNALS[signal] || "signal " + signal) + ")" + (raw & 0x80 ? ", core dumped" : "");
  return "exit_code " + ((raw >> 8) & 0xff);
}
function dl(pairs) {
  const list = el("dl");
  for (const [key, value, changed] of pairs) {
    if (value === null || value === undefined) continue;
    list.append(el("dt", null, key), el("dd", changed ? "changed" : null, value));
  }
  return list;
}

// A record's ppid is stored as its difference to its process's first ppid.
const ppidOf = (r) => P.ppid[recProc[r]] + D.r.pp[r];
// How each kind of value is written (ReportRecordField.Display): [text of a value of record r, text for none,
// the stored none]. A field without a value is left out, as the log leaves it out, unless the log writes it anyway.
const DISPLAY = {
  character: [(v) => String.fromCharCode(v)],
  quoted: [quoted],
  text: [plain],
  number: [(v) => v],
  flag: [() => "true", "false"],
  credentials: [credText],
  session: [sessionText],
  status: [statusText],
  duration: [(v, r) => { const ns = v + (recTime[r] - begin[recProc[r]]); return ns + " (" + durationText(ns) + ")"; }, "null", ABSENT],
  reason: [(v) => REASONS[v] || "null"],
  unavailable: [(v) => UNAVAILABLE.filter((_, b) => v & (1 << b)).join(", ")],
};
/// Record r's value of each field its kind has, in order; a field it leaves out has its display's none.
function recordValues(r) {
  const x = D.r.x, kind = recKind[r];
  let at = recX[r], bit = 1;
  const mask = MASKED[kind] ? x[at++] : 0;
  return RECORDS[kind].map(([, display, written]) => {
    if (written) return x[at++];
    const there = mask & bit;
    bit *= 2;
    return there ? x[at++] : (DISPLAY[display][2] ?? -1);
  });
}
function recordFields(r, previousCred) {
  const values = recordValues(r), fields = [];
  fields.push(["seq", recSeq[r]], ["time", timeText(recTime[r])], ["ppid", ppidOf(r)], ["comm", quoted(D.r.c[r])]);
  let cred = -1;
  RECORDS[recKind[r]].forEach(([label, display, written], k) => {
    const v = values[k], [text, none = "null", absent = -1] = DISPLAY[display];
    if (v !== absent) fields.push([label, text(v, r)]);
    else if (written) fields.push([label, none]);
    if (display !== "credentials") return;
    cred = v;
    const change = credChange(previousCred, cred);
    if (change) fields.push(["credentials changed", change, true]);
  });
  return { fields, cred };
}

function showDetails(i) {
  const box = $("details");
  const parts = [el("h2", null, P.pid[i] + " " + S[P.comm[i]])];
  const duration = P.dur[i] >= 0 ? P.dur[i] : (!isNaN(exitAt[i]) ? exitAt[i] - begin[i] : null);
  parts.push(dl([
    ["pid", P.pid[i]], ["ppid", P.ppid[i]],
    ["nested under", P.parent[i] >= 0 ? P.pid[P.parent[i]] + " " + S[P.comm[P.parent[i]]] : "(a root: its parent is not in the report)"],
    ["re-parented to", P.adopted[i] >= 0 ? P.adopted[i] : null],
    ["start_time", startTime(i)], ["comm", quoted(P.comm[i])], ["filename", quoted(P.file[i])], ["argv", plain(P.argv[i])],
    ["argv_truncated", P.flags[i] & 2 ? "true" : null], ["credentials", credText(P.cred[i])], ["session", sessionText(P.sess[i])],
    ["began", ORIGINS[P.origin[i]] + ", " + timeText(begin[i])],
    ["exit", P.status[i] >= 0 ? S[P.status[i]] + (isNaN(exitAt[i]) ? "" : " at " + timeText(exitAt[i])) : "no exit in the report (still running)"],
    ["duration", duration === null ? null : durationText(duration) + (P.dur[i] >= 0 ? " (duration_ns " + P.dur[i] + ")" : "")],
    ["zombie", isNaN(exitAt[i]) ? null : (isNaN(reapAt[i]) ? "never reaped (" + durationText(D.end - exitAt[i]) + "+)" : durationText(reapAt[i] - exitAt[i]))],
    ["reaped", isNaN(reapAt[i]) ? null : timeText(reapAt[i]) + " by " + (P.reaper[i] >= 0 ? P.reaper[i] : "null") + " (" + (REASONS[P.reason[i]] || "null") + ")"],
  ]));
  parts.push(el("h3", null, "Records"));
  let cred = -1, count = 0;
  for (let r = recHead[i]; r >= 0; r = recNext[r]) {
    const record = el("div", "record");
    const { fields, cred: next } = recordFields(r, cred);
    if (next >= 0) cred = next;
    record.append(el("b", null, KINDS[recKind[r]]), dl(fields));
    parts.push(record);
    if (++count >= 500) { parts.push(el("p", "hint", "… more records not shown")); break; }
  }
  if (!count) parts.push(el("p", "hint", "none in the window (alive when it began)"));
  box.replaceChildren(...parts);
  box.dataset.pid = P.pid[i];
}

function showGroup(g) {
  const members = groupMembers[g], counts = new Map();
  for (const m of members) { const k = P.status[m] >= 0 ? S[P.status[m]] : "running"; counts.set(k, (counts.get(k) || 0) + 1); }
  const pairs = [["program", S[D.g.program[g]]], ["processes", grouped(members.length)],
    ["nested under", D.g.parent[g] >= 0 ? P.pid[D.g.parent[g]] + " " + S[P.comm[D.g.parent[g]]] : "(roots)"]];
  for (const [k, v] of [...counts].sort((a, b) => b[1] - a[1])) pairs.push([k, grouped(v)]);
  $("details").replaceChildren(el("h2", null, S[D.g.label[g]]), dl(pairs),
    el("p", "hint", "Click the row's triangle to list the processes."));
}

// ---- find ------------------------------------------------------------------
function find(query) { return loadRecords().then(() => findNow(query)); }
function findNow(query) {
  query = query.trim().toLowerCase();
  matches = []; matchIndex = -1; matchSet = new Set();
  if (!query) { $("find-status").textContent = ""; render(); return; }
  if (!lowered) lowered = S.map((s) => s.toLowerCase());
  const number = /^\d+$/.test(query) ? Number(query) : NaN;
  for (let i = 0; i < n; i++) {
    if (P.pid[i] === number || lowered[P.comm[i]].includes(query) || (P.argv[i] >= 0 && lowered[P.argv[i]].includes(query))
      || (P.file[i] >= 0 && lowered[P.file[i]].includes(query))) matches.push(i);
  }
  // Earlier names and programs of a process count too.
  const seen = new Set(matches);
  for (let r = 0; r < recKind.length; r++) {
    const i = recProc[r];
    if (seen.has(i)) continue;
    const texts = TEXTS[recKind[r]], values = texts.length ? recordValues(r) : null;
    const hit = lowered[D.r.c[r]].includes(query) || texts.some((k) => values[k] >= 0 && lowered[values[k]].includes(query));
    if (hit) { seen.add(i); matches.push(i); }
  }
  matches.sort((a, b) => a - b);
  matchSet = new Set(matches);
  $("find-status").textContent = matches.length ? grouped(matches.length) + " found" : "not found";
  step(1);
}
function step(direction) {
  if (!matches.length) return;
  matchIndex = (matchIndex + direction + matches.length) % matches.length;
  reveal(matches[matchIndex]);
  $("find-status").textContent = grouped(matchIndex + 1) + " of " + grouped(matches.length);
}
function reveal(i) {
  if (!keep[i]) { outcomeOn[outcome[i]] = true; document.querySelector('#outcomes input[data-outcome="' + OUTCOMES[outcome[i]][0] + '"]').checked = true; computeKeep(); }
  for (let a = i; a >= 0; a = P.parent[a]) {
    if (a !== i) expanded[a] = 1;
    if (groupOf[a] >= 0) groupOpen[groupOf[a]] = 1;
  }
  flatten();
  const k = rows.indexOf(i);
  const viewport = $("viewport");
  if (k >= 0 && (k * ROW < viewport.scrollTop || (k + 1) * ROW > viewport.scrollTop + viewport.clientHeight)) {
    viewport.scrollTop = Math.max(0, k * ROW - viewport.clientHeight / 3);
  }
  select(i);
}
function select(i) {
  selected = i;
  render();
  loadRecords().then(() => { if (selected === i) showDetails(i); });
}

// ---- zoom and pan ----------------------------------------------------------
function zoom(factor, anchor) {
  const span = view1 - view0, next = Math.min(Math.max(span * factor, 1000), Math.max(D.end, 1) * 20);
  const at = anchor === undefined ? view0 + span / 2 : anchor;
  view0 = at - (at - view0) * next / span; view1 = view0 + next;
  schedule();
}
function fit() { const pad = Math.max(D.end, 1) * 0.01; view0 = -pad; view1 = Math.max(D.end, 1) + pad; schedule(); }
function timeAt(clientX) {
  const left = $("axis-track").getBoundingClientRect().left;
  return view0 + (clientX - left) / trackWidth() * (view1 - view0);
}
function wire() {
  const viewport = $("viewport");
  viewport.addEventListener("scroll", schedule, { passive: true });
  window.addEventListener("resize", schedule);
  const wheel = (event, always) => {
    if (!always && !event.ctrlKey) {
      if (event.shiftKey || Math.abs(event.deltaX) > Math.abs(event.deltaY)) {
        event.preventDefault();
        const d = (event.shiftKey ? event.deltaY : event.deltaX) / trackWidth() * (view1 - view0);
        view0 += d; view1 += d; schedule();
      }
      return;
    }
    event.preventDefault();
    zoom(Math.exp(event.deltaY * 0.002), timeAt(event.clientX));
  };
  viewport.addEventListener("wheel", (e) => wheel(e, false), { passive: false });
  $("axis").addEventListener("wheel", (e) => wheel(e, true), { passive: false });
  let drag = null;
  viewport.addEventListener("mousedown", (event) => {
    if (!event.target.closest(".track")) return;
    drag = { x: event.clientX, view0, view1, moved: false };
    event.target.closest(".track").classList.add("dragging");
  });
  window.addEventListener("mousemove", (event) => {
    if (!drag) return;
    const d = (drag.x - event.clientX) / trackWidth() * (drag.view1 - drag.view0);
    if (Math.abs(drag.x - event.clientX) > 2) drag.moved = true;
    view0 = drag.view0 + d; view1 = drag.view1 + d; schedule();
  });
  window.addEventListener("mouseup", () => { if (drag) setTimeout(() => { drag = null; }, 0); });
  $("rows").addEventListener("click", (event) => {
    if (drag && drag.moved) return;
    const target = event.target;
    if (target.dataset.toggle !== undefined) { const i = Number(target.dataset.toggle); expanded[i] ^= 1; flatten(); render(); return; }
    const row = target.closest(".row");
    if (!row) return;
    if (row.dataset.group !== undefined) {
      const g = Number(row.dataset.group);
      if (target.dataset.group !== undefined) { groupOpen[g] ^= 1; flatten(); render(); }
      showGroup(g);
      return;
    }
    select(Number(row.dataset.index));
  });
  $("find-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const query = $("find").value;
    if (query === lastQuery && matches.length) step(1); else { lastQuery = query; find(query); }
  });
  $("find-prev").addEventListener("click", () => step(-1));
  $("zoom-in").addEventListener("click", () => zoom(0.5));
  $("zoom-out").addEventListener("click", () => zoom(2));
  $("zoom-fit").addEventListener("click", fit);
  $("expand-all").addEventListener("click", () => { expanded.fill(1); flatten(); render(); });
  $("collapse-all").addEventListener("click", () => { expanded.fill(0); flatten(); render(); });
}
let lastQuery = null;

const scriptStartMs = performance.now();
loadData().then((data) => {
  root.dataset.scriptStartMs = Math.round(scriptStartMs);
  root.dataset.decodedMs = Math.round(performance.now());
  D = data;
  build();
  root.dataset.builtMs = Math.round(performance.now());
  drawSummary();
  drawLegend();
  computeKeep();
  flatten();
  fit();
  render();
  wire();
  root.dataset.processes = n;
  root.dataset.groups = groupMembers.length;
  // First screen: the visible rows built and laid out (painting follows within a frame).
  void $("rows").offsetHeight;
  root.dataset.firstScreenMs = Math.round(performance.now());
  // Then the records: exec marks appear, details and find work.
  setTimeout(() => loadRecords().then(() => {
    render();
    // The page's own query (report.html#find=TEXT), for links and the tests.
    const hash = new URLSearchParams(location.hash.slice(1));
    if (hash.get("find")) { $("find").value = hash.get("find"); lastQuery = hash.get("find"); return find(hash.get("find")); }
  }).then(() => { root.dataset.ready = "1"; }).catch(fail), 0);
}).catch(fail);
function fail(error) {
  $("summary").replaceChildren(el("p", "bad", "This report could not be read: " + error));
  root.dataset.error = String(error);
}
})();
