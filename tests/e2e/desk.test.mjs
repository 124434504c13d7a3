// The desk a demanding account manager uses (issue 19), in the real app: keyboard paths (one
// Tab stop per card row, focus trapped in dialogs, Escape, focus given back), errors beside
// their fields, numbers in the session's locale, Activity in submit-time order with the export
// of what the filters show, a credit account's alert state, and a user's own page. Real keys
// come from xdotool (no xdotool clicks: after one, Xvfb without a window manager stops giving
// the webview the keyboard).
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { ELEMENT, killApp, loginAs, reloadPage, saveInDialog, startDriver, until, WebDriver, xdo } from './webdriver.mjs';

const APP = process.env.FAXCREDIT_APP;
const CLI = process.env.FAXCREDIT_CLI;
assert.ok(APP && CLI && process.env.DISPLAY, 'run through `cargo xtask e2e` (needs FAXCREDIT_APP, FAXCREDIT_CLI, DISPLAY)');

const dir = mkdtempSync(join(tmpdir(), 'faxcredit-e2e-desk-'));
const run = (db, ...args) => spawnSync(CLI, ['--db', db, ...args], { encoding: 'utf8', maxBuffer: 1 << 28 });
const cli = (db, ...args) => {
  const o = run(db, ...args);
  assert.equal(o.status, 0, `${args.join(' ')}: ${o.stderr}`);
  return o.stdout;
};
const el = (id) => ({ [ELEMENT]: id });
const active = (wd) => wd.exec("const a = document.activeElement; return a ? (a.id || a.dataset.card || a.dataset.day || a.getAttribute('value') || a.tagName) : null");
/** A real key press, as a person makes it. */
const press = async (...keys) => {
  for (const k of keys) {
    xdo('key', k);
    await sleep(150);
  }
};

/** A demo ledger, the app on it under its own tauri-driver (with `env` added), not logged in. */
async function open(name, port, { faxes = 3000, kind = 'prepaid', env = {}, setup = () => {} } = {}) {
  const db = join(dir, `${name}.db`);
  cli(db, 'demo', '--faxes', String(faxes), '--kind', kind);
  setup(db);
  const driver = await startDriver(port, env);
  const wd = new WebDriver(driver.base);
  await wd.start(APP, ['--db', db]);
  await wd.waitFor('#login-name');
  return {
    db,
    wd,
    close: async () => {
      await wd.quit();
      driver.child.kill();
      killApp(db);
    },
  };
}

after(() => rmSync(dir, { recursive: true, force: true }));

describe('keyboard paths', () => {
  let s;
  before(async () => {
    s = await open('keys', 4604);
    await loginAs(s.wd, 'alice');
  });
  after(async () => s?.close());

  it('gives each card row one Tab stop; Enter opens Activity, Escape comes back to that row', async () => {
    const { wd } = s;
    const ids = await wd.exec("return [...document.querySelectorAll('#cards-table tr[data-card]')].map(r => r.dataset.card)");
    await wd.exec('arguments[0].focus()', [el(await wd.find(`tr[data-card="${ids[0]}"]`))]);
    await press('Tab');
    assert.equal(await active(wd), ids[1], 'the next row, not the ⋯ button of the first');
    await press('Tab');
    assert.equal(await active(wd), ids[2]);
    await press('Up', 'Return');
    await wd.waitFor('h1', { text: (t) => t === `Activity of card ${ids[1]}` });
    assert.equal(await active(wd), 'back-to-cards', 'focus moves into Activity');
    await press('Escape');
    await wd.waitFor('#cards-table');
    await until(async () => (await active(wd)) === ids[1], `focus back on card ${ids[1]}`);
  });

  it('keeps Tab inside Purchase, starts on the chosen package, and Escape gives focus back to Purchase', async () => {
    const { wd } = s;
    await wd.exec("document.querySelector('#purchase-open').focus()");
    await press('Return');
    await wd.waitFor('#purchase-dialog [data-package]');
    await until(async () => (await wd.exec("return document.activeElement.matches('#purchase-dialog input[type=radio]:checked')")), 'the chosen package has the focus');
    for (let i = 0; i < 7; i++) {
      await press('Tab');
      assert.ok(await wd.exec("return !!document.activeElement.closest('#purchase-dialog')"), `Tab ${i + 1} stays in the dialog`);
    }
    for (let i = 0; i < 3; i++) {
      await press('shift+Tab');
      assert.ok(await wd.exec("return !!document.activeElement.closest('#purchase-dialog')"), `Shift+Tab ${i + 1} stays in the dialog`);
    }
    // The page behind cannot be reached, not even by the mouse.
    assert.equal(await wd.exec("return document.querySelector('nav').closest('[inert]') !== null"), true);
    await press('Escape');
    await until(async () => (await wd.findAll('#purchase-dialog')).length === 0, 'the dialog to close');
    assert.equal(await active(wd), 'purchase-open');
    assert.equal(await wd.exec("return document.querySelector('nav').closest('[inert]') === null"), true, 'the page is back');
  });

  it('opens Repeat Order on the package it buys, not on None, and gives focus back on close', async () => {
    const { wd, db } = s;
    cli(db, 'repeat-order', 'set', 'Business');
    const business = JSON.parse(cli(db, 'packages', '--json')).find((p) => p.name === 'Business').id;
    // The page follows the ledger; open the dialog once it shows the new repeat order.
    await wd.click(await wd.find('#nav-refused'));
    await wd.click(await wd.waitFor('#nav-cards'));
    await wd.waitFor('#repeat-status', { text: (t) => /Business/.test(t) });
    await wd.exec("document.querySelector('#repeat-open').focus()");
    await press('Return');
    await wd.waitFor('#repeat-dialog');
    await until(async () => (await active(wd)) === String(business), 'the Business package has the focus');
    await press('Escape');
    await until(async () => (await active(wd)) === 'repeat-open', 'focus back on Repeat Order');
  });
});

describe('errors beside their fields', () => {
  let s;
  before(async () => {
    s = await open('fields', 4614);
  });
  after(async () => s?.close());

  it('counts a login lockout down live and keeps Log in disabled until it ends', async () => {
    const { wd } = s;
    await wd.type(await wd.find('#login-name'), 'bruno');
    for (let i = 0; i < 8 && (await wd.findAll('#login-countdown')).length === 0; i++) {
      await wd.type(await wd.find('#login-password'), 'wrong-password');
      await wd.click(await wd.find('#login-submit'));
      await wd.waitFor('#login-error');
      await until(async () => !(await wd.exec("return document.querySelector('#login-submit').textContent.includes('Checking')")), 'the answer');
    }
    const first = await wd.text(await wd.waitFor('#login-countdown'));
    assert.match(await wd.text(await wd.find('#login-error')), /^Too many failed logins/);
    assert.equal(await wd.exec("return document.querySelector('#login-submit').disabled"), true);
    await sleep(2200);
    const later = await wd.text(await wd.find('#login-countdown'));
    assert.notEqual(later, first, `the countdown moves (${first} then ${later})`);
    assert.equal(await wd.exec("return document.querySelector('#login-submit').disabled"), true);
    // Another manager is not locked.
    await wd.exec("const n = document.querySelector('#login-name'); n.value = ''; n.dispatchEvent(new Event('input', { bubbles: true }))");
    await wd.exec("const n = document.querySelector('#login-password'); n.value = ''; n.dispatchEvent(new Event('input', { bubbles: true }))");
  });

  it('shows card mistakes beside each field, in the form’s words, and keeps what was typed', async () => {
    const { wd } = s;
    // A fresh app: the lockout above is per user name and bruno is locked; alice is not.
    await reloadPage(wd, '#login-name');
    await loginAs(wd, 'alice');
    await wd.click(await wd.find('#nav-payment'));
    await wd.type(await wd.waitFor('#card-number'), '4242 4242 4242 4241');
    await wd.type(await wd.find('#card-expiry'), '1320');
    await wd.type(await wd.find('#card-cvv'), '12');
    await wd.click(await wd.find('#card-save'));
    assert.match(await wd.text(await wd.waitFor('#card-number-error')), /typo/);
    assert.match(await wd.text(await wd.find('#card-expiry-error')), /MM\/YY/);
    assert.match(await wd.text(await wd.find('#card-cvv-error')), /Visa security code has 3 digits/);
    assert.match(await wd.text(await wd.find('#card-holder-error')), /name as printed/);
    assert.equal(await active(wd), 'card-number', 'the first mistake has the focus');
    assert.equal(await wd.exec("return document.querySelector('#card-number').value"), '4242 4242 4242 4241');
    assert.equal(await wd.exec("return document.querySelector('#card-cvv').value"), '12', 'the security code is kept too');
    assert.equal(await wd.exec("return document.querySelector('#card-number').getAttribute('aria-invalid')"), 'true');
    assert.equal((await wd.findAll('#payment-error')).length, 0, 'no banner of backend text');
    // What only the backend refuses (a control character in the name) lands beside its field too.
    await wd.exec("for (const [id, v] of [['#card-number', '4242 4242 4242 4242'], ['#card-expiry', '12/30'], ['#card-cvv', '123'], ['#card-holder', 'Alice\\u0007Martin']]) { const e = document.querySelector(id); e.value = v; e.dispatchEvent(new Event('input', { bubbles: true })); }");
    await wd.click(await wd.find('#card-save'));
    assert.match(await wd.text(await wd.waitFor('#card-holder-error')), /name as printed on the card/);
    assert.equal((await wd.findAll('#card-number-error')).length, 0);
  });

  it('puts email mistakes beside their fields, and tells a server that cannot be found from one that refuses', async () => {
    const { wd } = s;
    await wd.click(await wd.find('#nav-email'));
    await wd.waitFor('#email-form');
    await wd.type(await wd.find('#smtp-host'), 'no-such-host.invalid');
    await wd.type(await wd.find('#smtp-from'), 'a@b');
    await wd.click(await wd.find('#email-save'));
    assert.match(await wd.text(await wd.waitFor('#smtp-from-error')), /Enter the sender address as name@example\.com/);
    assert.equal(await active(wd), 'smtp-from');
    assert.equal(await wd.exec("return document.querySelector('#smtp-host').value"), 'no-such-host.invalid', 'what was typed stays');
    await wd.exec("const f = document.querySelector('#smtp-from'); f.value = 'fax@acme.example'; f.dispatchEvent(new Event('input', { bubbles: true }))");
    // Nothing saved: the test uses what is on screen, and says so.
    assert.match(await wd.text(await wd.find('#email-test-note')), /on screen/);
    await wd.click(await wd.find('#email-test'));
    assert.match(await wd.text(await wd.waitFor('#smtp-host-error')), /No server named “no-such-host\.invalid” was found/);
    assert.equal(JSON.parse(cli(s.db, 'email', 'show', '--json')).settings, null, 'a test saves nothing');
  });

  it('says a monthly cap below the package price can never buy, beside the cap', async () => {
    const { wd } = s;
    await wd.click(await wd.find('#nav-cards'));
    await wd.click(await wd.waitFor('#repeat-open'));
    await wd.waitFor('#repeat-dialog');
    const standard = JSON.parse(cli(s.db, 'packages', '--json')).find((p) => p.name === 'Standard').id;
    await wd.exec(`document.querySelector('input[name=repeat-package][value="${standard}"]').click()`);
    await wd.type(await wd.find('#repeat-cap'), '10');
    assert.match(await wd.text(await wd.waitFor('#repeat-cap-error')), /No purchase could ever fit: a Standard card costs \$50\.00/);
    await wd.click(await wd.find('#repeat-save'));
    assert.equal((await wd.findAll('#repeat-dialog')).length, 1, 'not saved');
    assert.match(cli(s.db, 'repeat-order', 'show'), /none|no repeat order/i);
    await wd.exec("const c = document.querySelector('#repeat-cap'); c.value = 'abc'; c.dispatchEvent(new Event('input', { bubbles: true }))");
    assert.match(await wd.text(await wd.waitFor('#repeat-cap-error')), /amount more than zero/);
    await press('Escape');
  });
});

describe('numbers in the session’s locale', () => {
  // A card of 12,345.67 makes an amount with groups; 20,000 faxes a month's count with them.
  const expected = {
    'C.UTF-8': { card: '$12,345.67', sep: ',', date: /^[A-Z][a-z]{2} \d{1,2}, \d{4}$/ },
    'en_US.UTF-8': { card: '$12,345.67', sep: ',', date: /^[A-Z][a-z]{2} \d{1,2}, \d{4}$/ },
    'de_DE.UTF-8': { card: '12.345,67\u00a0$', sep: '.', date: /^\d{2}\.\d{2}\.\d{4}$/ },
    'fr_FR.UTF-8': { card: /^12[\u202f\u00a0 ]345,67[\u00a0 ]\$US$/, sep: /[\u202f\u00a0 ]/, date: /^\d{1,2} [a-zéû]+\.? \d{4}$/ },
  };
  let port = 4624;
  for (const [lang, want] of Object.entries(expected)) {
    it(`writes amounts, counts and dates the ${lang} way`, async () => {
      const s = await open(`locale-${lang.slice(0, 2)}`, port, {
        faxes: 20000,
        env: { LANG: lang, LC_ALL: '', LC_MONETARY: '' },
        setup: (db) => cli(db, 'card', 'apply', '12345.67'),
      });
      port += 10;
      try {
        await loginAs(s.wd, 'alice');
        const cards = JSON.parse(cli(s.db, 'cards', '--json'));
        const applied = cards.find((c) => c.face_value === '12345.6700');
        const row = await s.wd.find(`tr[data-card="${applied.id}"]`);
        const cells = await s.wd.exec("return [...arguments[0].cells].map(c => c.textContent.trim())", [el(row)]);
        if (want.card instanceof RegExp) assert.match(cells[4], want.card);
        else assert.equal(cells[4], want.card);
        assert.match(cells[1], want.date, `issue date ${cells[1]}`);
        const faxes = (await s.wd.text(await s.wd.find('#summary-faxes'))).split(' ')[0];
        assert.ok(faxes.length > 4, `a count in the thousands: ${faxes}`);
        if (want.sep instanceof RegExp) assert.match(faxes, new RegExp(`^\\d{1,3}${want.sep.source}\\d{3}$`));
        else assert.equal(faxes.replace(/\d/g, ''), want.sep, `grouped count ${faxes}`);
      } finally {
        await s.close();
      }
    });
  }
});

describe('activity in submit-time order and the export of what the filters show', () => {
  let s;
  let card;
  const shims = join(dir, 'shims');
  const opened = join(dir, 'opened.log');
  before(async () => {
    // The OS's openers, as shims that write down what they were asked: "Open file" and "Show in
    // folder" start them as programs of their own.
    mkdirSync(shims, { recursive: true });
    for (const name of ['xdg-open', 'gdbus', 'gio']) {
      const f = join(shims, name);
      writeFileSync(f, `#!/bin/sh\necho "${name} $*" >> "${opened}"\n`);
      chmodSync(f, 0o755);
    }
    s = await open('activity', 4664, {
      env: { PATH: `${shims}:${process.env.PATH}` },
      setup: (db) => {
        // A busy gateway: faxes billed in another order than they were submitted.
        const at = (minutes) => new Date(Date.now() - minutes * 60_000).toISOString().replace(/\.\d+Z$/, 'Z');
        [12, 3, 25, 7, 18, 1].forEach((m, i) => {
          const fax = { id: `late-${i}`, userId: 'dmitri', destinationFax: '+12125550199', submitTime: at(m), pagesSent: 1 };
          cli(db, 'bill', '--json', JSON.stringify(fax));
        });
        // Two failures: one whose code InterFAX explains (263, busy), one it does not.
        [263, 3931].forEach((status, i) => {
          const fax = { id: `status-${status}`, userId: 'erin', destinationFax: '+12125550123', submitTime: at(40 + i), pagesSubmitted: 2, pagesSent: 0, duration: 30, status, subject: 'status-check' };
          cli(db, 'bill', '--json', JSON.stringify(fax));
        });
      },
    });
    await loginAs(s.wd, 'alice');
    card = JSON.parse(cli(s.db, 'cards', '--json')).find((c) => c.status === 'active');
  });
  after(async () => s?.close());

  it('lists the newest submitted fax first, sorts the other way on its header, and counts a filter', async () => {
    const { wd, db } = s;
    const lines = cli(db, 'activity', String(card.id), '--json').trim().split('\n').map((l) => JSON.parse(l));
    const byTime = [...lines].sort((a, b) => (a.submit_time === b.submit_time ? b.line_no - a.line_no : a.submit_time < b.submit_time ? 1 : -1));
    assert.notDeepEqual(byTime.map((l) => l.line_no), [...lines].sort((a, b) => b.line_no - a.line_no).map((l) => l.line_no), 'billed out of submit order');
    const row = await wd.find(`tr[data-card="${card.id}"]`);
    await wd.exec('arguments[0].focus()', [el(row)]);
    await press('Return');
    await wd.waitFor('#activity-scroller [data-line]');
    const shown = () => wd.exec("return [...document.querySelectorAll('#activity-scroller [data-line]')].map(r => Number(r.dataset.line))");
    const first = await shown();
    assert.deepEqual(first, byTime.slice(0, first.length).map((l) => l.line_no));
    await wd.click(await wd.find('#sort-time'));
    await until(async () => (await shown())[0] === byTime.at(-1).line_no, 'the oldest first');
    assert.equal(await wd.exec("return document.querySelector('[aria-sort]').getAttribute('aria-sort')"), 'ascending');
    // One user: the count and the amount of what is shown.
    const carmen = lines.filter((l) => l.user === 'carmen');
    await wd.exec("const u = document.querySelector('#filter-user'); u.value = 'carmen'; u.dispatchEvent(new Event('change', { bubbles: true }))");
    const summary = await wd.waitFor('#activity-shown', { text: (t) => t.startsWith('Showing') });
    const text = await wd.text(summary);
    const count = (n) => n.toLocaleString('en-US');
    assert.match(text, new RegExp(`^Showing ${count(carmen.length)} of ${count(lines.length)} faxes \\(sent by carmen\\)`));
    // Their amount, added up exactly and rounded half up to cents as the page rounds it.
    const units = carmen.reduce((sum, l) => sum + BigInt(l.amount.replace('.', '')), 0n);
    const cents = (units + 50n) / 100n;
    const dollars = `$${(cents / 100n).toLocaleString('en-US')}.${String(cents % 100n).padStart(2, '0')}`;
    assert.ok(text.includes(dollars), `${text} has ${dollars}`);
    // Words: a destination's digits, whatever their punctuation.
    const dest = carmen[0].destination;
    await wd.type(await wd.find('#filter-search'), dest.slice(1, 8));
    await wd.waitFor('#activity-shown', { text: (t) => t.includes('matching') && t.startsWith('Showing') });
    const some = await shown();
    assert.ok(some.length > 0 && some.length <= carmen.length);
    await wd.click(await wd.find('#filter-clear'));
    await wd.waitFor('#activity-shown', { text: (t) => !t.startsWith('Showing') });
  });

  it('exports exactly the lines the filters show, and says which', async () => {
    const { wd, db } = s;
    const lines = cli(db, 'activity', String(card.id), '--json', '--user', 'dmitri').trim().split('\n').map((l) => JSON.parse(l));
    await wd.exec("const u = document.querySelector('#filter-user'); u.value = 'dmitri'; u.dispatchEvent(new Event('change', { bubbles: true }))");
    const n = lines.length.toLocaleString('en-US');
    const offer = await wd.waitFor('#export-filtered', { text: (t) => t.includes(n) });
    assert.match(await wd.text(offer), new RegExp(`Export these ${n} lines`));
    const target = join(dir, 'dmitri.csv');
    await wd.exec("document.querySelector('#export-filtered').focus()");
    await press('Return');
    await saveInDialog('Export Filtered Activity', target);
    await until(() => existsSync(target), 'the export file');
    const toast = await wd.waitFor('#export-result', { text: (t) => t.includes('Exported') });
    assert.match(await wd.text(toast), new RegExp(`Exported the ${n} lines of card ${card.id} shown by the filters \\(sent by dmitri\\)`));
    const rows = readFileSync(target, 'utf8').replace(/^\uFEFF/, '').trim().split('\r\n').slice(1);
    assert.equal(rows.length, lines.length);
    assert.ok(rows.every((r) => r.split(',')[4] === 'dmitri'), 'only dmitri’s faxes');
    // After an export: open the file, or show it in its folder, through the OS's own programs.
    await wd.click(await wd.find('#export-open'));
    await until(() => existsSync(opened) && readFileSync(opened, 'utf8').includes(`xdg-open ${target}`), 'xdg-open started on the file');
    await wd.click(await wd.find('#export-show'));
    await until(() => readFileSync(opened, 'utf8').includes('org.freedesktop.FileManager1.ShowItems'), 'the file manager asked to show it');
    assert.match(readFileSync(opened, 'utf8'), new RegExp(`gdbus call --session .*\\['file://${target.replace(/[.]/g, '\\.')}'\\]`));
    // Nothing else can be opened from the page.
    const e = await wd.req('POST', wd.s('/execute/async'), {
      script: "const done = arguments[arguments.length - 1]; window.__TAURI_INTERNALS__.invoke('open_export', { path: '/etc/passwd' }).then(() => done('opened'), (e) => done(JSON.stringify(e)))",
      args: [],
    });
    assert.match(e, /forbidden/);
  });

  it('says what each failure code means, and takes a day typed in digits or picked in a calendar that opens on the card’s period', async () => {
    const { wd } = s;
    // On the card's Activity, whatever the tests before left open.
    if ((await wd.findAll('#filter-search')).length === 0) {
      await wd.exec('arguments[0].focus()', [el(await wd.find(`tr[data-card="${card.id}"]`))]);
      await press('Return');
      await wd.waitFor('#filter-search');
    }
    if ((await wd.findAll('#filter-clear')).length) await wd.click(await wd.find('#filter-clear'));
    await wd.type(await wd.find('#filter-search'), 'status-check');
    await wd.waitFor('#activity-shown', { text: (t) => t.startsWith('Showing 2 of') });
    const statuses = () => wd.exec("return [...document.querySelectorAll('#activity-scroller [data-line]')].map(r => [r.children[8].textContent, r.children[8].title])");
    const words = await until(async () => ((await statuses()).length === 2 ? statuses() : null), 'the two failed faxes');
    assert.deepEqual(words.map((w) => w[0]).sort(), ['Busy', 'Failed (code 3931)']);
    assert.match(words.find((w) => w[0] === 'Busy')[1], /^InterFAX status 263: the receiving line was in use\./);
    await wd.click(await wd.find('#filter-clear'));
    await wd.waitFor('#activity-shown', { text: (t) => !t.startsWith('Showing') });

    // The card's first day, as this session's calendar has it.
    const pad = (n) => String(n).padStart(2, '0');
    const local = (d) => `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
    const first = local(new Date(card.issue_date));
    const [y, m, d] = first.split('-');
    const shownFrom = () => wd.exec("return document.querySelector('#filter-from').value");
    // Digits alone, typed with real keys, in the locale's order.
    await wd.exec("document.querySelector('#filter-from').focus()");
    xdo('type', '--delay', '40', `${m}${d}${y}`);
    await press('Return');
    await until(async () => (await shownFrom()) === `${m}/${d}/${y}`, 'the typed day, written back');
    await wd.waitFor('#activity-shown', { text: (t) => t.startsWith('Showing') && t.includes('from ') });
    await wd.click(await wd.find('#filter-clear'));
    await wd.waitFor('#activity-shown', { text: (t) => !t.startsWith('Showing') });

    // The calendar opens on the card's first day, not on today; the keyboard picks the next day.
    await wd.exec("document.querySelector('#filter-from-calendar').focus()");
    await press('Return');
    await wd.waitFor('#filter-from-dialog');
    await until(async () => (await active(wd)) === first, 'the card’s first day focused');
    const month = new Intl.DateTimeFormat('en-US', { month: 'long', year: 'numeric' }).format(new Date(+y, +m - 1, 15));
    assert.equal(await wd.text(await wd.find('#filter-from-month')), month);
    await press('Right', 'Return');
    const next = local(new Date(+y, +m - 1, +d + 1));
    const [ny, nm, nd] = next.split('-');
    await until(async () => (await shownFrom()) === `${nm}/${nd}/${ny}`, 'the picked day in the field');
    assert.equal((await wd.findAll('#filter-from-dialog')).length, 0, 'the calendar closes on a pick');
    assert.equal(await active(wd), 'filter-from-calendar', 'focus back on its button');
    // To opens on the day From holds; Escape closes the calendar, not the page.
    await wd.exec("document.querySelector('#filter-to-calendar').focus()");
    await press('Return');
    await wd.waitFor('#filter-to-dialog');
    await until(async () => (await active(wd)) === next, 'To opens on From’s day');
    await press('Escape');
    await until(async () => (await wd.findAll('#filter-to-dialog')).length === 0, 'the calendar closed');
    assert.equal(await active(wd), 'filter-to-calendar');
    assert.match(await wd.text(await wd.find('h1')), /^Activity of card/);
  });
});

describe('the spend chart', () => {
  let s;
  before(async () => {
    s = await open('chart', 4694, { faxes: 2000 });
    await loginAs(s.wd, 'alice');
  });
  after(async () => s?.close());

  it('has a scale, and a day opens that day’s faxes, by mouse or by keyboard', async () => {
    const { wd } = s;
    const days = await wd.exec("return [...document.querySelectorAll('#spend-chart .hit')].map(r => r.dataset.day)");
    assert.equal(days.length, 90);
    const scale = await wd.exec("return [...document.querySelectorAll('.yaxis span')].map(s => s.textContent)");
    assert.equal(scale.length, 3);
    assert.equal(scale[2], '$0.00');
    // The busiest day, by the chart's own peak.
    const peak = await wd.exec("return document.querySelector('figcaption').textContent");
    const day = days.find((d) => peak.includes(new Intl.DateTimeFormat('en-US', { dateStyle: 'medium', timeZone: 'UTC' }).format(new Date(`${d}T12:00:00Z`))));
    assert.ok(day, peak);
    await wd.click(await wd.find(`#spend-chart .hit[data-day="${day}"]`));
    await wd.waitFor('h1', { text: (t) => t.startsWith('Activity of card') });
    const [y, m, d] = day.split('-');
    assert.equal(await wd.exec("return document.querySelector('#filter-from').value"), `${m}/${d}/${y}`);
    await wd.waitFor('#activity-shown', { text: (t) => t.startsWith('Showing') });
    const times = await wd.exec("return [...document.querySelectorAll('#activity-scroller [data-time]')].map(r => r.dataset.time)");
    assert.ok(times.length > 0 && times.every((t) => t.startsWith(day)), times.join(' '));
    await press('Escape');
    await wd.waitFor('#spend-chart');
    // The keyboard: the chart takes the arrows and Enter (the last day first).
    await wd.exec("document.querySelector('#spend-chart').focus()");
    await press('Left', 'Return');
    await wd.waitFor('h1', { text: (t) => t.startsWith('Activity of card') });
    const [y2, m2, d2] = days.at(-2).split('-');
    assert.equal(await wd.exec("return document.querySelector('#filter-to').value"), `${m2}/${d2}/${y2}`);
  });
});

describe('a credit account whose month is used up', () => {
  let s;
  let refusedId;
  before(async () => {
    s = await open('credit', 4674, {
      faxes: 1500,
      kind: 'credit',
      setup: (db) => {
        const month = JSON.parse(execFileSync(CLI, ['--db', db, 'cards', '--json'], { encoding: 'utf8' })).find((c) => c.status === 'active');
        const use = { id: 'use-it-up', userId: 'carmen', destinationFax: '+12125550100', submitTime: new Date().toISOString(), pagesSent: 1, units: 1, costPerUnit: month.balance };
        cli(db, 'bill', '--json', JSON.stringify(use));
        refusedId = 'refused-after';
        const o = run(db, 'bill', '--json', JSON.stringify({ ...use, id: refusedId, costPerUnit: '1.00' }));
        assert.equal(o.status, 3, o.stderr);
      },
    });
    await loginAs(s.wd, 'alice');
  });
  after(async () => s?.close());

  it('says faxes are refused until next month, hides the bonus and greys closed months', async () => {
    const { wd } = s;
    const alert = await wd.waitFor('#refusing-alert');
    const now = new Date();
    const next = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1, 12));
    const day = new Intl.DateTimeFormat('en-US', { dateStyle: 'medium' }).format(next);
    assert.match(await wd.text(alert), new RegExp(`Faxes are being refused until ${day.replace('.', '\\.')}`));
    // One sentence each: when credit returns (with its spaces), and how many were refused.
    assert.match(await wd.text(alert), new RegExp(`Next month’s card opens on ${day.replace('.', '\\.')}, \\d{1,2}:\\d{2}\\s?[AP]M, and faxes go through again\\.`));
    assert.match(await wd.text(await wd.find('#refusing-count')), /^1 fax has been refused so far, on \w{3} \d{1,2}, \d{4}, /);
    const heads = await wd.exec("return [...document.querySelectorAll('#cards-table th')].map(t => t.textContent.trim())");
    assert.ok(!heads.includes('Bonus'), heads.join(', '));
    const orange = await wd.exec("return [...document.querySelectorAll('#cards-table tr[data-card]')].filter(r => r.querySelector('.bar.high') && !/In use|Queued/.test(r.textContent)).length");
    assert.equal(orange, 0, 'no orange bar on a closed month');
  });

  it('lists the refused faxes, linked from the alert', async () => {
    const { wd } = s;
    await wd.click(await wd.find('#refusing-list'));
    const row = await wd.waitFor(`#refused-table tr[data-fax="${refusedId}"]`);
    assert.match(await wd.text(row), /carmen[\s\S]*205000 - Quota Exceeded/);
  });
});

describe('a user who is not an account manager', () => {
  let s;
  before(async () => {
    s = await open('user', 4684, { faxes: 200 });
  });
  after(async () => s?.close());

  it('sees one page that says what they can do and whom to ask', async () => {
    const { wd } = s;
    await wd.type(await wd.find('#login-name'), 'carmen');
    await wd.type(await wd.find('#login-password'), 'demo-pass');
    await wd.click(await wd.find('#login-submit'));
    const page = await wd.waitFor('#not-manager');
    assert.match(await wd.text(page), /Hello, carmen/);
    assert.match(await wd.text(page), /What you can do/);
    assert.match(await wd.text(await wd.find('#user-home-managers')), /alice and bruno/);
    assert.equal((await wd.findAll('nav a')).length, 0, 'no tabs that would each say the same refusal');
    assert.equal((await wd.findAll('#cards-table')).length, 0);
  });
});
