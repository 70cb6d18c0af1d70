// End-to-end test of the Inkling extension in real VS Code: code-server (VS Code for the web, from
// npm) in Debian's headless Chromium, driven by playwright-core. It installs the .vsix, opens a
// Python file, types, waits for the ghost text, takes a screenshot, accepts with Tab, saves, and
// checks the file on disk; then opens "Inkling: Show status" and checks what the server reports.
// Run by editors/vscode/vscode_test.go; exit status 0 is a pass.
//
// Environment (all required):
//   VSCODE_TEST_TOOLS  folder whose node_modules has code-server and playwright-core
//   VSIX               the packaged extension
//   INKLING_BIN        the inkling binary (set as inkling.path)
//   MODEL_ENDPOINT     the fake model's base URL (inkling.endpoint); MODEL (inkling.model)
//   WORK               an empty folder for the workspace and VS Code's state
//   EXPECT             the suggestion the fake model gives
//   SHOT               where to write the screenshot
//   CHROMIUM           the browser binary
'use strict';
const { spawn, execFileSync } = require('child_process');
const fs = require('fs');
const path = require('path');

const env = (k) => {
  if (!process.env[k]) throw new Error(`${k} is not set`);
  return process.env[k];
};
const TOOLS = env('VSCODE_TEST_TOOLS');
const { chromium } = require(path.join(TOOLS, 'node_modules', 'playwright-core'));
const CS = path.join(TOOLS, 'node_modules', '.bin', 'code-server');
const WORK = env('WORK');
const EXPECT = env('EXPECT');
const SHOT = env('SHOT');
const WS = path.join(WORK, 'ws');
const FILE = path.join(WS, 'demo.py');
const DATA = path.join(WORK, 'data');
const EXT = path.join(WORK, 'extensions');
const START = 'def add(a, b):\n    ';

const t0 = Date.now();
const log = (s) => console.log(`[${String(Date.now() - t0).padStart(6)} ms] ${s}`);

function setup() {
  fs.mkdirSync(WS, { recursive: true });
  fs.mkdirSync(path.join(DATA, 'User'), { recursive: true });
  fs.writeFileSync(FILE, START);
  fs.writeFileSync(path.join(WORK, 'config.yaml'), 'auth: none\ncert: false\n');
  fs.writeFileSync(path.join(DATA, 'User', 'settings.json'), JSON.stringify({
    'security.workspace.trust.enabled': false,
    'workbench.startupEditor': 'none',
    'telemetry.telemetryLevel': 'off',
    'update.mode': 'none',
    'extensions.autoCheckUpdates': false,
    'extensions.autoUpdate': false,
    'workbench.enableExperiments': false,
    'workbench.tips.enabled': false,
    'chat.disableAIFeatures': true,
    'editor.inlineSuggest.enabled': true,
    'inkling.path': env('INKLING_BIN'),
    'inkling.provider': 'openai',
    'inkling.endpoint': env('MODEL_ENDPOINT'),
    'inkling.model': env('MODEL'),
  }, null, 2));
  const out = execFileSync(CS, ['--extensions-dir', EXT, '--user-data-dir', DATA, '--install-extension', env('VSIX')],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  log('install: ' + out.trim().split('\n').pop());
  if (!fs.readdirSync(EXT).some((d) => d.startsWith('inkling-ls.inkling-'))) throw new Error('the extension was not installed');
}

// palette runs a command from the Command Palette by its title.
async function palette(page, title) {
  await page.keyboard.press('F1');
  await page.waitForSelector('.quick-input-widget input', { state: 'visible', timeout: 10000 });
  await page.keyboard.type(title);
  await page.waitForSelector(`.quick-input-list .monaco-list-row:has-text("${title.replace(/^Inkling: /, '')}")`, { timeout: 10000 });
  await page.keyboard.press('Enter');
}

async function main() {
  setup();
  const port = 20000 + (process.pid % 10000);
  const cs = spawn(CS, ['--config', path.join(WORK, 'config.yaml'), '--auth', 'none', '--bind-addr', `127.0.0.1:${port}`,
    '--disable-telemetry', '--disable-update-check', '--disable-workspace-trust', '--disable-getting-started-override',
    '--extensions-dir', EXT, '--user-data-dir', DATA, WS], { stdio: ['ignore', 'pipe', 'pipe'] });
  let csOut = '';
  cs.stdout.on('data', (d) => { csOut += d; });
  cs.stderr.on('data', (d) => { csOut += d; });
  const browser = await chromium.launch({
    executablePath: env('CHROMIUM'), headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
      '--disable-sync', '--no-first-run', '--disable-dev-shm-usage'],
  });
  let page;
  try {
    for (let i = 0; i < 600 && !/HTTP server listening/.test(csOut); i++) await new Promise((r) => setTimeout(r, 50));
    if (!/HTTP server listening/.test(csOut)) throw new Error('code-server did not start');
    log(`code-server listening on ${port}`);
    page = await browser.newPage({ viewport: { width: 1100, height: 560 } });
    await page.goto(`http://127.0.0.1:${port}/?folder=${encodeURIComponent(WS)}`);
    await page.waitForSelector('.monaco-workbench', { timeout: 60000 });
    log('workbench loaded');

    // Open the file with Quick Open.
    await page.waitForTimeout(500);
    await page.keyboard.press('Control+P');
    await page.waitForSelector('.quick-input-widget input', { state: 'visible', timeout: 15000 });
    await page.keyboard.type('demo.py');
    await page.waitForSelector('.quick-input-list .monaco-list-row', { timeout: 15000 });
    await page.keyboard.press('Enter');
    await page.waitForSelector('.monaco-editor .view-lines:has-text("def add")', { timeout: 15000 });
    await page.click('.monaco-editor .view-lines');
    await page.keyboard.press('Control+End');
    log('editor open');

    // The extension starts on onStartupFinished and the server must answer initialize first,
    // so edit (a space and its deletion) until the ghost text shows.
    let shown = false;
    for (let attempt = 0; attempt < 30 && !shown; attempt++) {
      await page.keyboard.type(' ');
      await page.keyboard.press('Backspace');
      shown = await page.waitForSelector('.ghost-text-decoration', { timeout: 1500 }).then(() => true, () => false);
    }
    if (!shown) throw new Error('no ghost text');
    const ghost = (await page.$$eval('.ghost-text-decoration, .ghost-text', (els) => els.map((e) => e.textContent).join('')))
      .replace(/\u00a0/g, ' ');
    log(`ghost text: ${JSON.stringify(ghost)}`);
    if (!ghost.includes(EXPECT)) throw new Error(`ghost text ${JSON.stringify(ghost)} lacks ${JSON.stringify(EXPECT)}`);
    const status = await page.$$eval('.statusbar-item', (els) => els.map((e) => e.textContent.trim()).filter((s) => s.includes('Inkling')));
    log(`status bar: ${JSON.stringify(status)}`);
    if (status.length === 0) throw new Error('no Inkling status bar item');
    await page.screenshot({ path: SHOT });
    log(`screenshot: ${SHOT}`);

    await page.keyboard.press('Tab');
    await page.keyboard.press('Control+S');
    const want = START + EXPECT;
    for (let i = 0; i < 100 && fs.readFileSync(FILE, 'utf8') !== want; i++) await page.waitForTimeout(100);
    const text = fs.readFileSync(FILE, 'utf8');
    log(`file on disk: ${JSON.stringify(text)}`);
    if (text !== want) throw new Error(`accept + save gave ${JSON.stringify(text)}, want ${JSON.stringify(want)}`);

    // The status command shows what the server says it uses: the endpoint came from the settings.
    await palette(page, 'Inkling: Show status');
    const endpoint = env('MODEL_ENDPOINT');
    const menu = await page.waitForFunction((ep) => {
      const title = document.querySelector('.quick-input-widget .quick-input-title');
      const input = document.querySelector('.quick-input-widget input');
      const text = `${title ? title.textContent : ''} | ${input ? input.placeholder : ''}`;
      return text.includes(ep) && text.includes('Inkling:') ? text : false;
    }, endpoint, { timeout: 10000 }).then((h) => h.jsonValue(), () => null);
    if (!menu) throw new Error('"Inkling: Show status" did not show the endpoint');
    log(`status menu: ${JSON.stringify(menu)}`);
    await page.keyboard.press('Escape');

    // "Inkling: Disable completions" changes the setting; the extension shows it at once and passes it
    // on (didChangeConfiguration); the server then reports itself off in "Inkling: Show status".
    await palette(page, 'Inkling: Disable completions');
    const off = await page.waitForFunction(() => [...document.querySelectorAll('.statusbar-item')]
      .some((e) => e.textContent.includes('Inkling') && e.querySelector('.codicon-circle-slash')), null, { timeout: 10000 })
      .then(() => true, () => false);
    if (!off) throw new Error('the status bar item does not show that completions are off');
    await palette(page, 'Inkling: Show status');
    const title = await page.waitForFunction(() => {
      const t = document.querySelector('.quick-input-widget .quick-input-title');
      return t && t.textContent.includes('completions off') ? t.textContent : false;
    }, null, { timeout: 10000 }).then((h) => h.jsonValue(), () => null);
    if (!title) throw new Error('the server does not report completions off after "Inkling: Disable completions"');
    log(`after "Inkling: Disable completions": ${JSON.stringify(title)}`);
    await page.keyboard.press('Escape');
    log('PASS');
    return 0;
  } catch (e) {
    log('FAIL: ' + (e.stack || e));
    if (page) await page.screenshot({ path: SHOT.replace(/\.png$/, '-fail.png') }).catch(() => {});
    log('code-server output (tail):\n' + csOut.slice(-3000));
    const logs = path.join(DATA, 'logs');
    if (fs.existsSync(logs)) log('VS Code logs in ' + logs);
    return 1;
  } finally {
    await browser.close().catch(() => {});
    cs.kill();
  }
}

main().then((code) => process.exit(code), (e) => { console.error(e); process.exit(2); });
