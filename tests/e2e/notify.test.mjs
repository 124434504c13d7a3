// Settings → Email and Notifications in the real app, against a real SMTP server on loopback:
// a fax refused by the CLI is emailed by the app's worker and listed as sent.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { demoSession, until, setValue } from './webdriver.mjs';
import { startSmtp } from './smtp.mjs';

const APP = process.env.FAXCREDIT_APP;
const CLI = process.env.FAXCREDIT_CLI;
const dir = mkdtempSync(join(tmpdir(), 'faxcredit-e2e-notify-'));
const db = join(dir, 'demo.db');
const cli = (...args) => spawnSync(CLI, ['--db', db, ...args], { encoding: 'utf8' });

describe('email notifications', () => {
  let session;
  let wd;
  let smtp;

  before(async () => {
    session = await demoSession({ app: APP, cli: CLI, dir, db, faxes: 800, port: 4474, startSmtp });
    ({ wd, smtp } = session);
  });

  after(async () => {
    await session?.close();
  });

  it('saves the SMTP server and sends a test email, showing the server answer', async () => {
    await wd.click(await wd.find('#nav-email'));
    await wd.waitFor('#email-form');
    await setValue(wd, '#smtp-host', '127.0.0.1');
    await wd.exec("const s = document.querySelector('#smtp-security'); s.value = 'none'; s.dispatchEvent(new Event('change', { bubbles: true }));");
    await setValue(wd, '#smtp-port', String(smtp.port));
    await setValue(wd, '#smtp-from', 'fax-credit@northwind-legal.example');
    await wd.click(await wd.find('#email-save'));
    await wd.waitFor('#email-result', { text: (t) => /saved/i.test(t) });
    const shown = JSON.parse(cli('email', 'show', '--json').stdout);
    assert.equal(shown.settings.port, smtp.port);

    await wd.click(await wd.find('#email-test'));
    const r = await wd.waitFor('#email-result', { text: (t) => /answered/.test(t) });
    assert.match(await wd.text(r), /billing@northwind-legal\.example.*250/);
    assert.deepEqual(smtp.received.at(-1).to, ['billing@northwind-legal.example']);
    assert.equal(smtp.subjects().at(-1), 'Fax Credit: test email');
  });

  it('emails a fax refused by the CLI and lists it as sent', async () => {
    const before = smtp.received.length;
    const fax = { id: 'e2e-refused', userId: 'carmen', destinationFax: '+12125550100', submitTime: '2026-11-24T10:00:00Z', pagesSent: 5, units: 5000, costPerUnit: '999.00' };
    const o = cli('bill', '--json', JSON.stringify(fax));
    assert.equal(o.status, 3, o.stderr);
    await until(() => smtp.received.length > before, 'the refusal email');
    assert.match(smtp.subjects().at(-1), /205000 - Quota Exceeded/);
    assert.match(smtp.received.at(-1).data, /e2e-refused/);

    await wd.click(await wd.find('#nav-notifications'));
    const row = await wd.waitFor('#notifications-table tbody tr[data-state="sent"]');
    assert.match(await wd.text(row), /Quota Exceeded[\s\S]*Sent/);
    await sleep(4000);
    assert.equal(smtp.received.length, before + 1, 'sent once');
  });
});
