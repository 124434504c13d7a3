// Issue 16 (items 1, 2, 6) in the real app: Settings → Alerts, Recipients and Audit log. A manager
// sets an alert level and a second recipient, a fax billed by the CLI crosses the level, and the
// warning reaches both mailboxes on a real SMTP server on loopback and the desktop (a
// notification on the session bus, once); every action is in the audit log, which exports
// through the native Save As dialog.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { demoSession, saveInDialog, setValue, until } from './webdriver.mjs';
import { startSmtp } from './smtp.mjs';

const APP = process.env.FAXCREDIT_APP;
const CLI = process.env.FAXCREDIT_CLI;
const dir = mkdtempSync(join(tmpdir(), 'faxcredit-e2e-manager-a-'));
const db = join(dir, 'demo.db');
const cli = (...args) => spawnSync(CLI, ['--db', db, ...args], { encoding: 'utf8', env: { ...process.env, USER: 'gateway-ops' } });
const json = (...args) => {
  const o = cli(...args, '--json');
  assert.equal(o.status, 0, o.stderr);
  return JSON.parse(o.stdout);
};

describe('alerts, recipients and the audit log', () => {
  let session;
  let wd;
  let smtp;
  /** What the desktop was asked to show: the session bus's Notify calls, as dbus-monitor prints them. */
  let monitor;
  let bus = '';
  /** The level set on the page: half the credit left now, in whole currency units. */
  let level;

  before(async () => {
    session = await demoSession({ app: APP, cli: CLI, dir, db, faxes: 800, port: 4480, startSmtp });
    ({ wd, smtp } = session);
    monitor = spawn('dbus-monitor', ['--session', "type='method_call',interface='org.freedesktop.Notifications',member='Notify'"]);
    monitor.stdout.setEncoding('utf8');
    monitor.stdout.on('data', (d) => (bus += d));
    await sleep(300);
  });

  after(async () => {
    monitor?.kill();
    await session?.close();
  });

  it('sets an alert level on the page, refusing a bad one beside its field', async () => {
    await wd.click(await wd.find('#nav-alerts'));
    await wd.waitFor('#alerts-form');
    const status = json('alerts');
    assert.deepEqual(status.levels.map((l) => l.value), ['80'], 'the default level');
    assert.match(await wd.text(await wd.find('#alerts-remaining')), /\$/);
    level = Math.floor(Number(status.remaining) / 2);
    assert.ok(level >= 2, `credit left: ${status.remaining}`);

    await wd.click(await wd.find('#alert-add'));
    await setValue(wd, '#alert-value-2', '12.345.6');
    await wd.click(await wd.find('#alerts-save'));
    const err = await wd.waitFor('#alert-value-2-error');
    assert.match(await wd.text(err), /amount of credit more than 0/);
    assert.equal(await wd.exec("return document.querySelector('#alert-value-2').getAttribute('aria-invalid')"), 'true');
    assert.equal(await wd.exec("return document.activeElement.id"), 'alert-value-2');
    assert.deepEqual(json('alerts').levels.map((l) => l.value), ['80'], 'nothing saved');

    await setValue(wd, '#alert-value-2', `${level}.00`);
    await wd.click(await wd.find('#alerts-save'));
    await wd.waitFor('#alerts-result', { text: (t) => /Alerts saved: 2 levels/.test(t) });
    assert.deepEqual(json('alerts').levels.map((l) => [l.kind, l.value]), [['amount', `${level}.0000`], ['percent', '80']]);
    // Saved levels come back sorted: the amount first.
    assert.equal(await wd.exec("return document.querySelector('#alert-value-1').value"), `${level}.00`);
  });

  it('adds a second recipient, refusing a bad address beside the field', async () => {
    await wd.click(await wd.find('#nav-recipients'));
    await wd.waitFor('#recipients-table tbody tr[data-address="billing@northwind-legal.example"]');
    await setValue(wd, '#recipient-email', 'finance@northwind');
    await wd.click(await wd.find('#recipient-add'));
    assert.match(await wd.text(await wd.waitFor('#recipient-email-error')), /email address/);
    await setValue(wd, '#recipient-email', 'finance@northwind-legal.example');
    await wd.exec("const s = document.querySelector('#recipient-only'); s.value = 'alerts'; s.dispatchEvent(new Event('change', { bubbles: true }))");
    await wd.click(await wd.find('#recipient-add'));
    const row = await wd.waitFor('#recipients-table tr[data-address="finance@northwind-legal.example"]');
    assert.match(await wd.text(row), /Low-credit alerts only/);
    assert.deepEqual(
      json('recipients').map((r) => [r.address, r.only]),
      [['billing@northwind-legal.example', null], ['finance@northwind-legal.example', 'alerts']],
    );
  });

  it('warns both recipients and the desktop once when a fax from the CLI crosses the level', async () => {
    const set = cli('email', 'set', '--host', '127.0.0.1', '--port', String(smtp.port), '--security', 'none', '--from', 'fax-credit@northwind-legal.example');
    assert.equal(set.status, 0, set.stderr);
    const remaining = Number(json('alerts').remaining);
    const cost = (remaining - level + 0.5).toFixed(2); // leaves level - 0.50: past the level
    const fax = { id: 'e2e-low', userId: 'carmen', destinationFax: '+12125550100', submitTime: '2026-11-24T10:00:00Z', pagesSent: 1, units: 1, costPerUnit: cost };
    const o = cli('bill', '--json', JSON.stringify(fax));
    assert.equal(o.status, 0, o.stderr);

    const lows = () => smtp.received.filter((m) => /low credit on Northwind Legal LLP/.test(m.data));
    await until(() => lows().length >= 2, 'the alert at both recipients', 30000);
    assert.deepEqual(lows().map((m) => m.to).flat().sort(), ['billing@northwind-legal.example', 'finance@northwind-legal.example']);
    // The body as written: quoted-printable undone (soft line breaks, =XX bytes).
    const mail = lows()[0].data.replace(/=\r\n/g, '').replace(/=([0-9A-F]{2})/g, (_, h) => String.fromCharCode(parseInt(h, 16)));
    assert.match(mail, new RegExp(`It fell to your alert level of ${level}\\.00 USD\\.`));
    assert.match(mail, /At the average spend of the last 30 days \([\d.]+ USD a day\), that lasts/);

    // The desktop was asked once, whatever the number of recipients.
    await until(() => /low credit on Northwind Legal LLP/.test(bus), 'the desktop notification', 20000);
    await sleep(4000);
    assert.equal(bus.match(/string "Fax Credit: low credit on Northwind Legal LLP/g).length, 1, bus);
    // The page follows the ledger: the level is passed now.
    await wd.click(await wd.find('#nav-alerts'));
    await wd.waitFor('#alert-passed-1', { text: (t) => /Passed/.test(t) });
    assert.equal(lows().length, 2, 'sent once to each');
  });

  it('lists each action with who did it and exports the log through Save As', async () => {
    await wd.click(await wd.find('#nav-audit'));
    await wd.waitFor('#audit-table tbody tr[data-action="alerts_set"]');
    const actions = await wd.exec("return [...document.querySelectorAll('#audit-table tbody tr')].map((r) => [r.dataset.action, r.dataset.via, r.children[1].textContent.trim()])");
    assert.deepEqual(actions.slice(0, 4), [
      ['email_settings_saved', 'cli', 'gateway-ops (command line)'],
      ['recipient_added', 'app', 'alice'],
      ['alerts_set', 'app', 'alice'],
      ['login', 'app', 'alice'],
    ]);
    const log = json('audit');
    assert.equal(log.length, actions.length);

    const target = join(dir, 'audit.csv');
    await wd.click(await wd.find('#audit-export'));
    await saveInDialog('Export Audit Log', target);
    await until(() => existsSync(target), 'the exported file');
    const toast = await wd.waitFor('#audit-saved', { text: (t) => t.includes('Exported') });
    assert.match(await wd.text(toast), new RegExp(`Exported ${log.length} audit log lines to ${target.replace(/[.]/g, '\\.')}`));
    const rows = readFileSync(target, 'utf8').replace(/^\uFEFF/, '').trim().split('\r\n');
    assert.equal(rows[0], 'id,at,actor,via,action,detail');
    assert.equal(rows.length, log.length + 1);
    assert.match(rows.at(-1), /,gateway-ops,cli,email_settings_saved,/);
  });
});
