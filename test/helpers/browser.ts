import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type Browser, chromium, type Page } from 'playwright-core';

const CHROMIUM = '/usr/bin/chromium';

/** Debian's chromium, installed when missing and running as root (as findEtcd installs etcd); never a downloaded browser. */
export function findChromium(): string {
  if (existsSync(CHROMIUM)) return CHROMIUM;
  if (process.getuid?.() === 0) {
    execFileSync('sh', ['-c', 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null'], {
      stdio: 'inherit',
    });
    if (existsSync(CHROMIUM)) return CHROMIUM;
  }
  throw new Error(`chromium not found at ${CHROMIUM}: install Debian's chromium package (apt-get install chromium) as root`);
}

/**
 * Headless Chromium driven by playwright-core. playwright-core gives every launch a fresh temporary
 * profile (its own --user-data-dir, removed on close); the flags keep Chromium from reaching out
 * to the network, which this machine's closed network refuses.
 */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: findChromium(),
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

export interface WatchedPage {
  readonly page: Page;
  /** Dialogs opened (alert() from an injected script would open one), page errors, CSP violations. */
  readonly incidents: string[];
}

/** A page in a context of its own (its own cookies: one user), recording anything a script did that it should not. */
export async function watchedPage(browser: Browser): Promise<WatchedPage> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'en-GB', timezoneId: 'UTC' });
  const page = await context.newPage();
  page.setDefaultTimeout(10_000);
  const incidents: string[] = [];
  page.on('dialog', (dialog) => {
    incidents.push(`dialog: ${dialog.message()}`);
    void dialog.dismiss();
  });
  page.on('pageerror', (error) => incidents.push(`page error: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error' && !/Failed to load resource/.test(message.text())) incidents.push(`console: ${message.text()}`);
  });
  return { page, incidents };
}

const images = fileURLToPath(new URL('../../docs/images/', import.meta.url));

/** A screenshot for docs/console.md, taken by the test that drove the page, so it shows what the console does. */
export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(images, { recursive: true });
  await page.screenshot({ path: `${images}console-${name}.png`, fullPage: false, animations: 'disabled', caret: 'hide' });
}
