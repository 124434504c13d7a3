// A small W3C WebDriver client over fetch (Node 18+), enough to drive the real app through
// tauri-driver and WebKitWebDriver; xdotool drives what WebDriver cannot reach (native menus
// and dialogs).
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { closeSync, openSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const ELEMENT = 'element-6066-11e4-a52e-4f735466cecf';

export class WebDriver {
  constructor(base) {
    this.base = base;
    this.sid = null;
  }

  async req(method, path, body) {
    const r = await fetch(this.base + path, {
      method,
      headers: { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const j = await r.json().catch(() => ({}));
    if (!r.ok || (j.value && j.value.error)) {
      throw new Error(`${method} ${path}: ${r.status} ${JSON.stringify(j.value ?? j)}`);
    }
    return j.value;
  }

  s(path) {
    return `/session/${this.sid}${path}`;
  }

  async start(application, args) {
    // No browserName: tauri-driver starts the app itself.
    const v = await this.req('POST', '/session', {
      capabilities: { alwaysMatch: { 'tauri:options': { application, args } } },
    });
    this.sid = v.sessionId;
  }

  async quit() {
    if (this.sid) await this.req('DELETE', `/session/${this.sid}`).catch(() => {});
    this.sid = null;
  }

  async find(css) {
    const v = await this.req('POST', this.s('/element'), { using: 'css selector', value: css });
    return v[ELEMENT];
  }

  async findAll(css) {
    const v = await this.req('POST', this.s('/elements'), { using: 'css selector', value: css });
    return v.map((e) => e[ELEMENT]);
  }

  /** Waits until `css` matches (and, if given, `pred(text)` holds). */
  async waitFor(css, { timeout = 20000, text } = {}) {
    const end = Date.now() + timeout;
    let last = null;
    while (Date.now() < end) {
      try {
        const el = await this.find(css);
        if (!text) return el;
        last = await this.text(el);
        if (text(last)) return el;
      } catch (e) {
        last = e.message;
      }
      await sleep(150);
    }
    throw new Error(`timed out waiting for ${css} (last: ${last})`);
  }

  click(el) {
    return this.req('POST', this.s(`/element/${el}/click`), {});
  }

  type(el, text) {
    return this.req('POST', this.s(`/element/${el}/value`), { text });
  }

  text(el) {
    return this.req('GET', this.s(`/element/${el}/text`));
  }

  rect(el) {
    return this.req('GET', this.s(`/element/${el}/rect`));
  }

  exec(script, args = []) {
    return this.req('POST', this.s('/execute/sync'), { script, args });
  }
}

export const KEY = { ENTER: '\uE007', TAB: '\uE004', SHIFT: '\uE008', F10: '\uE03A' };

/** A TCP port nobody listens on now, so that several e2e runs on one machine never meet. */
async function freePort() {
  const { createServer } = await import('node:net');
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/**
 * Starts tauri-driver on a free port pair and waits for it to answer (the first argument is
 * unused); `env` is added to the app's environment.
 */
export async function startDriver(_hint, env = {}) {
  const port = await freePort();
  let native = await freePort();
  while (native === port) native = await freePort();
  // The driver's (and the app's) output goes to a log file, not to the test runner: an app that
  // outlives its driver must not hold the runner's pipes open, or the runner never exits.
  const log = openSync(join(tmpdir(), `faxcredit-tauri-driver-${port}.log`), 'a');
  const child = spawn('tauri-driver', ['--port', String(port), '--native-port', String(native)], {
    stdio: ['ignore', log, log],
    env: { ...process.env, ...env },
  });
  closeSync(log);
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 100; i++) {
    try {
      const r = await fetch(`${base}/status`);
      if (r.ok) return { child, base };
    } catch {
      /* not up yet */
    }
    await sleep(100);
  }
  child.kill();
  throw new Error('tauri-driver did not start');
}

export function xdo(...args) {
  return execFileSync('xdotool', args, { encoding: 'utf8' }).trim();
}

/** The app window's top-left corner on the screen. */
export function windowOrigin(title = 'Fax Credit') {
  const id = xdo('search', '--onlyvisible', '--name', title).split('\n')[0];
  const geo = xdo('getwindowgeometry', id);
  const m = /Position: (\d+),(\d+)/.exec(geo);
  return { id, x: Number(m[1]), y: Number(m[2]) };
}

/** The ids of the visible windows whose title matches the regular expression `name`. */
function visibleWindows(name) {
  const r = spawnSync('xdotool', ['search', '--onlyvisible', '--name', name], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim().split('\n').filter((l) => l !== '') : [];
}

/** Waits for a visible window with this title (a native dialog) and gives it the keyboard. */
export async function waitForWindow(title, timeoutMs = 20000) {
  const id = await until(() => visibleWindows(title)[0], `the native window "${title}" to open`, timeoutMs);
  execFileSync('xdotool', ['windowfocus', '--sync', id], { timeout: 5000 });
  return id;
}

/**
 * Types `path` into the native Save As dialog titled `title`, confirms it and waits for the
 * dialog to close. If it is still open a few seconds later (keys typed before the name field took
 * them, or GTK's name completion taking the first Return), the name is typed again, as a person
 * would; a dialog that never closes fails the test.
 */
export async function saveInDialog(title, path) {
  await waitForWindow(title);
  for (let attempt = 1; ; attempt++) {
    await sleep(500);
    xdo('key', 'ctrl+a');
    xdo('type', '--delay', '15', path);
    xdo('key', 'Return');
    try {
      await until(() => visibleWindows(title).length === 0, `the "${title}" dialog to close`, 5000);
      return;
    } catch (e) {
      if (attempt === 3) throw e;
    }
    await waitForWindow(title);
  }
}

// GTK maps an open popup menu (and a tooltip) as a window titled with the program's name (the
// main window is titled "Fax Credit") and marks the menu's type; it takes the keyboard on mapping.
function menuOpen() {
  return visibleWindows('^fax-credit$').some((id) =>
    /_NET_WM_WINDOW_TYPE_POPUP_MENU/.test(spawnSync('xprop', ['-id', id, '_NET_WM_WINDOW_TYPE'], { encoding: 'utf8' }).stdout ?? ''),
  );
}

/**
 * Waits for the native popup menu the test just asked for, presses `keys` in it (Down, Return…)
 * and waits for it to close. A fixed sleep instead loses the keys to the page when a loaded
 * machine takes longer than the sleep to map the menu.
 */
export async function chooseInMenu(...keys) {
  await until(menuOpen, 'the native menu to open', 10000);
  await sleep(150);
  xdo('key', ...keys);
  await until(() => !menuOpen(), 'the native menu to close', 10000);
}

/** Polls `f` until it returns something truthy; that value is returned. */
export async function until(f, what, timeout = 20000) {
  const end = Date.now() + timeout;
  while (Date.now() < end) {
    const v = await f();
    if (v) return v;
    await sleep(250);
  }
  throw new Error(`timed out: ${what}`);
}

/**
 * Reloads the page and waits until a new one shows `selector`. The reload is scheduled after the
 * script returns (a reload inside it ends the call with "no such frame"), and while the old page
 * unloads WebKitWebDriver answers polls with a frame error: those mean "not yet".
 */
export async function reloadPage(wd, selector) {
  await wd.exec('window.__reloading = true; setTimeout(() => location.reload(), 0)');
  const check = `return window.__reloading !== true && document.readyState === 'complete' && !!document.querySelector(${JSON.stringify(selector)})`;
  await until(async () => {
    try {
      return await wd.exec(check);
    } catch (e) {
      if (/no such frame|unload|no such window|stale/i.test(String(e.message))) return false;
      throw e;
    }
  }, 'the page to reload');
}

/** Logs `name` in with the demo password and waits for the card table. */
export async function loginAs(wd, name, password = 'demo-pass') {
  await wd.type(await wd.waitFor('#login-name'), name);
  await wd.type(await wd.find('#login-password'), password);
  await wd.click(await wd.find('#login-submit'));
  await wd.waitFor('#cards-table');
}

/**
 * A demo database with `faxes` faxes, the app on it under a fresh tauri-driver, `alice` logged
 * in, and a loopback SMTP server. `close()` ends them all and removes the folder.
 */
export async function demoSession({ app, cli, dir, db, faxes, port, startSmtp }) {
  execFileSync(cli, ['--db', db, 'demo', '--faxes', String(faxes)]);
  const smtp = await startSmtp();
  const driver = await startDriver(port);
  const wd = new WebDriver(driver.base);
  await wd.start(app, ['--db', db]);
  // The X focus may still be where an earlier test left it (a closed window, a native dialog):
  // give it to this app's window, so the page's own focus moves (dialogs, errors) take effect.
  await waitForWindow('Fax Credit');
  await loginAs(wd, 'alice');
  return {
    wd,
    smtp,
    close: async () => {
      await wd.quit();
      driver.child.kill();
      killApp(db);
      await smtp.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Ends an app left running on `db` (a driver that died before closing its session). */
export function killApp(db) {
  try {
    execFileSync('pkill', ['-f', '--', `--db ${db}`], { stdio: 'ignore' });
  } catch {
    /* none left: the usual case */
  }
}

/** Clears a field the way a person would (an input event) and types `value` into it. */
export async function setValue(wd, css, value) {
  const el = await wd.find(css);
  await wd.exec('arguments[0].value = ""; arguments[0].dispatchEvent(new Event("input", { bubbles: true }))', [{ [ELEMENT]: el }]);
  await wd.type(el, value);
}

/** Stores a payment card in Settings → Payment method; the page's result, once it names the keyring. */
export async function storeCard(wd, number) {
  await wd.click(await wd.find('#nav-payment'));
  // The page has loaded when it shows either the card on file or the empty form.
  await wd.waitFor('#card-on-file, #card-form');
  if ((await wd.findAll('#card-form')).length === 0) await wd.click(await wd.find('#card-replace'));
  await wd.type(await wd.waitFor('#card-number'), number);
  await wd.type(await wd.find('#card-expiry'), '1230');
  await wd.type(await wd.find('#card-cvv'), '123');
  await wd.type(await wd.find('#card-holder'), 'Alice Martin');
  await wd.click(await wd.find('#card-save'));
  return wd.text(await wd.waitFor('#payment-result', { text: (t) => /keyring/.test(t) }));
}
