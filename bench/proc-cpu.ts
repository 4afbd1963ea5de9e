/**
 * CPU time of the bench's child processes, from /proc (Linux): so a figure measured on a loaded, shared machine also
 * says what it cost (CPU-seconds per 1,000 events), which does not depend on how busy the other sessions were.
 */
import { readdirSync, readFileSync } from 'node:fs';

/** Clock ticks per second of /proc/PID/stat (Linux's USER_HZ: 100 on every architecture Debian ships). */
const TICKS = 100;

interface Stat { pid: number; ppid: number; comm: string; self: number; reaped: number }

function stat(pid: number): Stat | null {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const close = s.lastIndexOf(')');
    const f = s.slice(close + 2).split(' ');
    // After "pid (comm) ": state ppid … utime(14) stime(15) cutime(16) cstime(17), counted from field 3.
    return { pid, ppid: Number(f[1]), comm: s.slice(s.indexOf('(') + 1, close), self: (Number(f[11]) + Number(f[12])) / TICKS, reaped: (Number(f[13]) + Number(f[14])) / TICKS };
  } catch {
    return null;
  }
}

function all(): Stat[] {
  const out: Stat[] = [];
  for (const d of readdirSync('/proc')) if (/^\d+$/.test(d)) { const s = stat(Number(d)); if (s) out.push(s); }
  return out;
}

/** CPU-seconds used so far by each group: a process and its descendants (with the children they already reaped). */
export function cpuByGroup(groups: Record<string, number[]>): Record<string, number> {
  const procs = all();
  const kids = new Map<number, Stat[]>();
  for (const p of procs) kids.set(p.ppid, [...(kids.get(p.ppid) ?? []), p]);
  const byPid = new Map(procs.map((p) => [p.pid, p]));
  const tree = (pid: number): number => {
    const p = byPid.get(pid);
    if (!p) return 0;
    return p.self + p.reaped + (kids.get(pid) ?? []).reduce((s, k) => s + tree(k.pid), 0);
  };
  return Object.fromEntries(Object.entries(groups).map(([name, pids]) => [name, pids.reduce((s, pid) => s + tree(pid), 0)]));
}

/** Pids of this process's children whose command is `comm` (e.g. the broker and the PostgreSQL server it started). */
export function childrenNamed(comm: string): number[] {
  return all().filter((p) => p.ppid === process.pid && p.comm === comm).map((p) => p.pid);
}
