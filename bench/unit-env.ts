/**
 * The environment systemd/pintu.service gives the daemon (`Environment=` lines), so that benches start `pintu run`
 * with exactly the production unit's Node flags.
 */

/** Parse `Environment=` lines of a unit: `K=V`, `"K=V with spaces"`, several assignments per line; later lines win. */
export function unitEnvironment(unitText: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of unitText.split('\n')) {
    const m = /^\s*Environment=(.*)$/.exec(line);
    if (!m) continue;
    for (const a of m[1]!.match(/"[^"]*"|\S+/g) ?? []) {
      const kv = a.startsWith('"') ? a.slice(1, -1) : a;
      const eq = kv.indexOf('=');
      if (eq > 0) env[kv.slice(0, eq)] = kv.slice(eq + 1);
    }
  }
  return env;
}
