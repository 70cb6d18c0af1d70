// The Inkling extension: starts `inkling serve` with vscode-languageclient, whose built-in
// InlineCompletionItemFeature turns the server's textDocument/inlineCompletion answers into
// ghost text. This file adds what the client library does not: finding the binary, passing
// settings (and the API key from secret storage), a status bar item fed by the server's
// didChangeStatus notification, and commands.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as vscode from 'vscode';
import {
  DidChangeConfigurationNotification,
  LanguageClient,
  LanguageClientOptions,
  ServerOptions,
  State,
  TransportKind,
} from 'vscode-languageclient/node';

const SECTION = 'inkling';
const API_KEY_SECRET = 'inkling.apiKey';

// What the server sends in didChangeStatus and answers to inkling/status.
interface ServerStatus {
  kind?: 'Normal' | 'Warning' | 'Error' | 'Inactive';
  message?: string;
  busy?: boolean;
  enabled?: boolean;
  provider?: string;
  model?: string;
  endpoint?: string;
  // The offline engine's model (inkling/status only).
  offline?: { files?: number; bytes?: number; maxBytes?: number; skipped?: number };
}

let client: LanguageClient | undefined;
let statusItem: vscode.StatusBarItem;
let output: vscode.LogOutputChannel;
let lastStatus: ServerStatus = {};
let starting = false;
let ctx: vscode.ExtensionContext;

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  ctx = context;
  output = vscode.window.createOutputChannel('Inkling', { log: true });
  statusItem = vscode.window.createStatusBarItem('inkling.status', vscode.StatusBarAlignment.Right, 100);
  statusItem.name = 'Inkling';
  statusItem.command = 'inkling.status';
  context.subscriptions.push(output, statusItem);

  const cmd = (name: string, fn: (...args: unknown[]) => unknown) =>
    context.subscriptions.push(vscode.commands.registerCommand(name, fn));
  cmd('inkling.enable', () => setEnabled(true));
  cmd('inkling.disable', () => setEnabled(false));
  cmd('inkling.toggle', () => setEnabled(!enabled()));
  cmd('inkling.trigger', () => vscode.commands.executeCommand('editor.action.inlineSuggest.trigger'));
  cmd('inkling.status', showStatusMenu);
  cmd('inkling.restart', restart);
  cmd('inkling.showLog', () => output.show(true));
  cmd('inkling.setApiKey', setApiKey);
  cmd('inkling.clearApiKey', async () => {
    await context.secrets.delete(API_KEY_SECRET);
    await pushSettings();
  });

  context.subscriptions.push(
    vscode.workspace.onDidChangeConfiguration(async (e) => {
      if (!e.affectsConfiguration(SECTION)) {
        return;
      }
      if (e.affectsConfiguration('inkling.path') || e.affectsConfiguration('inkling.args')) {
        await restart();
        return;
      }
      await pushSettings();
      render();
    }),
    context.secrets.onDidChange(async (e) => {
      if (e.key === API_KEY_SECRET) {
        await pushSettings();
      }
    }),
  );

  render();
  await start();
}

export async function deactivate(): Promise<void> {
  await stop();
}

function config(): vscode.WorkspaceConfiguration {
  return vscode.workspace.getConfiguration(SECTION);
}

function enabled(): boolean {
  return config().get<boolean>('enable', true);
}

async function setEnabled(on: boolean): Promise<void> {
  await config().update('enable', on, vscode.ConfigurationTarget.Global);
}

// settings is the object the server reads from initializationOptions and from the "inkling"
// section of didChangeConfiguration. Unset values are left out, so that the server's defaults
// and INKLING_* environment variables still apply.
async function settings(): Promise<Record<string, unknown>> {
  const c = config();
  const s: Record<string, unknown> = { enable: c.get<boolean>('enable', true) };
  for (const key of ['provider', 'endpoint', 'model', 'template']) {
    const v = c.get<string>(key);
    if (v) {
      s[key] = v;
    }
  }
  for (const key of ['temperature', 'maxTokens', 'debounceMs', 'timeoutMs', 'localMemoryMiB']) {
    const v = c.get<number | null>(key);
    if (typeof v === 'number') {
      s[key] = v;
    }
  }
  const budget = c.get<number | null>('context.budgetTokens');
  if (typeof budget === 'number') {
    s.context = { budgetTokens: budget };
  }
  const exclude = c.get<string[]>('exclude', []);
  if (exclude.length > 0) {
    s.exclude = exclude;
  }
  const key = await ctx.secrets.get(API_KEY_SECRET);
  if (key) {
    s.apiKey = key;
  }
  return s;
}

async function pushSettings(): Promise<void> {
  if (client && client.state === State.Running) {
    await client.sendNotification(DidChangeConfigurationNotification.type, {
      settings: { [SECTION]: await settings() },
    });
  }
}

// findBinary resolves inkling.path. A bare name is looked up on PATH; for the default name the
// extension also tries a binary shipped in its own bin/ folder and the usual `go install` places.
function findBinary(): string | undefined {
  let p = config().get<string>('path', 'inkling') || 'inkling';
  if (p.startsWith('~/')) {
    p = path.join(os.homedir(), p.slice(2));
  }
  const exe = process.platform === 'win32' && !p.endsWith('.exe') ? p + '.exe' : p;
  const usable = (f: string) => {
    try {
      fs.accessSync(f, fs.constants.X_OK);
      return fs.statSync(f).isFile();
    } catch {
      return false;
    }
  };
  if (path.isAbsolute(exe) || exe.includes('/') || exe.includes('\\')) {
    const abs = path.resolve(vscode.workspace.workspaceFolders?.[0]?.uri.fsPath ?? os.homedir(), exe);
    return usable(abs) ? abs : undefined;
  }
  const dirs = (process.env.PATH ?? '').split(path.delimiter).filter(Boolean);
  if (p === 'inkling') {
    dirs.push(
      ctx.asAbsolutePath('bin'),
      path.join(process.env.GOBIN ?? path.join(process.env.GOPATH ?? path.join(os.homedir(), 'go'), 'bin')),
      path.join(os.homedir(), '.local', 'bin'),
    );
  }
  return dirs.map((d) => path.join(d, exe)).find(usable);
}

async function start(): Promise<void> {
  if (client || starting) {
    return;
  }
  starting = true;
  lastStatus = { kind: 'Normal', busy: true, message: 'Starting' };
  render();
  try {
    const bin = findBinary();
    if (!bin) {
      lastStatus = { kind: 'Error', message: `inkling binary not found (inkling.path = "${config().get('path')}")` };
      render();
      const pick = await vscode.window.showErrorMessage(
        'Inkling: the inkling binary was not found. Install it with `go install github.com/inkling-ls/inkling/cmd/inkling@latest`, or set inkling.path.',
        'Open Settings',
      );
      if (pick) {
        await vscode.commands.executeCommand('workbench.action.openSettings', 'inkling.path');
      }
      return;
    }
    const args = config().get<string[]>('args', ['serve']);
    output.appendLine(`starting ${bin} ${args.join(' ')}`);
    const serverOptions: ServerOptions = { command: bin, args, transport: TransportKind.stdio };
    const clientOptions: LanguageClientOptions = {
      documentSelector: [{ scheme: 'file' }, { scheme: 'untitled' }],
      initializationOptions: await settings(),
      outputChannel: output,
      middleware: {
        provideInlineCompletionItems: (document, position, context, token, next) =>
          enabled() ? next(document, position, context, token) : null,
        // The same suggestions as completion items would duplicate the ghost text in the
        // suggest widget, so they are opt-in here (popup-only editors rely on them).
        provideCompletionItem: (document, position, context, token, next) =>
          config().get<boolean>('completionItems', false) ? next(document, position, context, token) : null,
      },
    };
    const c = new LanguageClient('inkling', 'Inkling', serverOptions, clientOptions);
    c.onDidChangeState((e) => {
      if (e.newState === State.Stopped && client === c) {
        lastStatus = { kind: 'Error', message: 'The server stopped. Run "Inkling: Restart server".' };
        render();
      }
    });
    client = c;
    await c.start();
    ctx.subscriptions.push(
      c.onNotification('didChangeStatus', (s: ServerStatus) => {
        lastStatus = { ...lastStatus, ...s, message: plain(s.message) };
        render();
      }),
    );
    lastStatus = { ...lastStatus, kind: 'Normal', busy: false, message: '' };
    await refreshStatus();
  } catch (err) {
    lastStatus = { kind: 'Error', message: `could not start the server: ${err}` };
    output.appendLine(String(err));
    render();
  } finally {
    starting = false;
  }
}

async function stop(): Promise<void> {
  const c = client;
  client = undefined;
  if (c) {
    try {
      await c.stop(2000);
    } catch (err) {
      output.appendLine(`stopping: ${err}`);
    }
  }
}

async function restart(): Promise<void> {
  await stop();
  await start();
}

// refreshStatus asks the server which provider and model it uses, for the tooltip.
async function refreshStatus(): Promise<void> {
  if (!client || client.state !== State.Running) {
    return;
  }
  try {
    const s = await client.sendRequest<ServerStatus>('inkling/status');
    lastStatus = { ...lastStatus, ...s, message: plain(s.message) };
  } catch (err) {
    output.appendLine(`inkling/status: ${err}`);
  }
  render();
}

// plain drops the "Inkling: " the server starts its messages with: the item already says it.
function plain(message?: string): string | undefined {
  return message?.replace(/^Inkling: /, '');
}

function render(): void {
  const s = lastStatus;
  let icon = '$(sparkle)';
  statusItem.backgroundColor = undefined;
  if (!enabled()) {
    icon = '$(circle-slash)';
  } else if (s.busy) {
    icon = '$(loading~spin)';
  } else if (s.kind === 'Error') {
    icon = '$(error)';
    statusItem.backgroundColor = new vscode.ThemeColor('statusBarItem.errorBackground');
  } else if (s.kind === 'Warning') {
    icon = '$(warning)';
    statusItem.backgroundColor = new vscode.ThemeColor('statusBarItem.warningBackground');
  } else if (s.kind === 'Inactive') {
    icon = '$(circle-outline)';
  }
  statusItem.text = `${icon} Inkling`;
  const lines = [enabled() ? 'Inkling: completions on' : 'Inkling: completions off'];
  if (s.provider || s.model) {
    lines.push(`${s.provider ?? '?'} · ${s.model ?? '?'}${s.endpoint ? ` · ${s.endpoint}` : ''}`);
  }
  if (s.message) {
    lines.push(s.message);
  }
  statusItem.tooltip = lines.join('\n');
  statusItem.show();
}

async function showStatusMenu(): Promise<void> {
  await refreshStatus();
  const s = lastStatus;
  const items: (vscode.QuickPickItem & { run: () => unknown })[] = [
    enabled()
      ? { label: '$(circle-slash) Disable completions', run: () => setEnabled(false) }
      : { label: '$(check) Enable completions', run: () => setEnabled(true) },
    { label: '$(key) Set API key…', run: setApiKey },
    { label: '$(debug-restart) Restart server', run: restart },
    { label: '$(output) Show log', run: () => output.show(true) },
    { label: '$(gear) Open settings', run: () => vscode.commands.executeCommand('workbench.action.openSettings', SECTION) },
  ];
  const pick = await vscode.window.showQuickPick(items, {
    title: `Inkling: ${s.kind ?? 'not running'}${s.enabled === false ? ', completions off' : ''}${s.message ? ` (${s.message})` : ''}`,
    placeHolder: [s.provider, s.model, s.endpoint, offlineSummary(s)].filter(Boolean).join(' · ') || 'provider unknown',
  });
  await pick?.run();
}

// offlineSummary describes the offline engine's model when it is the provider: how much it learnt
// and of its memory cap it holds, and whether the cap left files out.
function offlineSummary(s: ServerStatus): string | undefined {
  const o = s.offline;
  if (s.provider !== 'local' || !o || !o.maxBytes) {
    return undefined;
  }
  const mib = (n?: number) => Math.round((n ?? 0) / (1 << 20));
  const skipped = o.skipped ? `, ${o.skipped} files left out (raise inkling.localMemoryMiB)` : '';
  return `${o.files ?? 0} files learnt, ${mib(o.bytes)} of ${mib(o.maxBytes)} MiB${skipped}`;
}

async function setApiKey(): Promise<void> {
  const key = await vscode.window.showInputBox({
    title: 'Inkling: API key',
    prompt: 'Stored in VS Code secret storage and passed to the server; never written to settings.json.',
    password: true,
    ignoreFocusOut: true,
  });
  if (key !== undefined) {
    await ctx.secrets.store(API_KEY_SECRET, key);
  }
}
