// Settings → Rates, Settings → Reports and the receipts of the Order history, in the real app:
// WebDriver for the page, xdotool for the native row menus and the GTK Save As dialog, the CLI
// as the second witness of what the app shows and writes, `pdftotext` for the receipt.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { chooseInMenu, demoSession, ELEMENT, saveInDialog, setValue, storeCard, until, windowOrigin, xdo } from './webdriver.mjs';
import { startSmtp } from './smtp.mjs';

const APP = process.env.FAXCREDIT_APP;
const CLI = process.env.FAXCREDIT_CLI;
const dir = mkdtempSync(join(tmpdir(), 'faxcredit-e2e-tools-b-'));
const db = join(dir, 'demo.db');
const cli = (...args) => spawnSync(CLI, ['--db', db, ...args], { encoding: 'utf8' });

/** Centre (or the left part) of an element on the screen, for xdotool. */
async function screenPoint(wd, el) {
  const r = await wd.exec(
    "arguments[0].scrollIntoView({ block: 'center' }); const r = arguments[0].getBoundingClientRect(); return { x: r.x, y: r.y, width: r.width, height: r.height };",
    [{ [ELEMENT]: el }],
  );
  const o = windowOrigin();
  return { x: Math.round(o.x + r.x + Math.min(r.width / 2, 120)), y: Math.round(o.y + r.y + r.height / 2) };
}

/** Right-clicks `el` and picks the first item of the native menu that pops up. */
async function firstMenuItem(wd, el) {
  const p = await screenPoint(wd, el);
  xdo('mousemove', String(p.x), String(p.y), 'click', '3');
  await chooseInMenu('Down', 'Return');
}

/** Types `path` into the GTK Save As dialog titled `title` and confirms it. */
async function saveAs(title, path) {
  await saveInDialog(title, path);
  await until(() => existsSync(path), `a file at ${path}`);
}

describe('manager tools: rates, reports, receipts', () => {
  let session;
  let wd;

  before(async () => {
    session = await demoSession({ app: APP, cli: CLI, dir, db, faxes: 600, port: 4490, startSmtp });
    ({ wd } = session);
  });

  after(async () => {
    await session?.close();
  });

  it('Rates: a bad price is refused at its field and saves nothing; a good one prices the preview and the next fax billed', async () => {
    await wd.click(await wd.find('#nav-rates'));
    await wd.waitFor('#rates-table tr[data-prefix="44"]');
    await setValue(wd, '#rate-prefix', '44');
    await setValue(wd, '#rate-price', '-0.10');
    await wd.click(await wd.find('#rate-save'));
    const err = await wd.text(await wd.waitFor('#rate-price-error'));
    assert.match(err, /0 or more with at most 4 decimal places/);
    assert.equal(await wd.exec("return document.activeElement.id"), 'rate-price', 'the field with the error has the focus');
    const uk = () => JSON.parse(cli('rates', '--json').stdout).find((r) => r.prefix === '44');
    assert.equal(uk().cost_per_unit, '0.1500', 'nothing saved');

    await setValue(wd, '#rate-prefix', 'x44');
    await setValue(wd, '#rate-price', '0.2');
    await wd.click(await wd.find('#rate-save'));
    assert.match(await wd.text(await wd.waitFor('#rate-prefix-error')), /digits the international number starts with/);
    assert.equal(uk().cost_per_unit, '0.1500', 'still nothing saved');

    await setValue(wd, '#rate-prefix', '+44');
    await setValue(wd, '#rate-price', '0.2345');
    await wd.click(await wd.find('#rate-save'));
    await wd.waitFor('#rates-table tr[data-prefix="44"]', { text: (t) => t.includes('0.2345') });
    assert.equal(uk().cost_per_unit, '0.2345');

    await setValue(wd, '#quote-number', '+44 20 7946 0000');
    await setValue(wd, '#quote-pages', '2');
    const quoted = await wd.text(await wd.waitFor('#quote-cost', { text: (t) => t.includes('0.4690') }));
    // The fax a gateway bills next costs what the preview said.
    const billed = cli('bill', '--id', 'e2e-uk-1', '--user', 'carmen', '--to', '+44 20 7946 0000', '--pages', '2');
    assert.equal(billed.status, 0, billed.stderr);
    assert.match(billed.stdout, /billed fax e2e-uk-1: 0\.4690/);
    assert.match(quoted, /0\.4690/);
  });

  it('Reports: the page totals what the CLI reports, refuses a backward range at To, and its row menu opens a user\'s faxes', async () => {
    await wd.click(await wd.find('#nav-reports'));
    await wd.waitFor('#report-table');
    const [from, to] = ['2025-01-01', '2030-12-31'];
    await setValue(wd, '#report-from', from);
    await setValue(wd, '#report-to', to);
    await wd.click(await wd.find('#report-by-user'));
    const want = JSON.parse(cli('report', '--from', from, '--to', to, '--by', 'user', '--json').stdout);
    const check = cli('check', '--json');
    assert.equal(JSON.parse(check.stdout).total_billed, want.total, "the report's total is check's billed total");
    const dollars = Number(want.total).toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
    await wd.waitFor('#report-total', { text: (t) => t.includes(dollars) });
    const keys = await wd.exec("return [...document.querySelectorAll('#report-table tbody tr[data-row]')].map(r => r.dataset.row)");
    assert.deepEqual(keys, want.rows.map((r) => r.key), 'largest spender first, as the CLI');

    // Sorting by the Faxes header, then back.
    await wd.click(await wd.find('#report-table th:nth-child(2) button'));
    await until(async () => (await wd.exec("return document.querySelector('#report-table th:nth-child(2)').getAttribute('aria-sort')")) === 'descending', 'sorted by faxes');
    const faxes = await wd.exec("return [...document.querySelectorAll('#report-table tbody tr[data-row] td:nth-child(2)')].map(td => Number(td.textContent.replace(/\\D/g, '')))");
    assert.deepEqual(faxes, [...faxes].sort((a, b) => b - a));

    // A range that ends before it starts: the error is at To and the table keeps the last report.
    await setValue(wd, '#report-from', '2026-12-01');
    await setValue(wd, '#report-to', '2026-11-01');
    await wd.exec("document.querySelector('#report-to').dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', bubbles: true }))");
    assert.match(await wd.text(await wd.waitFor('#report-to-error')), /before the first/);
    await setValue(wd, '#report-from', from);
    await setValue(wd, '#report-to', to);
    await wd.exec("document.querySelector('#report-to').dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', bubbles: true }))");
    await until(async () => (await wd.findAll('#report-to-error')).length === 0, 'the error to go');

    // The native row menu: View Activity of this user.
    const top = want.rows[0];
    await firstMenuItem(wd, await wd.find(`#report-table tr[data-row="${top.key}"]`));
    await wd.waitFor('#user-faxes tbody tr[data-fax]');
    const shown = await wd.exec("return document.querySelectorAll('#user-faxes tbody tr[data-fax]').length");
    assert.equal(shown, Math.min(top.faxes, 2000));
    await wd.click(await wd.find('#user-back'));
    await wd.waitFor('#report-table');
  });

  it('Reports: Export writes through Save As exactly the CSV the CLI writes', async () => {
    await wd.click(await wd.find('#report-by-country'));
    await wd.waitFor('#report-table tbody tr[data-row="1"]');
    const target = join(dir, 'spend-by-country.csv');
    await wd.click(await wd.find('#report-export'));
    await saveAs('Export Spend Report', target);
    await wd.waitFor('#report-saved', { text: (t) => /Exported the spend report/.test(t) });
    const core = join(dir, 'core-report.csv');
    const o = cli('report', '--from', '2025-01-01', '--to', '2030-12-31', '--by', 'country', '--out', core);
    assert.equal(o.status, 0, o.stderr);
    assert.deepEqual(readFileSync(target), readFileSync(core));
    assert.match(readFileSync(target, 'utf8'), /^\uFEFFfrom,to,country_code,country,faxes,pages,amount,currency\r\n/);
  });

  it('Order history: receipt details at their fields, a purchase with a PO, Save Receipt… from the native row menu', async () => {
    await storeCard(wd, '4242 4242 4242 4242');
    await wd.click(await wd.find('#nav-orders'));
    await wd.waitFor('#billing-details');
    await setValue(wd, '#billing-tax_id', '=HYPERLINK(1)');
    await wd.click(await wd.find('#billing-save'));
    assert.match(await wd.text(await wd.waitFor('#billing-tax-error')), /letters, digits, spaces/);
    assert.equal(JSON.parse(cli('account', 'show', '--json').stdout).tax_id, '', 'nothing saved');
    await setValue(wd, '#billing-billing_address', '200 Park Avenue\nNew York, NY 10166');
    await setValue(wd, '#billing-tax_id', 'EIN 12-3456789');
    await wd.click(await wd.find('#billing-save'));
    await until(() => JSON.parse(cli('account', 'show', '--json').stdout).tax_id === 'EIN 12-3456789', 'the details saved');

    await wd.click(await wd.find('#nav-cards'));
    await wd.click(await wd.waitFor('#purchase-open'));
    await wd.waitFor('[data-package="Standard"] input');
    await wd.exec(`document.querySelector('[data-package="Standard"] input').click()`);
    await wd.click(await wd.find('#purchase-next'));
    await setValue(wd, '#purchase-po', 'PO-E2E-7');
    await wd.click(await wd.find('#purchase-buy'));
    await wd.waitFor('#purchase-result');
    const order = JSON.parse(cli('orders', '--json').stdout)[0];
    assert.equal(order.status, 'paid');

    await wd.click(await wd.find('#nav-orders'));
    const row = await wd.waitFor(`#orders-table tr[data-order="${order.id}"]`);
    const target = join(dir, 'receipt-e2e.pdf');
    await firstMenuItem(wd, row);
    await saveAs('Save Receipt', target);
    const text = execFileSync('pdftotext', ['-layout', target, '-'], { encoding: 'utf8' });
    for (const want of ['Northwind Legal LLP', '200 Park Avenue', 'New York, NY 10166', 'Tax ID: EIN 12-3456789', 'PO-E2E-7', 'Standard', '50.00 USD', 'Visa •••• 4242', order.charge_id]) {
      assert.ok(text.includes(want), `the receipt lacks ${want}:\n${text}`);
    }
    assert.match(text, /Receipt number\s+1\b/);
    assert.match(text, new RegExp(`Order\\s+${order.id}\\b`));
  });
});
