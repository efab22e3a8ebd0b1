// The web console's page and script, embedded in the binary (served at / and /console.js; the
// page's Content-Security-Policy allows scripts from the console itself only). The script polls
// /api/state every second and writes everything with textContent, never as HTML, so a system_id
// or a status cannot inject markup.

#include "console.hpp"

namespace aiosmpp::smsc_sim {

const char* const console_page_html = R"html(<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>aiosmpp-smsc-sim console</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body { font: 13px/1.4 system-ui, sans-serif; margin: 0; background: #f4f5f7; color: #1d2330; }
header { background: #1d2330; color: #fff; padding: 8px 16px; display: flex; gap: 24px;
         align-items: baseline; }
header h1 { font-size: 16px; margin: 0; }
header .muted { color: #aab; }
main { display: grid; grid-template-columns: 2fr 1fr; gap: 12px; padding: 12px; }
section { background: #fff; border-radius: 6px; padding: 8px 12px; box-shadow: 0 1px 2px #0002; }
section h2 { font-size: 13px; margin: 0 0 6px; text-transform: uppercase; color: #556; }
.cards { display: flex; gap: 8px; flex-wrap: wrap; }
.card { background: #eef2f8; border-radius: 4px; padding: 4px 10px; min-width: 90px; }
.card b { display: block; font-size: 20px; font-variant-numeric: tabular-nums; }
table { border-collapse: collapse; width: 100%; font-variant-numeric: tabular-nums; }
td, th { padding: 2px 6px; border-bottom: 1px solid #e4e6ea; text-align: left; }
th { color: #556; font-weight: 600; }
tr.selected { background: #fff6d6; }
input, select, button { font: inherit; }
input[type=text], input[type=password] { width: 9em; }
form label { display: inline-block; margin: 2px 8px 2px 0; }
.result { color: #555; min-height: 1.4em; }
.error { color: #b00020; }
.counters { display: grid; grid-template-columns: repeat(3, 1fr); gap: 0 16px; }
.counters div { display: flex; justify-content: space-between; border-bottom: 1px solid #e4e6ea; }
.counters b { font-weight: 600; font-variant-numeric: tabular-nums; }
#faults input { width: 11em; }
#faults td:last-child { white-space: nowrap; }
</style>
</head>
<body>
<header>
  <h1>aiosmpp-smsc-sim</h1>
  <span>up <span id="uptime">-</span></span>
  <span id="status" class="muted">connecting</span>
  <span id="writable" class="muted"></span>
  <label style="margin-left:auto">token <input id="token" type="password" autocomplete="off"></label>
</header>
<main>
  <div>
    <section>
      <h2>Rates (per second)</h2>
      <div class="cards">
        <div class="card">submit<b id="rate-submits">-</b></div>
        <div class="card">accepted<b id="rate-accepted">-</b></div>
        <div class="card">errors<b id="rate-submit_errors">-</b></div>
        <div class="card">receipts<b id="rate-receipts">-</b></div>
        <div class="card">MO<b id="rate-mo">-</b></div>
        <div class="card">window<b id="q-window">-</b></div>
        <div class="card">backlog<b id="q-backlog">-</b></div>
        <div class="card">receipts waiting<b id="q-receipts_waiting">-</b></div>
      </div>
    </section>
    <section>
      <h2>Sessions</h2>
      <table>
        <thead><tr><th>id</th><th>system_id</th><th>bind</th><th>state</th><th>remote</th>
          <th>submits</th><th>in flight</th><th>backlog</th><th>pending</th>
          <th>receipts owed</th><th>MO out</th></tr></thead>
        <tbody id="sessions"></tbody>
      </table>
    </section>
    <section>
      <h2>Recent PDUs <span id="pdus-of" class="muted"></span> (click a session)</h2>
      <table>
        <thead><tr><th>time</th><th>dir</th><th>command</th><th>status</th><th>seq</th></tr></thead>
        <tbody id="pdus"></tbody>
      </table>
    </section>
    <section>
      <h2>Counters</h2>
      <div id="stats" class="counters"></div>
    </section>
  </div>
  <div>
    <section>
      <h2>Inject an MO message</h2>
      <form id="mo-form" method="post" action="/api/mo">
        <label>session <select id="mo-session" name="session"></select></label>
        <label>from <input type="text" name="from" placeholder="default"></label>
        <label>to <input type="text" name="to" placeholder="default"></label><br>
        <label>text <input id="mo-text" type="text" name="text" style="width:20em"></label>
        <button id="mo-send" type="submit">send</button>
      </form>
      <div id="mo-result" class="result"></div>
    </section>
    <section>
      <h2>Inject a receipt</h2>
      <form id="receipt-form" method="post" action="/api/receipt">
        <label>session <select id="receipt-session" name="session"></select></label>
        <label>message_id <input type="text" name="message_id"></label>
        <label>state <select name="state">
          <option>DELIVRD</option><option>UNDELIV</option><option>EXPIRED</option>
          <option>REJECTD</option><option>DELETED</option><option>UNKNOWN</option>
          <option>ACCEPTD</option><option>ENROUTE</option></select></label><br>
        <label>submitted from <input type="text" name="source"></label>
        <label>to <input type="text" name="destination"></label>
        <button type="submit">send</button>
      </form>
      <div id="receipt-result" class="result"></div>
    </section>
    <section>
      <h2>Trouble on purpose</h2>
      <table><tbody id="faults"></tbody></table>
      <div id="fault-result" class="result"></div>
    </section>
  </div>
</main>
<script src="/console.js"></script>
</body>
</html>
)html";

const char* const console_page_js = R"js('use strict';
const $ = (id) => document.getElementById(id);
let selected = null;
const faultInputs = new Map();

function authHeaders() {
  const t = $('token').value;
  return t ? { Authorization: 'Bearer ' + t } : {};
}

function cell(row, text) {
  const td = document.createElement('td');
  td.textContent = text;
  row.appendChild(td);
  return td;
}

function setOptions(select, sessions) {
  const keep = select.value;
  select.replaceChildren();
  for (const s of sessions) {
    if (s.state !== 'bound_rx' && s.state !== 'bound_trx') continue;
    const o = document.createElement('option');
    o.value = String(s.id);
    o.textContent = s.id + ' ' + s.system_id;
    select.appendChild(o);
  }
  if ([...select.options].some((o) => o.value === keep)) select.value = keep;
}

async function post(path, body, out) {
  out.className = 'result';
  out.textContent = 'sending...';
  try {
    const r = await fetch(path, { method: 'POST', headers: authHeaders(), body });
    const j = await r.json();
    out.textContent = r.ok ? 'ok: ' + JSON.stringify(j) : r.status + ': ' + j.error;
    if (!r.ok) out.className = 'result error';
  } catch (e) {
    out.className = 'result error';
    out.textContent = String(e);
  }
  refresh();
}

function renderFaults(faults) {
  const tb = $('faults');
  for (const f of faults) {
    let input = faultInputs.get(f.name);
    if (!input) {
      const tr = document.createElement('tr');
      cell(tr, f.name);
      const td = document.createElement('td');
      input = document.createElement('input');
      input.type = 'text';
      input.id = 'fault-' + f.name;
      td.appendChild(input);
      tr.appendChild(td);
      const set = document.createElement('button');
      set.textContent = 'set';
      set.onclick = () => post('/api/faults', new URLSearchParams([[f.name, input.value]]),
                               $('fault-result'));
      const bt = document.createElement('td');
      bt.appendChild(set);
      if (f.name !== 'error-status') {
        const off = document.createElement('button');
        off.textContent = 'off';
        off.onclick = () => post('/api/faults', new URLSearchParams([[f.name, '0']]),
                                 $('fault-result'));
        bt.appendChild(off);
      }
      tr.appendChild(bt);
      tb.appendChild(tr);
      faultInputs.set(f.name, input);
    }
    if (document.activeElement !== input) input.value = f.value;
  }
}

function render(s) {
  $('uptime').textContent = Math.floor(s.uptime_seconds) + ' s';
  $('writable').textContent = s.writable ? '' : 'read-only (no --http-token)';
  for (const [k, v] of Object.entries(s.rates)) {
    const el = $('rate-' + k);
    if (el) el.textContent = v.toFixed(1);
  }
  for (const k of ['window', 'backlog', 'receipts_waiting']) $('q-' + k).textContent = s.stats[k];
  const stats = $('stats');
  stats.replaceChildren();
  for (const [k, v] of Object.entries(s.stats)) {
    const item = document.createElement('div');
    const name = document.createElement('span');
    name.textContent = k;
    const value = document.createElement('b');
    value.id = 'stat-' + k;
    value.textContent = String(v);
    item.append(name, value);
    stats.appendChild(item);
  }
  const tb = $('sessions');
  tb.replaceChildren();
  // The first session's PDUs until another is clicked, or when the selected one has gone.
  if (!s.sessions.some((x) => x.id === selected)) {
    selected = s.sessions.length ? s.sessions[0].id : null;
  }
  for (const x of s.sessions) {
    const tr = document.createElement('tr');
    tr.dataset.id = x.id;
    if (x.id === selected) tr.className = 'selected';
    for (const v of [x.id, x.system_id, x.bind_type, x.state, x.remote, x.submits, x.in_flight,
                     x.backlog, x.pending_requests, x.receipts_owed, x.mo_outstanding]) {
      cell(tr, String(v));
    }
    tr.onclick = () => { selected = x.id; loadPdus(); };
    tb.appendChild(tr);
  }
  setOptions($('mo-session'), s.sessions);
  setOptions($('receipt-session'), s.sessions);
  renderFaults(s.faults);
}

async function loadPdus() {
  if (selected === null) {
    $('pdus').replaceChildren();
    return;
  }
  $('pdus-of').textContent = 'of session ' + selected;
  const r = await fetch('/api/sessions/' + selected + '/pdus', { cache: 'no-store' });
  const tb = $('pdus');
  tb.replaceChildren();
  if (!r.ok) return;
  const j = await r.json();
  for (const p of j.pdus.slice().reverse()) {
    const tr = document.createElement('tr');
    cell(tr, new Date(p.time_ms).toISOString().substring(11, 23));
    cell(tr, p.direction);
    cell(tr, p.command);
    cell(tr, p.status);
    cell(tr, p.sequence ? String(p.sequence) : '-');
    tb.appendChild(tr);
  }
}

async function refresh() {
  try {
    const r = await fetch('/api/state', { cache: 'no-store' });
    render(await r.json());
    $('status').textContent = 'live';
  } catch (e) {
    $('status').textContent = 'disconnected';
  }
  loadPdus();
}

for (const [form, path, out] of [['mo-form', '/api/mo', 'mo-result'],
                                 ['receipt-form', '/api/receipt', 'receipt-result']]) {
  $(form).addEventListener('submit', (e) => {
    e.preventDefault();
    post(path, new URLSearchParams(new FormData($(form))), $(out));
  });
}
refresh();
setInterval(refresh, 1000);
)js";

}  // namespace aiosmpp::smsc_sim
