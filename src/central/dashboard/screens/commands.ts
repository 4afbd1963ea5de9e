/**
 * A signed command's page (`/commands/<id>`): "waiting for the door" until the door's signed reply is stored, then the
 * reply in analysts' words: accepted with the visit (a link to its page) or refused with the door's reason. The
 * status re-fetches when the live feed says `command:<id>` and, as a fallback, every few seconds (another receiver
 * sharing the database may be the one that stored the reply); it stops once the reply is shown. Times in the centre's
 * zone. A command of a site out of the user's scope answers 404.
 */
import type { Context } from 'hono';
import { parsePayload, replyMessageSchema, type RejectReason } from '../../../protocol/messages.js';
import type { CommandRecord } from '../../store.js';
import type { DashboardContext, DashboardEnv, DashboardScreen } from '../context.js';
import type { DashKey, DashTranslate } from '../i18n/index.js';
import { allowed, errorPage, h, page, siteAllowed, when, type Html } from '../view.js';
import { stateText, visitPath } from './visits.js';
import { COMMAND_TTL_SECONDS } from './visit-parts.js';

/** How often a waiting command page asks again without a live notice (ms). */
export const COMMAND_POLL_SECONDS = 5;

/** Route of a command (ids as `buildCommand` makes them). */
const COMMAND_ROUTE = '/commands/:id{[A-Za-z0-9_-]{8,64}}';

const ACTIONS: Record<string, DashKey> = { preregister: 'command.action.preregister', revoke: 'command.action.revoke', approve: 'command.action.approve', deny: 'command.action.deny' };

/** The command's status: waiting (live), expired, accepted or refused. */
function status(t: DashTranslate, cmd: CommandRecord, tz: string, now: number): Html {
  const reply = cmd.reply ? parsePayload(replyMessageSchema, cmd.reply) : null;
  const expires = cmd.issuedAt + (COMMAND_TTL_SECONDS[cmd.action as keyof typeof COMMAND_TTL_SECONDS] ?? 3600) * 1000;
  const sent = h`<p>${t('command.sent', { at: when(cmd.issuedAt, tz), expires: when(expires, tz) })}</p>`;
  if (!reply) {
    const expired = now > expires;
    return h`<section id="command-status" ${expired ? '' : h`hx-get="/commands/${cmd.id}/status" hx-trigger="sse:command:${cmd.id}, every ${COMMAND_POLL_SECONDS}s" hx-swap="outerHTML"`} role="status" aria-live="polite">
${sent}<p class="${expired ? 'error' : 'waiting'}" data-state="${expired ? 'expired' : 'waiting'}">${expired ? t('command.expired') : t('command.waiting')}</p></section>`;
  }
  const at = when(Date.parse(reply.at), tz);
  if (reply.ok) {
    const visit = reply.visit ?? '';
    return h`<section id="command-status" role="status" aria-live="polite">${sent}
<p class="notice" data-state="accepted">${t('command.accepted', { at, visit, state: stateText(t, reply.state ?? '') })}</p>
${visit ? h`<p><a href="${visitPath(cmd.site, cmd.door, visit)}">${t('command.acceptedLink', { visit })}</a></p>` : ''}</section>`;
  }
  const reason = reply.rejected ? t(`command.rejected.${reply.rejected as RejectReason}`) : (reply.error ?? '');
  return h`<section id="command-status" role="status" aria-live="polite">${sent}
<p class="error" data-state="refused">${t('command.refused', { at, reason })}</p></section>`;
}

/** Routes of the command pages. */
export const commandsScreen: DashboardScreen = (app, ctx) => {
  const commandOf = async (c: Context<DashboardEnv>): Promise<CommandRecord | Response> => {
    const cmd = await ctx.store.command(c.req.param('id') ?? '');
    if (!cmd || !siteAllowed(c, cmd.site)) return errorPage(c, ctx, 404, c.get('t')('command.notFound'));
    return cmd;
  };

  app.get(COMMAND_ROUTE, allowed(ctx, 'visits.view'), async (c) => {
    const cmd = await commandOf(c);
    if (cmd instanceof Response) return cmd;
    const t = c.get('t');
    const title = t('command.title', { action: ACTIONS[cmd.action] ? t(ACTIONS[cmd.action]!) : cmd.action, site: cmd.site, door: cmd.door });
    return page(c, ctx, { title, active: '/visits', body: h`${status(t, cmd, ctx.settings.timeZone, ctx.now())}<p><a href="/visits">${t('visits.title')}</a></p>` });
  });

  app.get(`${COMMAND_ROUTE}/status`, allowed(ctx, 'visits.view'), async (c) => {
    const cmd = await commandOf(c);
    if (cmd instanceof Response) return cmd;
    return c.html(status(c.get('t'), cmd, ctx.settings.timeZone, ctx.now()));
  });
};
