/** Polling helpers shared by the extension tests (not a test file: index.ts loads only `*.test.js`). */

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Polls `probe` (sync or async) every 200 ms until it returns something other than undefined or false, and returns
 * that; after `timeoutMs` throws, naming `what` and, when given, what `describe` says was last seen.
 */
export async function waitFor<T>(
  what: string,
  probe: () => T | undefined | false | Promise<T | undefined | false>,
  timeoutMs = 60_000,
  describe?: () => string,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}${describe ? `; last seen: ${describe()}` : ''}`);
    }
    await sleep(200);
  }
}
