/**
 * Numbered schema migrations. Each runs once, in order, inside a transaction; `PRAGMA user_version` records the last one.
 * Never edit a shipped migration: add a new one.
 */

/** One migration: its number and its SQL. */
export interface Migration {
  /** 1, 2, 3, … in order. */
  version: number;
  /** What it does, for the log. */
  name: string;
  /** The SQL script. */
  sql: string;
}

/** All migrations, in order. */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'core: officers, badges, visits, incidents, events, door status',
    sql: `
      CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
      CREATE TABLE officers (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        role TEXT NOT NULL CHECK (role IN ('staff', 'coordinator', 'head')),
        badge_uid TEXT NOT NULL UNIQUE,
        active INTEGER NOT NULL DEFAULT 1,
        presence TEXT NOT NULL DEFAULT 'outside' CHECK (presence IN ('inside', 'outside')),
        created_at INTEGER NOT NULL
      );
      CREATE TABLE badges (
        uid TEXT PRIMARY KEY,
        label TEXT NOT NULL UNIQUE,
        status TEXT NOT NULL CHECK (status IN ('available', 'issued', 'lost', 'retired')),
        visit_id TEXT,
        created_at INTEGER NOT NULL
      );
      -- At most one visit holds a badge at a time.
      CREATE UNIQUE INDEX badges_one_visit ON badges(visit_id) WHERE status = 'issued';
      CREATE TABLE visits (
        id TEXT PRIMARY KEY,
        kind TEXT NOT NULL,
        state TEXT NOT NULL,
        presence TEXT,
        badge_uid TEXT,
        ktp_hash TEXT,
        requested_at INTEGER NOT NULL,
        data TEXT NOT NULL
      );
      CREATE INDEX visits_state ON visits(state);
      CREATE UNIQUE INDEX visits_badge ON visits(badge_uid) WHERE badge_uid IS NOT NULL;
      CREATE INDEX visits_ktp ON visits(ktp_hash) WHERE ktp_hash IS NOT NULL;
      CREATE INDEX visits_requested ON visits(requested_at);
      CREATE TABLE incidents (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        at INTEGER NOT NULL,
        officer_id TEXT NOT NULL,
        visit_id TEXT,
        note TEXT NOT NULL
      );
      CREATE TABLE events (
        door TEXT NOT NULL,
        seq INTEGER NOT NULL,
        type TEXT NOT NULL,
        at TEXT NOT NULL,
        data TEXT NOT NULL,
        prev_hash TEXT NOT NULL,
        hash TEXT NOT NULL,
        PRIMARY KEY (door, seq)
      ) WITHOUT ROWID;
      CREATE TRIGGER events_append_only BEFORE UPDATE ON events
        BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
      CREATE TABLE door_status (
        door TEXT PRIMARY KEY,
        mode TEXT NOT NULL DEFAULT 'enabled' CHECK (mode IN ('enabled', 'disabled')),
        locked INTEGER NOT NULL DEFAULT 1,
        open INTEGER,
        open_since INTEGER,
        daemon_pid INTEGER,
        heartbeat_at INTEGER,
        started_at INTEGER
      );
    `,
  },
  {
    version: 2,
    name: 'central link: acknowledged seq, link state, command counter',
    sql: `
      CREATE TABLE central_link (
        door TEXT PRIMARY KEY,
        acked_seq INTEGER NOT NULL DEFAULT 0,
        acked_at INTEGER,
        connected INTEGER NOT NULL DEFAULT 0,
        changed_at INTEGER,
        command_counter INTEGER NOT NULL DEFAULT 0
      );
    `,
  },
  {
    version: 3,
    name: 'escort from committed state: officer entry time; who is inside found by partial indexes',
    sql: `
      ALTER TABLE officers ADD COLUMN entered_at INTEGER;
      CREATE INDEX officers_inside ON officers(presence) WHERE presence = 'inside';
      CREATE INDEX visits_inside ON visits(presence) WHERE presence = 'inside';
    `,
  },
  {
    version: 4,
    name: 'officers\' console PINs (scrypt hashes only) and wrong-PIN counters',
    sql: `
      CREATE TABLE officer_pins (
        officer_id TEXT PRIMARY KEY REFERENCES officers(id),
        pin_hash TEXT,
        set_at INTEGER,
        failures INTEGER NOT NULL DEFAULT 0,
        locked_until INTEGER
      );
    `,
  },
  {
    version: 5,
    name: "officers' console: visit search, visits by state in id order, a visit's events, open alarms",
    sql: `
      -- The visit list's search: lower-cased name and institution per visit, scanned in id order without reading the
      -- visits' JSON. Written by saveVisit only when they change (the purge overwrites the name here too).
      CREATE TABLE visit_search (id TEXT PRIMARY KEY, name TEXT NOT NULL, org TEXT NOT NULL) WITHOUT ROWID;
      INSERT INTO visit_search (id, name, org)
        SELECT id, lower(coalesce(json_extract(data, '$.visitor.name'), '')), lower(coalesce(json_extract(data, '$.visitor.org'), '')) FROM visits;
      -- A state's visits newest first, and keyset pages (id < ?) of them.
      CREATE INDEX visits_state_id ON visits(state, id);
      -- A visit's timeline from 1,000,000 events: the visit id of an event's data (only events that name one).
      CREATE INDEX events_visit ON events(json_extract(data, '$.visit')) WHERE json_extract(data, '$.visit') IS NOT NULL;
      -- Alarms not yet acknowledged, kept by triggers in the append's transaction (whoever appends: daemon, CLI): an
      -- alarm (isAlertType in src/domain/events.ts; test/unit/console-queries.test.ts keeps the two equal) opens a row,
      -- alarm.acknowledged closes it. Other events pay only the WHEN test.
      CREATE TABLE alarm_open (door TEXT NOT NULL, seq INTEGER NOT NULL, type TEXT NOT NULL, visit TEXT, PRIMARY KEY (door, seq)) WITHOUT ROWID;
      CREATE INDEX alarm_open_visit ON alarm_open(visit) WHERE visit IS NOT NULL;
      CREATE TRIGGER alarm_opens AFTER INSERT ON events
        WHEN (NEW.type LIKE 'alarm.%' AND NEW.type <> 'alarm.acknowledged') OR NEW.type IN ('door.forced', 'door.held', 'visit.device_mismatch')
        BEGIN INSERT INTO alarm_open (door, seq, type, visit) VALUES (NEW.door, NEW.seq, NEW.type, json_extract(NEW.data, '$.visit')); END;
      CREATE TRIGGER alarm_closes AFTER INSERT ON events WHEN NEW.type = 'alarm.acknowledged'
        BEGIN DELETE FROM alarm_open WHERE door = NEW.door AND seq = json_extract(NEW.data, '$.alarm'); END;
      -- Alarms of the last day before the console existed are open; older ones are history (they reached the centre).
      INSERT INTO alarm_open (door, seq, type, visit)
        SELECT door, seq, type, json_extract(data, '$.visit') FROM events
        WHERE ((type LIKE 'alarm.%' AND type <> 'alarm.acknowledged') OR type IN ('door.forced', 'door.held', 'visit.device_mismatch'))
          AND at >= strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-1 day');
    `,
  },
  {
    version: 6,
    name: 'retention and data-subject requests: purged_at and nik_hash columns, destruction records by type',
    sql: `
      -- When the visit's personal fields and free text were erased (retention or a subject's request): the purge picks
      -- due visits by this clear column, never by a personal field (those may be encrypted inside data).
      ALTER TABLE visits ADD COLUMN purged_at INTEGER;
      -- Keyed hash of the visitor's NIK (HMAC with the site secret): a data-subject request finds the person's visits by it.
      -- Filled at request; older visits are backfilled by the door (a migration cannot compute the HMAC).
      ALTER TABLE visits ADD COLUMN nik_hash TEXT;
      CREATE INDEX visits_nik ON visits(nik_hash) WHERE nik_hash IS NOT NULL;
      -- Visits purged before this column existed (their name was replaced in clear then).
      UPDATE visits SET purged_at = coalesce(requested_at, 0) WHERE json_extract(data, '$.visitor.name') = '[purged]';
      CREATE INDEX visits_unpurged ON visits(state) WHERE purged_at IS NULL;
      -- A visit's incident-book entries (their notes are erased with the visit's personal data).
      CREATE INDEX incidents_visit ON incidents(visit_id) WHERE visit_id IS NOT NULL;
      -- The destruction records and subject erasures, read by pintu purge --report without scanning the log.
      CREATE INDEX events_purged ON events(door, seq) WHERE type = 'privacy.purged';
      CREATE INDEX events_erased ON events(door, seq) WHERE type = 'subject.erased';
    `,
  },
  {
    version: 7,
    name: 'personal data encrypted at rest: the sealed personal fields of a visit; visit_search.name sealed too',
    sql: `
      -- AES-256-GCM of the visit's personal fields (src/adapters/sqlite/sealed-visit.ts); NULL: a row still in clear,
      -- sealed by the store's upgrade on the first open with the data key (at-rest.ts). visit_search.name and
      -- incidents.note hold sealed values from then on (same format, "pe1:<key id>:…").
      ALTER TABLE visits ADD COLUMN sealed TEXT;
    `,
  },
  {
    version: 8,
    name: 'watchlist: NIKs a head (or the centre) flagged, kept only as a keyed hash and a masked NIK (issue 14)',
    sql: `
      CREATE TABLE watchlist (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        nik_hash TEXT NOT NULL,
        nik_masked TEXT NOT NULL,
        reason TEXT NOT NULL,
        until INTEGER NOT NULL,
        added_by TEXT NOT NULL,
        source TEXT NOT NULL CHECK (source IN ('local', 'central')),
        added_at INTEGER NOT NULL
      );
      CREATE INDEX watchlist_nik ON watchlist(nik_hash, until);
    `,
  },
  {
    version: 9,
    name: 'visit search by name through a keyed blind index (name words and their prefixes as HMAC tokens), not by opening every sealed name',
    sql: `
      -- Filled by the store on its first open with the data key (name-index.ts: a migration cannot compute the HMAC), then
      -- written with each change of a visit's name, emptied by the purge. A name search is one range of the token index.
      CREATE TABLE visit_name_tokens (visit_id TEXT NOT NULL, token BLOB NOT NULL, PRIMARY KEY (visit_id, token)) WITHOUT ROWID;
      CREATE INDEX visit_name_tokens_token ON visit_name_tokens(token);
    `,
  },
  {
    version: 10,
    name: 'secure badges: the cards enrolled with a key diversified from the site badge master key (issue 15)',
    sql: `
      -- One row per enrolled card (a pool badge or an officer's own badge): the key version written at the desk. A card
      -- with a row must prove that key at the door (AES); no key, diversified or master, is ever stored here.
      CREATE TABLE secure_badges (
        uid TEXT PRIMARY KEY,
        key_version INTEGER NOT NULL CHECK (key_version BETWEEN 1 AND 255),
        holder TEXT NOT NULL CHECK (holder IN ('pool', 'officer')),
        enrolled_at INTEGER NOT NULL,
        enrolled_by TEXT NOT NULL
      );
    `,
  },
];
