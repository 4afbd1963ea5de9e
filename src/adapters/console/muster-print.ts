/**
 * The muster list as one printable HTML document (A4, its CSS inline, no script, nothing fetched), for `pintu muster
 * --html` when the console cannot be reached: the same catalogue texts as the console's `/muster` page, every time in
 * the site's zone with its abbreviation and offset. No NIK, phone or KTP: names, institution, badge, escort, devices.
 */
import type { MusterList } from '../../domain/muster.js';
import { Catalogue, type Lang, type MessageKey } from './i18n/index.js';
import { h, when, zoneLabel, type Html } from './view.js';

/** What the document says besides the list. */
export interface MusterPrintOptions {
  /** The site id. */
  site: string;
  /** The site's IANA time zone. */
  timeZone: string;
  /** The document's language. */
  lang: Lang;
}

const CSS = `
@page { size: A4; margin: 14mm; }
body { font: 11pt/1.35 system-ui, sans-serif; color: #000; margin: 1rem; }
h1 { font-size: 16pt; margin: 0 0 .3rem; } h2 { font-size: 13pt; margin: 1rem 0 .3rem; }
table { border-collapse: collapse; width: 100%; } th, td { border: 1px solid #555; padding: 3px 5px; text-align: left; vertical-align: top; }
th { background: #eee; } ul { margin: 0; padding-left: 1rem; } .muted { color: #333; font-size: 9pt; }
@media print { body { margin: 0; } tr { break-inside: avoid; } }
`;

/** The whole document. */
export function musterDocument(m: MusterList, o: MusterPrintOptions): string {
  const t = new Catalogue().translator(o.lang);
  const tz = o.timeZone;
  const devices = (list: MusterList['visitors'][number]['devices']): Html => (list.length === 0
    ? h`${t('visit.noDevices')}`
    : h`<ul>${list.map((d) => h`<li>${d.description} (${t('muster.serial', { serial: d.serial })})</li>`)}</ul>`);
  const doc = h`<!doctype html>
<html lang="${o.lang}">
<head><meta charset="utf-8"><title>${t('muster.title')} — ${m.door}</title><style>${CSS}</style></head>
<body>
<main>
<h1>${t('muster.title')}</h1>
<p>${t('app.site', { door: m.door, site: o.site })} — ${t('muster.printed', { time: when(m.at, tz) })}</p>
<p><strong>${t('inside.summary', { visitors: m.visitors.length, officers: m.officers.length })}</strong></p>
<h2>${t('inside.visitors')}</h2>
${m.visitors.length === 0 ? h`<p>${t('inside.noVisitors')}</p>` : h`<table class="muster-visitors"><thead><tr>
<th scope="col">${t('muster.no')}</th><th scope="col">${t('inside.visitor')}</th><th scope="col">${t('inside.org')}</th><th scope="col">${t('inside.badge')}</th><th scope="col">${t('inside.escort')}</th><th scope="col">${t('inside.devices')}</th><th scope="col">${t('inside.since')}</th><th scope="col">${t('inside.visit')}</th>
</tr></thead><tbody>${m.visitors.map((v, i) => h`<tr data-visit="${v.visit}"><td>${i + 1}</td><td>${v.name}</td><td>${v.org}</td><td>${v.badge ?? '-'}</td><td>${v.escort?.name ?? t('inside.noEscort')}</td><td>${devices(v.devices)}</td><td>${when(v.since, tz)}</td><td>${v.visit}</td></tr>`)}</tbody></table>`}
<h2>${t('inside.officers')}</h2>
${m.officers.length === 0 ? h`<p>${t('inside.noOfficers')}</p>` : h`<table class="muster-officers"><thead><tr>
<th scope="col">${t('muster.no')}</th><th scope="col">${t('inside.officer')}</th><th scope="col">${t('inside.role')}</th><th scope="col">${t('inside.since')}</th></tr></thead>
<tbody>${m.officers.map((x, i) => h`<tr data-officer="${x.id}"><td>${i + 1}</td><td>${x.name}</td><td>${t(`role.${x.role}` as MessageKey)}</td><td>${when(x.since, tz)}</td></tr>`)}</tbody></table>`}
<p class="muted">${t('muster.local')} ${t('time.zone', { zone: zoneLabel(tz, m.at) })}</p>
</main>
</body>
</html>
`;
  return String(doc);
}
