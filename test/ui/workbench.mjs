// Driving the VS Code workbench (code-server) from playwright-core: quick open, the command palette, and
// finding our webviews. Shared by test/ui/e2e.test.mjs and scripts/verifyVsix.mjs.

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Loads the workbench URL and waits for its DOM. */
export async function openWorkbench(page, url) {
  await page.goto(url, { timeout: 60_000 });
  await page.locator('.monaco-workbench').waitFor({ state: 'visible', timeout: 60_000 });
}

/** Types into the quick input (Ctrl+P, or F1 for commands) and accepts the row showing `rowText`; retries while
 *  the extension host (commands) or file search (files) is still coming up. */
async function pickFromQuickInput(page, { key, text, rowText, attempts = 6, what }) {
  for (let attempt = 1; ; attempt++) {
    try {
      // A webview taking focus as it (re)loads can close the quick input between these steps: then start again.
      await page.keyboard.press(key);
      const input = page.locator('.quick-input-widget input');
      await input.waitFor({ state: 'visible', timeout: 10_000 });
      await input.fill(text, { timeout: 10_000 });
      const row = page.locator('.quick-input-list .monaco-list-row', { hasText: rowText }).first();
      await row.waitFor({ state: 'visible', timeout: 5_000 });
      await page.keyboard.press('Enter');
      return;
    } catch (err) {
      await page.keyboard.press('Escape');
      if (attempt >= attempts) throw new Error(`${what} "${rowText}" not offered after ${attempts} tries (last: ${err.message.split("\n")[0]})`);
      await sleep(2000);
    }
  }
}

export const quickOpen = (page, fileName) =>
  pickFromQuickInput(page, { key: 'Control+P', text: fileName, rowText: fileName, what: 'quick open: file' });

export const runCommand = (page, title) =>
  pickFromQuickInput(page, { key: 'F1', text: `>${title}`, rowText: title, what: 'command palette: command' });

/** The webview content frame (inside VS Code's `iframe.webview` -> `#active-frame`) whose document satisfies `probe`. */
export async function webviewFrame(page, what, probe, arg, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    for (const frame of page.frames()) {
      if (frame === page.mainFrame()) continue;
      try {
        if (await frame.evaluate(probe, arg)) return frame;
      } catch {
        /* detached or navigating */
      }
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for the ${what} webview`);
    await sleep(300);
  }
}

/** Our webview whose page loads dist/webview/<bundle>.js (scene | predictions | activations). */
export const bundleFrame = (page, bundle, timeoutMs) =>
  webviewFrame(page, bundle, (b) => !!document.querySelector(`script[src*="${b}.js"]`), bundle, timeoutMs);

/** `<body data-frame-id>` of a panel as a number, or undefined before its first paint. */
export async function bodyFrameId(frame) {
  const v = await frame.evaluate(() => document.body.dataset.frameId).catch(() => undefined);
  return v === undefined || v === '' ? undefined : Number(v);
}

export async function waitForFrameIdAbove(frame, what, min, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const last = await bodyFrameId(frame);
    if (last !== undefined && last > min) return last;
    if (Date.now() > deadline) throw new Error(`${what}: body[data-frame-id] is ${last} after ${timeoutMs / 1000} s (waiting for > ${min})`);
    await sleep(250);
  }
}
