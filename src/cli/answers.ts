/**
 * What the CLI asks the person at the keyboard: on a terminal, questions on stderr and PINs typed without echo (a new
 * PIN twice); for scripts (stdin not a terminal), one answer per stdin line in the order the questions are asked (a
 * new PIN once). Answers are never printed or logged.
 */
import { readFileSync } from 'node:fs';
import { UserError } from '../domain/errors.js';
import { pinProblem } from '../domain/pin.js';

/** Questions to the person running a command. */
export class Answers {
  private lines: string[] | null = null;

  /** Whether stdin is a terminal (then questions are asked; otherwise answers are read from stdin's lines). */
  get tty(): boolean {
    return Boolean(process.stdin.isTTY);
  }

  /** A visible answer (a name, a badge UID): asked on a terminal; `missing` is the error when stdin is not one. */
  async text(question: string, missing: string): Promise<string> {
    if (!this.tty) throw new UserError(missing);
    process.stderr.write(question);
    return (await this.typed(true)).trim();
  }

  /** A PIN already set (`whose` names it, e.g. "PIN of head O1"): typed without echo, or the next stdin line. */
  async pin(whose: string): Promise<string> {
    if (!this.tty) return this.nextLine(whose);
    process.stderr.write(`${whose}: `);
    return this.typed(false);
  }

  /** A new PIN for `whose` (e.g. "officer O2"), checked by the PIN rules; on a terminal typed twice. */
  async newPin(whose: string): Promise<string> {
    const pin = this.tty ? (process.stderr.write(`new PIN for ${whose} (6-12 digits): `), await this.typed(false)) : this.nextLine(`the new PIN for ${whose}`);
    const problem = pinProblem(pin);
    if (problem) throw new UserError(problem, { field: 'pin' });
    if (this.tty) {
      process.stderr.write(`new PIN for ${whose} again: `);
      if ((await this.typed(false)) !== pin) throw new UserError('the two PINs typed differ; nothing was changed');
    }
    return pin;
  }

  /** A new password for `whose`, checked by `problem`; on a terminal typed twice without echo, else the next stdin line. */
  async newPassword(whose: string, problem: (pw: string) => string | null): Promise<string> {
    const pw = this.tty ? (process.stderr.write(`new password for ${whose}: `), await this.typed(false)) : this.nextLine(`the new password for ${whose}`);
    const why = problem(pw);
    if (why) throw new UserError(why, { field: 'password' });
    if (this.tty) {
      process.stderr.write(`new password for ${whose} again: `);
      if ((await this.typed(false)) !== pw) throw new UserError('the two passwords typed differ; nothing was changed');
    }
    return pw;
  }

  /** The next line of stdin (all of stdin is read at the first call), or a UserError naming what was expected. */
  private nextLine(what: string): string {
    this.lines ??= readFileSync(0, 'utf8').split(/\r?\n/);
    const line = this.lines.shift();
    if (line === undefined || line === '') throw new UserError(`${what} was expected on stdin (one answer per line)`);
    return line;
  }

  /** One line typed on the terminal, echoed only when `echo` (Ctrl-C stops the command, exit 130). */
  private typed(echo: boolean): Promise<string> {
    const stdin = process.stdin;
    return new Promise((resolve) => {
      let text = '';
      stdin.setRawMode(true);
      stdin.resume();
      stdin.setEncoding('utf8');
      const done = (): void => {
        stdin.setRawMode(false);
        stdin.pause();
        stdin.off('data', onData);
        process.stderr.write('\n');
      };
      const onData = (chunk: string): void => {
        for (const ch of chunk) {
          if (ch === '\u0003') { done(); process.exit(130); }
          if (ch === '\r' || ch === '\n' || ch === '\u0004') { done(); resolve(text); return; }
          if (ch === '\u007f' || ch === '\b') {
            if (text.length > 0) { text = text.slice(0, -1); if (echo) process.stderr.write('\b \b'); }
          } else if (ch >= ' ') {
            text += ch;
            if (echo) process.stderr.write(ch);
          }
        }
      };
      stdin.on('data', onData);
    });
  }
}
