/**
 * Issue 15 in `pintu desk`: with a desk reader that proves cards (`secure: ntag424`), an enrolled secure badge is taken
 * back only from the card itself (its tap must prove the key, the rule the console's desk uses: desk-tap-proof.test.ts);
 * a typed label checks nothing, so it is refused for an enrolled badge and nothing is recorded. A badge known by UID
 * only, and any badge at a desk reader of UIDs only, is taken back as before.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addOfficerCli, pintu, pintuJson, setupHead } from '../helpers/cli.js';
import { tempConfig, testNik, type TempConfig } from '../helpers/config.js';
import { openStore, visitService } from '../../src/main.js';

const ENROLLED = '04C1C2C3C4C5C6';
const PLAIN = '1B00000002';

/** A door with TAMU-01 (enrolled secure badge) and TAMU-02 (UID only), each issued to a visit; the visits' ids. */
function door(deskSecure: boolean): { tc: TempConfig; visits: Record<string, string> } {
  const tc = tempConfig({ readers: [{ id: 'in', direction: 'in', kind: 'sim' }, { id: 'desk', direction: 'desk', kind: 'sim', ...(deskSecure ? { secure: 'ntag424' } : {}) }] });
  setupHead(tc.file, 'Head', '0A00000001');
  addOfficerCli(tc.file, 'Staff', 'staff', '0A00000003');
  pintuJson(tc.file, ['badge', 'add', '--uid', ENROLLED, '--label', 'TAMU-01']);
  pintuJson(tc.file, ['badge', 'add', '--uid', PLAIN, '--label', 'TAMU-02']);
  const store = openStore(tc.config);
  const visits: Record<string, string> = {};
  try {
    store.saveSecureBadge({ uid: ENROLLED, keyVersion: 1, holder: 'pool', enrolledAt: Date.now() }, 'O1');
    const vs = visitService(tc.config, store);
    for (const [i, label] of ['TAMU-01', 'TAMU-02'].entries()) {
      const v = vs.request({ name: `Visitor ${i}`, nik: testNik(40 + i), org: 'PT Contoh', purpose: 'audit', devices: [], by: 'O2' });
      vs.check(v.id, 'O2');
      vs.approve(v.id, 'O1');
      vs.issue(v.id, label, 'O2', { rulesAcknowledged: true });
      visits[label] = v.id;
    }
  } finally {
    store.db.close();
  }
  return { tc, visits };
}

describe('pintu desk with a secure desk reader', () => {
  let d: ReturnType<typeof door>;
  beforeAll(() => { d = door(true); }, 60_000);
  afterAll(() => d.tc.cleanup());

  it('refuses to take an enrolled badge back by its typed label; a UID-only badge is taken back as before', () => {
    let r = pintu(d.tc.file, ['desk', '--by', 'O2'], '3\nTAMU-01\nq\n');
    expect(r.stdout).toContain('badge TAMU-01 is a secure badge: tap the returned card on the desk reader (it must prove its key); nothing was recorded');
    expect(pintuJson(d.tc.file, ['visit', 'show', d.visits['TAMU-01']!])).toMatchObject({ state: 'issued', badgeUid: ENROLLED });
    r = pintu(d.tc.file, ['desk', '--by', 'O2'], '3\nTAMU-02\nsame\nq\n');
    expect(r.stdout).toMatch(/checked out; badge TAMU-02 back in the pool/);
  }, 60_000);
});

describe('pintu desk with a desk reader of UIDs only', () => {
  let d: ReturnType<typeof door>;
  beforeAll(() => { d = door(false); }, 60_000);
  afterAll(() => d.tc.cleanup());

  it('takes an enrolled badge back by its label as before (it cannot verify; pintu health says so)', () => {
    const r = pintu(d.tc.file, ['desk', '--by', 'O2'], '3\nTAMU-01\nsame\nq\n');
    expect(r.stdout).toMatch(/checked out; badge TAMU-01 back in the pool/);
    const health = pintu(d.tc.file, ['health', '--json']);
    expect(health.stdout).toContain('desk reader desk (secure: false) cannot verify returned secure badges (1 enrolled)');
  }, 60_000);
});
