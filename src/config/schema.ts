/**
 * The pintu configuration schema (one YAML file), and the one source of its defaults: each field says its default once,
 * a section left out gets them by parsing `{}` (`prefault`). config/pintu.example.yaml documents every key with this
 * default, and test/unit/config-defaults.test.ts checks it, the docs' quoted defaults and the services' fallbacks.
 * Each part of the program receives only its own slice (e.g. `ReaderConfig`, `GpioConfig`).
 */
import { z } from 'zod';
import { isTimeZone } from '../domain/time.js';
import { DEFAULT_STANDARDS } from '../domain/sop.js';
import { DEFAULT_RULES } from '../domain/rules.js';
import { publicKeyFromText } from '../protocol/signing.js';

/** An IANA time zone this Node knows (WIB Asia/Jakarta, WITA Asia/Makassar, WIT Asia/Jayapura). */
export const timeZoneSchema = z.string().refine(isTimeZone, 'is not a known IANA time zone (WIB Asia/Jakarta, WITA Asia/Makassar, WIT Asia/Jayapura)');

/** An Ed25519 public key as `pintu central keys show` prints it (base64 of 32 bytes) or a PEM block. */
const PUBLIC_KEY_FORMAT = 'must be the centre\'s Ed25519 public key exactly as `pintu central keys show` prints it (44 characters of base64)';

const id = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_-]{0,62}$/i, 'must be 1-63 letters, digits, "-" or "_" (it is used in file names and MQTT topics)');

const pin = z.object({
  /** BCM GPIO number as printed on Raspberry Pi pinout diagrams. */
  pin: z.number().int().min(0).max(53),
  /** true when the electrical low level means "active". */
  activeLow: z.boolean().default(false),
}).strict();

const inputPin = pin.extend({
  /** Debounce time for this input in milliseconds. */
  debounceMs: z.number().int().min(0).max(1000).default(50),
}).strict();

/**
 * The supervised fire-alarm input (hardware/README.md, "Fire alarm input"): the alarm line (the panel's fire contact;
 * active = fire) and a supervision line in the same cable (active = loop intact). A cut cable breaks both: a fault.
 */
const fireAlarmPin = inputPin.extend({
  /** Debounce of the alarm line in milliseconds. */
  debounceMs: z.number().int().min(0).max(1000).default(100),
  /** The supervision loop: active = intact (default: a loop to GND with a pull-up, LOW = intact). */
  supervision: inputPin.extend({
    /** true when LOW means "loop intact" (a loop to GND with a pull-up). */
    activeLow: z.boolean().default(true),
    /** Debounce of the supervision line in milliseconds. */
    debounceMs: z.number().int().min(0).max(1000).default(100),
  }).strict(),
}).strict();

/** One card reader. */
export const readerSchema = z
  .object({
    id,
    direction: z.enum(['in', 'out', 'desk']),
    kind: z.enum(['serial', 'pcsc', 'sim']),
    /** Serial device path (kind serial), or PC/SC reader name substring (kind pcsc, optional). */
    path: z.string().min(1).optional(),
    baudRate: z.number().int().positive().default(9600),
    protocol: z.enum(['em4100-ascii']).default('em4100-ascii'),
    /**
     * `ntag424`: the reader authenticates every card with AES (NTAG 424 DNA, a key diversified from `badges.keyFile`)
     * before it counts as a badge (kind pcsc only). `false`: the UID alone is read, which anyone can copy (EM4100 always).
     */
    secure: z.union([z.literal(false), z.enum(['ntag424', 'desfire'])]).default(false),
  })
  .strict()
  .superRefine((r, ctx) => {
    if (r.secure === 'desfire') {
      ctx.addIssue({ code: 'custom', path: ['secure'], message: 'desfire is not supported: pintu authenticates NTAG 424 DNA badges (secure: ntag424; docs/badges.md says why)' });
    }
    if (r.secure !== false && r.kind !== 'pcsc' && r.kind !== 'sim') {
      ctx.addIssue({ code: 'custom', path: ['secure'], message: `a ${r.kind} reader cannot authenticate cards (EM4100 sends a fixed number): use secure: false, or a PC/SC reader` });
    }
    if (r.kind === 'serial' && !r.path) {
      ctx.addIssue({ code: 'custom', path: ['path'], message: 'is required for a serial reader (e.g. /dev/ttyAMA0 or /dev/pintu-reader-in)' });
    }
  });
/** Config of one card reader. */
export type ReaderConfig = z.infer<typeof readerSchema>;

/** The door's status signals for the visitor (issue 16): each colour and the buzzer an output pin; leave any out. */
const indicatorsSchema = z
  .object({
    /** Green LED (granted). */
    green: pin.optional(),
    /** Red LED (refused, alarm). */
    red: pin.optional(),
    /** Amber LED (waiting for an escort). */
    amber: pin.optional(),
    /** Active buzzer. */
    buzzer: pin.optional(),
  })
  .strict();

/** GPIO wiring (used when `hardware: gpio` or `gpiod`). */
export const gpioSchema = z
  .object({
    /** Strike relay output. */
    relay: pin.prefault({ pin: 17 }),
    /** Door position switch (reed): active = door open. */
    doorSwitch: inputPin.prefault({ pin: 27 }),
    /** Request-to-exit button: active = pressed. */
    exitButton: inputPin.prefault({ pin: 22, activeLow: true }),
    /** Fire-alarm input with its supervision line (absent: no fire panel connected to this door). */
    fireAlarm: fireAlarmPin.optional(),
    /** Status LED (green/red/amber) and buzzer at the door (absent: none wired). */
    indicators: indicatorsSchema.optional(),
    /** The UPS HAT's mains signal (active = mains present; absent: not wired). */
    mains: inputPin.extend({
      /** Debounce of the mains signal in milliseconds. */
      debounceMs: z.number().int().min(0).max(1000).default(200),
    }).strict().optional(),
    /** gpiod: the GPIO character device (/dev/gpiochipN) or its label; `auto` finds the header's chip by label. */
    chip: z.string().min(1).default('auto'),
    /** sysfs GPIO number of BCM 0: `auto` finds it from /sys/class/gpio/gpiochip*, or give a number to override. */
    chipBase: z.union([z.literal('auto'), z.number().int().min(0)]).default('auto'),
    /** Root of the sysfs GPIO tree (tests point this at a fake tree). */
    sysfsRoot: z.string().default('/sys/class/gpio'),
  })
  .strict();
/** Config of the GPIO wiring. */
export type GpioConfig = z.infer<typeof gpioSchema>;

const role = z.enum(['staff', 'coordinator', 'head']);

/** Door behaviour. */
export const doorSchema = z
  .object({
    /** The door's name, used in event logs, topics and reports. */
    id,
    /** How long the strike relay is energised after a grant or exit-button press. */
    strikeSeconds: z.number().min(1).max(60).default(5),
    /** Door open longer than this raises door.held. */
    heldOpenSeconds: z.number().min(1).max(3600).default(30),
    /** Lock as soon as the door closes after the person let in has passed, instead of at the strike's end. */
    relockOnClose: z.boolean().default(false),
    /** Officer roles whose own badge opens the door. */
    officerRoles: z.array(role).default(['staff', 'coordinator', 'head']),
    /** Refuse a visitor's "in" tap while already inside (and "out" while outside). */
    antiPassback: z.boolean().default(true),
    /** Reads of the same card on the same reader within this window count once. */
    repeatTapSeconds: z.number().min(0).max(60).default(2),
  })
  .strict();
/** Config of the door. */
export type DoorConfig = z.infer<typeof doorSchema>;

/** Escort rule (SOP: visitors are always accompanied). */
export const escortSchema = z
  .object({
    /** Visitors need an officer inside who entered within the window of their tap. */
    required: z.boolean().default(true),
    /** How close (before or after) the escort's own entry must be to the visitor's tap. */
    windowSeconds: z.number().min(1).max(600).default(30),
    /** Roles that may escort a visitor (default: the roles in door.officerRoles). */
    roles: z.array(role).min(1).optional(),
  })
  .strict();
/** Config of the escort rule. */
export type EscortConfig = z.infer<typeof escortSchema>;

/** Per-step SOP time standards, in minutes (defaults from SOP 001/004). */
export const sopSchema = z
  .object({
    standardsMinutes: z
      .object({
        request: z.number().positive().default(DEFAULT_STANDARDS.request),
        check: z.number().positive().default(DEFAULT_STANDARDS.check),
        decide: z.number().positive().default(DEFAULT_STANDARDS.decide),
        issue: z.number().positive().default(DEFAULT_STANDARDS.issue),
        inside: z.number().positive().default(DEFAULT_STANDARDS.inside),
        checkout: z.number().positive().default(DEFAULT_STANDARDS.checkout),
        report: z.number().positive().default(DEFAULT_STANDARDS.report),
        archive: z.number().positive().default(DEFAULT_STANDARDS.archive),
      })
      .strict()
      .prefault({}),
  })
  .strict();
/** Config of the SOP time standards. */
export type SopConfig = z.infer<typeof sopSchema>;

/** What the door does on a fire alarm (the input is `gpio.fireAlarm`, or the sim's). */
export const fireSchema = z
  .object({
    /**
     * `release`: the strike is held unlocked while the alarm lasts, so people leave and responders enter without a
     * badge (life safety first; most sites). `stay-locked`: it stays locked and only alarms (rooms whose gas
     * suppression rule says so; people still leave by the inside handle).
     */
    onAlarm: z.enum(['release', 'stay-locked']).default('release'),
    /** Both lines must be steady this long before a change is believed (a cable being cut never reads as a fire), ms. */
    settleMs: z.number().int().min(0).max(10000).default(500),
  })
  .strict();
/** Config of the fire policy. */
export type FireConfig = z.infer<typeof fireSchema>;

/** Visit approval defaults. */
/** The server-room rules the visitor acknowledges at badge issue (issue 14): shown to the officer, versioned. */
export const rulesSchema = z
  .object({
    /** Version of the text, kept with each acknowledgement: change it whenever the text changes. */
    version: z.string().trim().min(1).max(40).default(DEFAULT_RULES.version),
    /** The rules, one per line, as read to the visitor (Indonesian by default: the SOPs' duties and the house rules). */
    text: z.array(z.string().trim().min(1).max(300)).min(1).max(30).default([...DEFAULT_RULES.text]),
  })
  .strict();

export const visitsSchema = z
  .object({
    /** Approval valid until: `end-of-day` (local time, default) or a number of hours after approval. */
    defaultValidity: z.union([z.literal('end-of-day'), z.number().positive().max(24 * 31)]).default('end-of-day'),
    /** IANA time zone of the office (WIB Asia/Jakarta, WITA Asia/Makassar, WIT Asia/Jayapura). */
    timeZone: timeZoneSchema.default('Asia/Jakarta'),
    /** Longest approval a head may give, in days (an approval past it is refused, not shortened). */
    maxValidityDays: z.number().positive().max(366).default(31),
    /** The server-room rules acknowledged at badge issue. */
    rules: rulesSchema.prefault({}),
  })
  .strict()
  .refine((v) => v.defaultValidity === 'end-of-day' || v.defaultValidity <= v.maxValidityDays * 24, {
    message: 'defaultValidity must not be longer than maxValidityDays', path: ['defaultValidity'],
  });
/** Config of visit defaults. */
export type VisitsConfig = z.infer<typeof visitsSchema>;

/** Storage. */
export const storageSchema = z
  .object({
    /** SQLite `synchronous` in WAL mode: `full` survives power loss, `normal` survives process crashes only. */
    synchronous: z.enum(['full', 'normal']).default('full'),
  })
  .strict();
/** Config of storage. */
export type StorageConfig = z.infer<typeof storageSchema>;

/** Connection to an MQTT broker: shared by the door's `central:` section and the centre's `broker:` section. */
export const brokerSchema = z
  .object({
    /** Broker URL: mqtt://host:1883 or mqtts://host:8883. */
    url: z.string().regex(/^mqtts?:\/\/[^/]+/, 'must be mqtt://host[:port] or mqtts://host[:port]'),
    /** Broker user name (the shipped ACL expects `{site}.{door}`). */
    username: z.string().min(1).optional(),
    /** Broker password. */
    password: z.string().optional(),
    /** CA certificate (PEM) that signed the broker's certificate, for mqtts://. */
    caFile: z.string().min(1).optional(),
    /** Client certificate (PEM), when the broker authenticates doors by certificate. */
    certFile: z.string().min(1).optional(),
    /** Client certificate's private key (PEM). */
    keyFile: z.string().min(1).optional(),
  })
  .strict();

/** Why a door with a `central:` section needs the centre's key, and where to get it (after the key name). */
export const CENTRAL_KEY_REQUIRED = "is required when central: is set: the centre's Ed25519 public key, printed by `pintu central keys show` "
  + 'at the central office (given at enrolment); without it acks cannot be verified and a forged ack could lose events';

/** The link to the central office (optional: without it the door runs standalone). */
export const centralSchema = brokerSchema
  .extend({
    /** The centre's Ed25519 public key (`pintu central keys show`): verifies acks and commands, so it is required. */
    publicKey: z.string({ error: (iss) => (iss.input === undefined ? CENTRAL_KEY_REQUIRED : undefined) }).min(1, CENTRAL_KEY_REQUIRED)
      .refine((t) => { try { publicKeyFromText(t); return true; } catch { return false; } }, PUBLIC_KEY_FORMAT),
    /** Resend unacknowledged events when no ack arrived for this long. */
    ackTimeoutSeconds: z.number().min(1).max(600).default(10),
    /** At most this many events per message. */
    batchSize: z.number().int().min(1).max(1000).default(200),
    /** At most this many bytes per events message (64 KiB to 4 MiB): keep it well below the broker's `message_size_limit`. */
    maxMessageBytes: z.number().int().min(64 * 1024).max(4 * 1024 * 1024).default(256 * 1024),
    /** Delete acknowledged events older than this many days (0: keep them all). */
    retainAckedDays: z.number().min(0).max(36500).default(0),
    /**
     * Incident-book entries carry their text to the centre (in `incident.recorded`, decided when the entry is written);
     * off: the centre gets the entry's number only. The text may name people and stays in the hash-chained log for good.
     */
    sendIncidentText: z.boolean().default(false),
    /**
     * The door's X25519 sealing key (private, mode 0600, made at first start): the centre seals pre-registrations'
     * and watchlists' personal data to its public half. Relative to the config file's folder (/etc/pintu/seal.key).
     */
    sealKeyFile: z.string().min(1).default('seal.key'),
  })
  .strict()
  .superRefine((c, ctx) => {
    if ((c.certFile === undefined) !== (c.keyFile === undefined)) ctx.addIssue({ code: 'custom', path: ['certFile'], message: 'certFile and keyFile go together' });
  });
/** Config of the central-office link. */
export type CentralConfig = z.infer<typeof centralSchema>;

/** Maintenance health checklist (SOP 002). */
export const healthSchema = z
  .object({
    /** Run the checklist every this many days inside the daemon (30 = monthly, SOP 002); also on demand with `pintu health`. */
    intervalDays: z.number().min(1).max(365).default(30),
    /** A door reader silent for longer than this many days is reported (warn). */
    readerSilentDays: z.number().min(1).max(365).default(14),
  })
  .strict();
/** Config of the health checklist. */
export type HealthConfig = z.infer<typeof healthSchema>;

/** Nightly backups in dataDir/backups. */
export const backupSchema = z
  .object({
    /** Nightly backups kept (older ones are deleted); 0 turns nightly backups off. */
    keep: z.number().int().min(0).max(365).default(7),
    /** Local hour (office time zone) after which the nightly backup is taken. */
    hour: z.number().int().min(0).max(23).default(2),
  })
  .strict();
/** Config of backups. */
export type BackupConfig = z.infer<typeof backupSchema>;

/** The privacy notice the desk shows at request time (UU PDP 27/2022 Pasal 20–21: purpose, legal basis, retention, rights). */
export const DEFAULT_PRIVACY_NOTICE = 'Pemberitahuan pelindungan data pribadi (UU PDP No. 27 Tahun 2022): nama, NIK, nomor telepon dan keperluan kunjungan '
  + 'Anda dicatat hanya untuk pengendalian akses ke ruang server sesuai SOP kantor ini. Data disimpan terenkripsi di perangkat pintu dan '
  + 'dihapus setelah masa simpan berakhir; NIK tidak dikirim ke pihak lain. Anda berhak meminta salinan data Anda atau penghapusannya '
  + 'kepada kepala ruang server.';

/** Personal-data retention (UU PDP 27/2022). */
export const privacySchema = z
  .object({
    /**
     * Days after a visit closed (checked out, archived, denied, cancelled, expired, revoked) when the visitor's name, NIK,
     * phone, KTP and NIK hashes and the free text (purpose, reasons, notes) are purged.
     */
    retentionDays: z.number().int().min(1).max(3650).default(365),
    /** A request nobody checked or decided expires after this many days (an approval that ends unused expires at its end). */
    expireUndecidedDays: z.number().int().min(1).max(365).default(14),
    /** The privacy notice shown to the visitor at request time (the console's request form, `pintu visit request`). */
    notice: z.string().min(1).max(4000).default(DEFAULT_PRIVACY_NOTICE),
    /**
     * The data-encryption key (AES-256) that seals visitors' personal fields in the database and its backups: outside
     * the data dir, mode 0600, owned by the pintu user (`pintu privacy key create|status|rotate`). Keep a copy apart.
     */
    keyFile: z.string().min(1).default('/etc/pintu/data.key'),
    /** Personal fields encrypted at rest. `false` only to measure what it costs (`npm run bench`); a database once encrypted stays so. */
    encryptAtRest: z.boolean().default(true),
  })
  .strict();
/** Config of personal-data retention. */
export type PrivacyConfig = z.infer<typeof privacySchema>;

/** Secure badges (issue 15, docs/badges.md). */
export const badgesSchema = z
  .object({
    /**
     * The site's badge master keys (AES-128, one per key version): outside the data dir, mode 0600, owned by the pintu
     * user (`pintu badge key create|status|rotate`). Every badge's key is diversified from it with the card's UID
     * (NXP AN10922); it is never written to the database, logs, backups or MQTT.
     */
    keyFile: z.string().min(1).default('/etc/pintu/badge.keys'),
    /** Refuse visitors' taps at readers that only read a UID (`secure: false`, e.g. EM4100): officers still pass. */
    visitorsNeedSecureReader: z.boolean().default(false),
    /** The longest a card may take to answer one command during authentication, ms (a card pulled away mid-way is given up). */
    cardTimeoutMs: z.number().int().min(50).max(10_000).default(1000),
  })
  .strict();
/** Config of secure badges. */
export type BadgesConfig = z.infer<typeof badgesSchema>;

/** Clock faults on a Pi without RTC (docs/clock.md). */
export const clockSchema = z
  .object({
    /** A clock this far behind the newest event raises alarm.clock_rollback and counts as untrusted (seconds). */
    rollbackToleranceSeconds: z.number().int().min(1).max(3600).default(5),
    /** A clock this far ahead of the last time the log vouches for raises alarm.clock_jump and pauses the purge until confirmed (hours). */
    maxForwardJumpHours: z.number().int().min(1).max(8760).default(48),
  })
  .strict();
/** Config of the clock guard. */
export type ClockConfig = z.infer<typeof clockSchema>;

/** Where a web UI listens (the officers' console, the central dashboard): host:port, IPv6 in brackets. */
export function listenSchema(fallback: string) {
  return z.string().regex(/^(\[[0-9a-f:.]+\]|[a-z0-9.-]+):\d{1,5}$/i, `must be host:port, e.g. ${fallback} or 0.0.0.0:8443`).default(fallback);
}

/** A web UI's TLS certificate and key (PEM files). */
export const tlsFilesSchema = z.object({
  /** Certificate (PEM). */
  certFile: z.string().min(1),
  /** Private key (PEM). */
  keyFile: z.string().min(1),
}).strict();

/** The officers' console: a web UI served by `pintu run` on the LAN. */
export const consoleSchema = z
  .object({
    /** Serve the console from `pintu run`. */
    enabled: z.boolean().default(true),
    /** host:port to listen on; a non-loopback address needs TLS (or allowPlainHttp). */
    listen: listenSchema('127.0.0.1:8080'),
    /** TLS certificate and key (PEM); `pintu console cert` makes a self-signed pair for a first install. */
    tls: tlsFilesSchema.optional(),
    /** Allow plain HTTP on a non-loopback address (PINs and session cookies then cross the LAN in clear). */
    allowPlainHttp: z.boolean().default(false),
    /** Language of the console by default (each officer may switch). */
    language: z.enum(['id', 'en']).default('id'),
    /** A session unused for this many minutes is signed out. */
    idleMinutes: z.number().min(1).max(720).default(15),
    /** After 5 wrong PINs in a row, the officer's badge cannot sign in for this many minutes (and an alarm is raised). */
    pinLockoutMinutes: z.number().min(1).max(1440).default(15),
    /** Desk reader id (default: the first reader with direction desk). */
    deskReader: z.string().min(1).optional(),
  })
  .strict();
/** Config of the officers' console. */
export type ConsoleConfig = z.infer<typeof consoleSchema>;

/** The whole configuration file. */
export const configSchema = z
  .object({
    site: id,
    door: doorSchema,
    dataDir: z.string().min(1).default('/var/lib/pintu'),
    hardware: z.enum(['sim', 'gpio', 'gpiod']).default('sim'),
    escort: escortSchema.prefault({}),
    readers: z.array(readerSchema).default([]),
    gpio: gpioSchema.prefault({}),
    sop: sopSchema.prefault({}),
    visits: visitsSchema.prefault({}),
    storage: storageSchema.prefault({}),
    health: healthSchema.prefault({}),
    backup: backupSchema.prefault({}),
    privacy: privacySchema.prefault({}),
    badges: badgesSchema.prefault({}),
    clock: clockSchema.prefault({}),
    console: consoleSchema.prefault({}),
    fire: fireSchema.prefault({}),
    central: centralSchema.optional(),
    log: z.object({ level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info') }).strict().prefault({}),
  })
  .strict()
  .superRefine((c, ctx) => {
    const seen = new Set<string>();
    c.readers.forEach((r, i) => {
      if (seen.has(r.id)) ctx.addIssue({ code: 'custom', path: ['readers', i, 'id'], message: `duplicate reader id "${r.id}"` });
      seen.add(r.id);
    });
    const g = c.gpio;
    const named: Array<[string, number | undefined]> = [
      ['relay', g.relay.pin], ['doorSwitch', g.doorSwitch.pin], ['exitButton', g.exitButton.pin],
      ['fireAlarm', g.fireAlarm?.pin], ['fireAlarm.supervision', g.fireAlarm?.supervision.pin],
      ['indicators.green', g.indicators?.green?.pin], ['indicators.red', g.indicators?.red?.pin],
      ['indicators.amber', g.indicators?.amber?.pin], ['indicators.buzzer', g.indicators?.buzzer?.pin], ['mains', g.mains?.pin],
    ];
    const used = named.filter((n): n is [string, number] => n[1] !== undefined);
    if (new Set(used.map(([, p]) => p)).size !== used.length) {
      const names = used.map(([n]) => n);
      const clash = used.find(([n, p]) => used.some(([m, q]) => m !== n && q === p))!;
      const others = used.filter(([m, q]) => m !== clash[0] && q === clash[1]).map(([m]) => m);
      ctx.addIssue({
        code: 'custom', path: ['gpio'],
        message: `${names.slice(0, -1).join(', ')} and ${names.at(-1)!} must use different pins (${[clash[0], ...others].join(' and ')} all use BCM ${clash[1]})`,
      });
    }
  });

/** The validated configuration. */
export type Config = z.infer<typeof configSchema>;
