// End-to-end tests of the real app binary under Xvfb: WebDriver (tauri-driver +
// WebKitWebDriver) for the webview, xdotool for the native context menu and Save As dialog.
// Run by `cargo xtask test`, which sets DISPLAY, FAXCREDIT_APP and FAXCREDIT_CLI.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { chooseInMenu, ELEMENT, KEY, killApp, saveInDialog, startDriver, until, WebDriver, windowOrigin, xdo } from './webdriver.mjs';

const APP = process.env.FAXCREDIT_APP;
const CLI = process.env.FAXCREDIT_CLI;
assert.ok(APP && CLI && process.env.DISPLAY, 'run through `cargo xtask test` (needs FAXCREDIT_APP, FAXCREDIT_CLI, DISPLAY)');

const dir = mkdtempSync(join(tmpdir(), 'faxcredit-e2e-'));
const cli = (db, ...args) => execFileSync(CLI, ['--db', db, ...args], { encoding: 'utf8' });
const PASSWORD = 'demo-pass';

async function login(wd, name) {
  const user = await wd.waitFor('#login-name');
  await wd.type(user, name);
  await wd.type(await wd.find('#login-password'), PASSWORD);
  await wd.click(await wd.find('#login-submit'));
}

/** Centre of an element on the screen, for xdotool. */
async function screenPoint(wd, el) {
  const r = await wd.exec(
    "arguments[0].scrollIntoView({ block: 'center' }); const r = arguments[0].getBoundingClientRect(); return { x: r.x, y: r.y, width: r.width, height: r.height };",
    [{ [ELEMENT]: el }],
  );
  const o = windowOrigin();
  return { x: Math.round(o.x + r.x + Math.min(r.width / 2, 120)), y: Math.round(o.y + r.y + r.height / 2) };
}

describe('prepaid demo account', () => {
  const db = join(dir, 'demo.db');
  let driver;
  let wd;

  before(async () => {
    cli(db, 'demo', '--faxes', '4000');
    driver = await startDriver(4444);
    wd = new WebDriver(driver.base);
    await wd.start(APP, ['--demo', '--db', db]);
  });

  after(async () => {
    await wd?.quit();
    driver?.child.kill();
    killApp(db);
  });

  it('says which demo users exist, refuses a wrong password, and logs a manager in', async () => {
    const hint = await wd.waitFor('#demo-users');
    assert.match(await wd.text(hint), /alice.*manager/);
    await wd.type(await wd.find('#login-name'), 'alice');
    await wd.type(await wd.find('#login-password'), 'not-the-password');
    await wd.click(await wd.find('#login-submit'));
    const err = await wd.waitFor('#login-error');
    assert.match(await wd.text(err), /Wrong user name or password/);
    await wd.exec("document.querySelector('#login-name').value = ''; document.querySelector('#login-name').dispatchEvent(new Event('input'))");
    await login(wd, 'alice');
    await wd.waitFor('#cards-table tbody tr[data-card]');
  });

  it('shows every card with the figures of the ledger, newest first', async () => {
    const cards = JSON.parse(cli(db, 'cards', '--json'));
    const ids = await wd.exec("return [...document.querySelectorAll('#cards-table tbody tr[data-card]')].map(r => Number(r.dataset.card))");
    assert.deepEqual(ids, cards.map((c) => c.id));
    const active = cards.find((c) => c.status === 'active');
    const row = await wd.text(await wd.find(`tr[data-card="${active.id}"]`));
    const dollars = (s) => Number(s).toFixed(2);
    assert.ok(row.includes(dollars(active.balance)), `${row} shows balance ${active.balance}`);
    assert.ok(row.includes(`${active.percent_used}%`), `${row} shows ${active.percent_used}%`);
    const remaining = cards.filter((c) => !c.close_date).reduce((s, c) => s + Math.round(Number(c.balance) * 10000), 0) / 10000;
    assert.ok((await wd.text(await wd.find('#summary-remaining'))).includes(remaining.toFixed(2)));
  });

  it('opens View Activity from the keyboard and scrolls a card newest submitted first', async () => {
    const cards = JSON.parse(cli(db, 'cards', '--json'));
    const big = cards.filter((c) => c.status === 'depleted')[0];
    const lines = cli(db, 'activity', String(big.id), '--json').trim().split('\n').map((l) => JSON.parse(l));
    const times = lines.map((l) => l.submit_time).sort();
    const row = await wd.find(`tr[data-card="${big.id}"]`);
    await wd.exec('arguments[0].focus()', [{ [ELEMENT]: row }]);
    await wd.type(row, KEY.ENTER);
    const total = await wd.waitFor('#total-lines', { text: (t) => t.replace(/\D/g, '') === String(lines.length) });
    assert.ok(total);
    await wd.waitFor('#activity-scroller [data-line]');
    const first = await wd.exec("return document.querySelector('#activity-scroller [data-time]').dataset.time");
    assert.equal(first, times.at(-1), 'the newest submitted fax first');
    // Scroll to the end: the fax submitted first comes into view, last.
    await wd.exec("const s = document.querySelector('#activity-scroller'); s.scrollTop = s.scrollHeight;");
    await wd.waitFor(`#activity-scroller [aria-rowindex="${lines.length}"][data-time]`);
    const last = await wd.exec(`return document.querySelector('#activity-scroller [aria-rowindex="${lines.length}"]').dataset.time`);
    assert.equal(last, times[0]);
    await wd.click(await wd.find('#back-to-cards'));
    await wd.waitFor('#cards-table');
  });

  it('exports through the native context menu and the Save As dialog, byte for byte the core export', async () => {
    const cards = JSON.parse(cli(db, 'cards', '--json'));
    const card = cards.filter((c) => c.status === 'depleted')[1];
    const target = join(dir, `saved-${card.id}`);
    const row = await wd.find(`tr[data-card="${card.id}"]`);
    const p = await screenPoint(wd, row);
    xdo('mousemove', String(p.x), String(p.y), 'click', '3');
    // The native menu: View Activity, Export Activity…
    await chooseInMenu('Down', 'Down', 'Return');
    // The native GTK Save As dialog, titled by the app.
    await saveInDialog('Export Activity', `${target}.csv`);
    await until(() => existsSync(`${target}.csv`), 'the export file');
    const banner = await wd.waitFor('#export-result', { text: (t) => t.includes('Exported') });
    assert.match(await wd.text(banner), new RegExp(`card ${card.id}`));
    const core = join(dir, 'core.csv');
    cli(db, 'export', String(card.id), '--out', core);
    assert.deepEqual(readFileSync(`${target}.csv`), readFileSync(core));
  });

  it('pops the same menu from the three-dots button and opens View Activity', async () => {
    const cards = JSON.parse(cli(db, 'cards', '--json'));
    const card = cards.find((c) => c.status === 'active');
    const dots = await wd.find(`tr[data-card="${card.id}"] .dots`);
    const p = await screenPoint(wd, dots);
    xdo('mousemove', String(p.x), String(p.y), 'click', '1');
    await chooseInMenu('Down', 'Return');
    await wd.waitFor('#total-lines');
    await wd.click(await wd.find('#back-to-cards'));
  });

  it('opens the row menu from the keyboard: Shift+F10 and the Menu key', async () => {
    const cards = JSON.parse(cli(db, 'cards', '--json'));
    for (const [key, card] of [['shift+F10', cards[2]], ['Menu', cards[3]]]) {
      const lines = cli(db, 'activity', String(card.id), '--json').trim().split('\n').filter((l) => l !== '').length;
      assert.ok(lines > 0, `card ${card.id} has activity`);
      const row = await wd.waitFor(`tr[data-card="${card.id}"]`);
      await wd.exec("arguments[0].scrollIntoView({ block: 'center' }); arguments[0].focus();", [{ [ELEMENT]: row }]);
      xdo('key', key);
      await chooseInMenu('Down', 'Return');
      // View Activity of this very card: its line count, and its number in the title.
      await wd.waitFor('#total-lines', { text: (t) => t.replace(/\D/g, '') === String(lines) });
      const title = await wd.text(await wd.find('h1'));
      assert.match(title, new RegExp(`card ${card.id}`), key);
      await wd.click(await wd.find('#back-to-cards'));
      await wd.waitFor('#cards-table');
    }
  });

  it('lets a user log in but not open Outbound Fax Credit', async () => {
    await wd.click(await wd.waitFor('#logout'));
    await login(wd, 'carmen');
    const notice = await wd.waitFor('#not-manager');
    assert.match(await wd.text(notice), /account managers/);
    assert.equal((await wd.findAll('#cards-table')).length, 0);
  });
});

// Large enough that its export (about 8 µs a line in a debug build) is still running when the
// test has read its progress and pressed Cancel.
const BIG = 400_000;

describe(`a card of ${BIG.toLocaleString('en-US')} lines`, () => {
  const db = join(dir, 'big.db');
  let driver;
  let wd;

  before(async () => {
    cli(db, 'demo', '--faxes', String(BIG), '--single-card');
    driver = await startDriver(4464);
    wd = new WebDriver(driver.base);
    await wd.start(APP, ['--db', db]);
    await login(wd, 'alice');
    await wd.waitFor('#cards-table tbody tr[data-card]');
  });

  after(async () => {
    await wd?.quit();
    driver?.child.kill();
    killApp(db);
  });

  it('scrolls to any depth and shows the right lines, in submit-time order', async () => {
    const row = await wd.find('tr[data-card="1001"]');
    await wd.exec('arguments[0].focus()', [{ [ELEMENT]: row }]);
    await wd.type(row, KEY.ENTER);
    await wd.waitFor('#total-lines', { text: (t) => t.replace(/\D/g, '') === String(BIG) });
    await wd.waitFor('#activity-scroller [data-line]');
    // Jump to the middle: one page read there (by skipping on the time index), in time order.
    await wd.exec("const s = document.querySelector('#activity-scroller'); s.scrollTop = (s.scrollHeight - s.clientHeight) / 2;");
    const rows = "return [...document.querySelectorAll('#activity-scroller [data-time]')].map(r => [Number(r.getAttribute('aria-rowindex')), r.dataset.time])";
    let shown = [];
    for (let i = 0; i < 100; i++) {
      shown = await wd.exec(rows);
      if (shown.length > 0 && shown[0][0] > BIG * 0.45) break;
      await sleep(50);
    }
    assert.ok(Math.abs(shown[0][0] - BIG / 2) < 200, `middle of the card, got row ${shown[0]?.[0]}`);
    const times = shown.map((r) => r[1]);
    assert.deepEqual(times, [...times].sort().reverse(), 'newest first');
    // The same rows as the core's time order at that position.
    const out = execFileSync(CLI, ['--db', db, 'activity', '1001', '--json'], { encoding: 'utf8', maxBuffer: 1 << 30 });
    const lines = out.trim().split('\n').map((l) => JSON.parse(l));
    lines.sort((a, b) => (a.submit_time === b.submit_time ? b.line_no - a.line_no : a.submit_time < b.submit_time ? 1 : -1));
    assert.deepEqual(times, shown.map((r) => lines[r[0] - 1].submit_time));
    await wd.click(await wd.find('#back-to-cards'));
    await wd.waitFor('#cards-table');
  });

  it('shows export progress and cancels without leaving a file', async () => {
    const target = join(dir, 'cancelled');
    const row = await wd.find('tr[data-card="1001"]');
    const p = await screenPoint(wd, row);
    xdo('mousemove', String(p.x), String(p.y), 'click', '3');
    await chooseInMenu('Down', 'Down', 'Return');
    await saveInDialog('Export Activity', `${target}.csv`);
    // Progress part-way: some lines of all of them, the bar at the same point (read together).
    const read = async () => {
      const d = await wd.exec(
        "const d = document.querySelector('#export-progress'); return d ? { text: d.querySelector('p').textContent, bar: d.querySelector('progress').value } : null",
      );
      const m = d && /^\s*([\d,.\s]+) of ([\d,.\s]+) lines/.exec(d.text);
      return m ? { done: Number(m[1].replace(/\D/g, '')), total: Number(m[2].replace(/\D/g, '')), bar: d.bar } : null;
    };
    let seen = null;
    for (const end = Date.now() + 60000; Date.now() < end; await sleep(50)) {
      seen = await read();
      if (seen && seen.done > 0) break;
    }
    assert.ok(seen, 'the export shows its progress');
    const { done, total, bar } = seen;
    assert.equal(total, BIG, "the total is the card's lines");
    assert.ok(done > 0 && done < total, `${done} of ${total}`);
    assert.equal(bar, Math.floor((done * 100) / total), `the bar at ${bar}% for ${done} of ${total}`);
    await wd.click(await wd.find('#export-cancel'));
    const banner = await wd.waitFor('#export-result', { text: (t) => t.length > 0 });
    assert.match(await wd.text(banner), /cancelled/i, 'cancelled before the export ended');
    assert.equal(existsSync(`${target}.csv`), false);
    const leftovers = readdirSync(dir).filter((f) => f.startsWith('.faxcredit-export-'));
    assert.deepEqual(leftovers, []);
  });
});

describe('credit account', () => {
  const db = join(dir, 'credit.db');
  let driver;
  let wd;

  before(async () => {
    cli(db, 'demo', '--faxes', '1500', '--kind', 'credit');
    driver = await startDriver(4454);
    wd = new WebDriver(driver.base);
    await wd.start(APP, ['--db', db]);
  });

  after(async () => {
    await wd?.quit();
    driver?.child.kill();
    killApp(db);
    rmSync(dir, { recursive: true, force: true });
  });

  it('shows its monthly cards and no purchase controls', async () => {
    await login(wd, 'alice');
    await wd.waitFor('#cards-table tbody tr[data-card]');
    const text = await wd.text(await wd.find('#cards-table'));
    assert.match(text, /Monthly credit/);
    const buttons = await wd.exec("return [...document.querySelectorAll('button')].map(b => b.textContent.trim())");
    assert.ok(!buttons.some((b) => /purchase|repeat order/i.test(b)), buttons.join(', '));
  });
});
