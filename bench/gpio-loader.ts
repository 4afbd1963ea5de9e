/** Module resolve hook (registered by `gpio-hook.ts`): `onoff` resolves to the benchmark's fake door (`fake-onoff.ts`). */
const FAKE = new URL('./fake-onoff.js', import.meta.url).href;

/** Node's resolve hook: only `onoff` is redirected. */
export async function resolve(specifier: string, context: unknown, next: (s: string, c: unknown) => Promise<unknown>): Promise<unknown> {
  if (specifier === 'onoff') return { url: FAKE, shortCircuit: true };
  return next(specifier, context);
}
