// Drives the simulator's web console in headless Chromium over the DevTools protocol, with no
// package beyond node itself (its WebSocket client; node 20 needs --experimental-websocket):
//
//   node --experimental-websocket drive_console.mjs CHROMIUM URL TOKEN MO_TEXT SCREENSHOT
//
// Loads the page, waits for a bound receiver in the sessions table, reads the submit counter
// until it changes (a client is sending meanwhile), types the token and MO_TEXT into the page's
// MO form and submits it, waits for the form's answer, saves a screenshot, and prints one JSON
// line: {"before":N,"after":M,"rate":R,"mo_result":"ok: ..."}. Every wait is bounded; Chromium
// is started here and stopped by its process id whatever happens. Exit 0 when the steps ran (the
// calling test judges the numbers), 1 with a message otherwise.

import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const [chromiumPath, url, token, moText, screenshot] = process.argv.slice(2);
const profile = mkdtempSync(join(tmpdir(), 'aiosmpp-console-'));
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const chromium = spawn(chromiumPath, [
  '--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--no-default-browser-check',
  '--remote-debugging-port=0', '--remote-debugging-address=127.0.0.1',
  `--user-data-dir=${profile}`, '--window-size=1200,800', 'about:blank',
], { stdio: ['ignore', 'ignore', 'pipe'] });

function fail(message) {
  console.error(`drive_console: ${message}`);
  cleanup();
  process.exit(1);
}

function cleanup() {
  if (chromium.exitCode === null) chromium.kill('SIGKILL');
  try { rmSync(profile, { recursive: true, force: true }); } catch { /* best effort */ }
}

// The browser's DevTools endpoint, from its "DevTools listening on ws://..." line.
const endpoint = await new Promise((resolve, reject) => {
  let text = '';
  const timer = setTimeout(() => reject(new Error(`no DevTools line: ${text}`)), 20000);
  chromium.stderr.on('data', (chunk) => {
    text += chunk;
    const m = text.match(/DevTools listening on (ws:\/\/\S+)/);
    if (m) { clearTimeout(timer); resolve(m[1]); }
  });
  chromium.on('exit', (code) => reject(new Error(`chromium exited (${code}): ${text}`)));
}).catch((e) => fail(e.message));

const ws = new WebSocket(endpoint);
await new Promise((resolve, reject) => {
  ws.onopen = resolve;
  ws.onerror = () => reject(new Error('cannot connect to DevTools'));
}).catch((e) => fail(e.message));

let nextId = 1;
const pending = new Map();
ws.onmessage = (event) => {
  const msg = JSON.parse(event.data);
  if (msg.id && pending.has(msg.id)) {
    const { resolve, reject } = pending.get(msg.id);
    pending.delete(msg.id);
    if (msg.error) reject(new Error(JSON.stringify(msg.error)));
    else resolve(msg.result);
  }
};
function send(method, params = {}, sessionId = undefined) {
  const id = nextId++;
  ws.send(JSON.stringify({ id, method, params, sessionId }));
  return new Promise((resolve, reject) => {
    pending.set(id, { resolve, reject });
    setTimeout(() => reject(new Error(`${method}: no answer`)), 15000);
  });
}

try {
  const { targetId } = await send('Target.createTarget', { url });
  const { sessionId } = await send('Target.attachToTarget', { targetId, flatten: true });
  const evaluate = async (expression) => {
    const r = await send('Runtime.evaluate', { expression, returnByValue: true, awaitPromise: true },
                         sessionId);
    if (r.exceptionDetails) throw new Error(`${expression}: ${JSON.stringify(r.exceptionDetails)}`);
    return r.result.value;
  };
  // Polls `expression` until it is truthy, at most `ms`.
  const until = async (expression, ms, what) => {
    const deadline = Date.now() + ms;
    for (;;) {
      const v = await evaluate(expression).catch(() => undefined);
      if (v) return v;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await sleep(200);
    }
  };

  await until(`document.querySelector('#mo-session option') !== null`, 20000,
              'a bound receiver in the MO form');
  const counter = `Number(document.getElementById('stat-submits')?.textContent ?? 'NaN')`;
  const before = await until(`(() => { const n = ${counter}; return n > 0 ? n : 0; })()`, 20000,
                             'submits above 0');
  const after = await until(`(() => { const n = ${counter}; return n > ${before} ? n : 0; })()`,
                            20000, 'the submit counter to change');
  const rate = await until(
      `Number(document.getElementById('rate-submits').textContent) || 0`, 10000,
      'a submit rate above 0');

  // The form as a person fills it: token, text, submit button.
  await evaluate(`(() => {
    document.getElementById('token').value = ${JSON.stringify(token)};
    document.getElementById('mo-text').value = ${JSON.stringify(moText)};
    document.getElementById('mo-send').click();
    return true;
  })()`);
  const moResult = await until(
      `(() => { const t = document.getElementById('mo-result').textContent;
                return t && t !== 'sending...' ? t : ''; })()`,
      10000, 'the MO form\'s answer');

  const shot = await send('Page.captureScreenshot', { format: 'png' }, sessionId);
  writeFileSync(screenshot, Buffer.from(shot.data, 'base64'));
  console.log(JSON.stringify({ before, after, rate, mo_result: moResult }));
  await send('Browser.close').catch(() => {});
} catch (e) {
  fail(e.message);
}
ws.close();
cleanup();
process.exit(0);
