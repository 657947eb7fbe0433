// Installs a packaged .vsix into a fresh code-server (its own XDG dirs and extensions folder) and checks, through
// the UI, that the installed extension activates and runs inference with the packaged onnxruntime binaries:
// the teapot scene opens in the scene editor and the predictions panel paints results.
import { join } from 'node:path';
import { launchChromium } from './browser.mjs';
import { installExtension, newRunDir, startCodeServer, workbenchUrl } from './codeServer.mjs';
import { copySamples } from './extensionTests.mjs';
import { bundleFrame, openWorkbench, quickOpen, runCommand, waitForFrameIdAbove } from '../test/ui/workbench.mjs';

export async function verifyVsix(vsix) {
  const runDir = newRunDir('vsix');
  const extensionsDir = join(runDir, 'extensions');
  const t0 = Date.now();
  console.log(installExtension(vsix, { runDir, extensionsDir }).trim());
  const workspace = copySamples(runDir);
  const server = await startCodeServer({ workspace, runDir, extensionsDir });
  const browser = await launchChromium();
  try {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    await openWorkbench(page, workbenchUrl(server, { folder: workspace }));
    await quickOpen(page, 'teapot.perturber.json');
    const scene = await bundleFrame(page, 'scene', 60_000);
    await scene.locator('canvas#view').waitFor({ state: 'visible', timeout: 30_000 });
    await runCommand(page, 'Show Predictions');
    const pred = await bundleFrame(page, 'predictions', 30_000);
    await waitForFrameIdAbove(pred, 'predictions from the installed extension', 0, 60_000);
    await page.screenshot({ path: join(runDir, 'vsix.png') });
    console.log(`verify: the installed vsix activated and classified a frame (${((Date.now() - t0) / 1000).toFixed(1)} s; ${runDir})`);
  } finally {
    await browser.close().catch(() => {});
    await server.stop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  if (!process.argv[2]) {
    console.error('usage: node scripts/verifyVsix.mjs x.vsix');
    process.exit(2);
  }
  verifyVsix(process.argv[2]).catch((err) => {
    console.error(`verify: ${err.stack ?? err}`);
    process.exit(1);
  });
}
