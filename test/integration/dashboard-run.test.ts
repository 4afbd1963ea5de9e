/**
 * `pintu central run` serves the dashboard (issue 13): a real Mosquitto, the centre and two doors; an account made with
 * `pintu central user add` (password on stdin, never an argument, never printed) signs in on the port the centre logs.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ConsoleClient } from '../helpers/console.js';
import { centreDashboard, cleanupWorlds, outputs, TEST_MS, world } from '../helpers/central-world.js';
import { pintu } from '../helpers/cli.js';

afterEach(cleanupWorlds);

describe('pintu central run with the dashboard', () => {
  it('serves the dashboard; central user add makes an account that signs in; the password is never printed', async () => {
    const w = await world(true);
    const { url } = await centreDashboard(w, { id: 'ani', role: 'analyst' });
    const c = new ConsoleClient(url);
    await c.get('/signin');
    const r = await c.post('/signin', { user: 'ani', password: 'kata-sandi-uji-1' });
    expect(r.status).toBe(303);
    expect((await c.get('/fleet')).status).toBe(200);
    const list = pintu(w.centreYaml, ['central', 'user', 'list']);
    expect(list.stdout).toMatch(/^ani\s+analyst\s+active\s+no-totp\s+\*/m);
    expect(list.stdout + outputs.get(w.centre!)!()).not.toContain('kata-sandi-uji-1');
    const weak = pintu(w.centreYaml, ['central', 'user', 'add', 'budi', '--name', 'Budi', '--role', 'head'], 'pendek\n');
    expect(weak.code).toBe(2);
    expect(weak.stderr).toContain('at least 10 characters');
    const role = pintu(w.centreYaml, ['central', 'user', 'add', 'budi', '--name', 'Budi', '--role', 'boss'], 'kata-sandi-panjang\n');
    expect(role.code).toBe(2);
    expect(role.stderr).toContain('role "boss" is not one of helpdesk, analyst, subhead, head');
  }, TEST_MS);
});
