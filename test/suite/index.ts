/**
 * Mocha runner loaded by the VS Code extension host (`extensionTestsPath` -> out/test/suite/index.js).
 * Runs every compiled `*.test.js` beside this file and ends with the plain line `N passed, N failed`,
 * which scripts/run-tests.mjs (and CI) read; mocha's own summary is not parsed.
 */
import * as fs from 'fs';
import * as path from 'path';
import Mocha from 'mocha';

export function run(): Promise<void> {
  return runSuite(__dirname);
}

/** Runs every `*.test.js` in `dir` (test/suite-untrusted/index.ts runs its own folder the same way). */
export function runSuite(dir: string): Promise<void> {
  const mocha = new Mocha({ ui: 'tdd', color: false, timeout: 120_000, slow: 10_000 });
  const grep = process.env.PERTURBER_TEST_GREP;
  if (grep) mocha.grep(grep);
  for (const file of fs.readdirSync(dir).filter((f) => f.endsWith('.test.js')).sort()) {
    mocha.addFile(path.join(dir, file));
  }
  return new Promise((resolve, reject) => {
    try {
      const runner = mocha.run((failures) => {
        const passed = runner.stats?.passes ?? 0;
        const failed = runner.stats?.failures ?? failures;
        console.log(`${passed} passed, ${failed} failed`);
        if (failed > 0) reject(new Error(`${failed} extension test(s) failed`));
        else resolve();
      });
    } catch (err) {
      console.error(err);
      console.log('0 passed, 1 failed');
      reject(err);
    }
  });
}
