/**
 * Mocha runner of the untrusted-workspace suite (`extensionTestsPath` -> out/test/suite-untrusted/index.js): the
 * same runner as test/suite, over the `*.test.js` files of this folder. scripts/run-tests.mjs starts code-server
 * with workspace trust on for it, so the folder opens in restricted mode.
 */
import { runSuite } from '../suite/index';

export function run(): Promise<void> {
  return runSuite(__dirname);
}
