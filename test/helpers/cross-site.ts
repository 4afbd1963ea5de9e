/**
 * Another site for CSRF tests: a tiny HTTP server on loopback whose page posts a form (auto-submitted by its own
 * script) to a target URL, as a malicious page an officer opens in another tab would. Reach it as `http://localhost:P`
 * (another site than `127.0.0.1`) or `http://127.0.0.1:P` (the same site, another origin).
 */
import { createServer, type Server } from 'node:http';

/** A running attacker site. */
export interface CrossSite {
  /** Its port on loopback. */
  port: number;
  /** Set the form the page posts: target URL and fields (no CSRF token, or a wrong one). */
  aim(action: string, fields: Record<string, string>): void;
  /** Stop it. */
  close(): Promise<void>;
}

const esc = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** Start the attacker site on a free loopback port. */
export async function startCrossSite(): Promise<CrossSite> {
  let form = { action: 'about:blank', fields: {} as Record<string, string> };
  const server: Server = createServer((req, res) => {
    if (req.url === '/go.js') {
      res.writeHead(200, { 'content-type': 'text/javascript' });
      res.end("document.getElementById('f').submit();");
      return;
    }
    const inputs = Object.entries(form.fields).map(([k, v]) => `<input type="hidden" name="${esc(k)}" value="${esc(v)}">`).join('');
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(`<!doctype html><html lang="en"><head><title>Prize</title></head><body><form id="f" method="post" action="${esc(form.action)}">${inputs}</form><script src="/go.js"></script></body></html>`);
  });
  await new Promise<void>((resolve, reject) => { server.once('error', reject); server.listen(0, '127.0.0.1', () => resolve()); });
  const port = (server.address() as { port: number }).port;
  return {
    port,
    aim(action, fields) { form = { action, fields }; },
    close: () => new Promise<void>((resolve) => { server.close(() => resolve()); server.closeAllConnections(); }),
  };
}
