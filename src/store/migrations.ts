import type Database from 'better-sqlite3';

/**
 * Schema changes in order; the store records how many it has applied under `schema_version` in
 * `meta`. A migration is never edited once released: a change is a new entry at the end.
 */
export const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE users (
    name TEXT PRIMARY KEY,
    display_name TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    created_at INTEGER NOT NULL
  ) STRICT;
  CREATE TABLE user_groups (
    user TEXT NOT NULL REFERENCES users(name) ON DELETE CASCADE,
    grp TEXT NOT NULL,
    UNIQUE (user, grp)
  ) STRICT;
  CREATE TABLE sessions (
    manager TEXT NOT NULL,
    ip TEXT NOT NULL,
    user TEXT NOT NULL,
    opened_at INTEGER NOT NULL,
    last_seen INTEGER NOT NULL,
    PRIMARY KEY (manager, ip),
    UNIQUE (manager, user)
  ) STRICT;
  CREATE TABLE consumption (
    manager TEXT NOT NULL,
    user TEXT NOT NULL,
    cycle_start INTEGER NOT NULL,
    bytes INTEGER NOT NULL,
    PRIMARY KEY (manager, user)
  ) STRICT;
  `,
  // The file server's catalog: one row per stored version of a name. The bytes live once per
  // sha256 in the store's blob folder; a blob is removed when no row names it any more.
  `
  CREATE TABLE file_versions (
    path TEXT NOT NULL,
    version INTEGER NOT NULL,
    sha256 TEXT NOT NULL,
    size INTEGER NOT NULL,
    content_type TEXT NOT NULL,
    uploader TEXT NOT NULL,
    uploaded_at INTEGER NOT NULL,
    PRIMARY KEY (path, version)
  ) STRICT;
  CREATE INDEX file_versions_by_sha256 ON file_versions (sha256);
  CREATE INDEX file_versions_by_time ON file_versions (uploaded_at);
  `,
  // Failed logins per (user, address), and per address under user '' (see sqlite-login-failures.ts).
  `
  CREATE TABLE login_failures (
    user TEXT NOT NULL,
    ip TEXT NOT NULL,
    failures INTEGER NOT NULL,
    expires INTEGER NOT NULL,
    PRIMARY KEY (user, ip)
  ) STRICT;
  CREATE INDEX login_failures_by_ip ON login_failures (ip);
  `,
  // Group quotas an admin set at run time over the TOML value (the admin page).
  `
  CREATE TABLE group_quota_overrides (
    manager TEXT NOT NULL,
    grp TEXT NOT NULL,
    bytes INTEGER NOT NULL,
    PRIMARY KEY (manager, grp)
  ) STRICT;
  `,
  // Bytes per quota manager, user and local day ('YYYY-MM-DD'), for the pages' 30-day charts;
  // indexed for a quota's days (the charts) and for the daily purge of old days.
  `
  CREATE TABLE daily_consumption (
    manager TEXT NOT NULL,
    user TEXT NOT NULL,
    day TEXT NOT NULL,
    bytes INTEGER NOT NULL,
    PRIMARY KEY (manager, user, day)
  ) STRICT;
  CREATE INDEX daily_consumption_by_day ON daily_consumption (manager, day);
  CREATE INDEX daily_consumption_purge ON daily_consumption (day);
  `,
];

export const SCHEMA_VERSION_KEY = 'schema_version';

/**
 * Brings the database to the latest schema. Runs in an IMMEDIATE transaction, so the server and an
 * admin command starting at the same moment cannot both apply the same migration.
 */
export function migrate(db: Database.Database, file: string): void {
  db.exec('CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT');
  const readVersion = db.prepare<[string], { value: string }>('SELECT value FROM meta WHERE key = ?');
  const writeVersion = db.prepare<[string, string]>(
    'INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
  );
  const run = db.transaction(() => {
    const text = readVersion.get(SCHEMA_VERSION_KEY)?.value ?? '0';
    const current = Number(text);
    if (!Number.isInteger(current) || current < 0) {
      throw new Error(`${file}: meta.${SCHEMA_VERSION_KEY} is "${text}", not a schema version`);
    }
    if (current > MIGRATIONS.length) {
      throw new Error(
        `${file}: the store has schema version ${current}, newer than this pmproxy knows (${MIGRATIONS.length}); ` +
          'run the newer pmproxy or restore a backup',
      );
    }
    for (const sql of MIGRATIONS.slice(current)) db.exec(sql);
    if (current < MIGRATIONS.length) writeVersion.run(SCHEMA_VERSION_KEY, String(MIGRATIONS.length));
  });
  run.immediate();
}
