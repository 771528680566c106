/** Schema steps, applied in order; `PRAGMA user_version` records how many ran. Never edit a shipped step: append. */
export const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE connections (
    vendor TEXT NOT NULL,
    user_id TEXT NOT NULL,
    version INTEGER NOT NULL,
    vendor_user_id TEXT,
    status TEXT NOT NULL,
    access_token_expires_at INTEGER,
    sealed_tokens TEXT NOT NULL,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (vendor, user_id)
  ) WITHOUT ROWID;
  CREATE INDEX connections_by_vendor_user_id ON connections (vendor, vendor_user_id);

  CREATE TABLE pending_authorizations (
    state TEXT PRIMARY KEY,
    record TEXT NOT NULL,
    expires_at INTEGER NOT NULL
  ) WITHOUT ROWID;
  CREATE INDEX pending_authorizations_by_expiry ON pending_authorizations (expires_at);

  CREATE TABLE replay_keys (
    key TEXT PRIMARY KEY,
    expires_at INTEGER NOT NULL
  ) WITHOUT ROWID;
  CREATE INDEX replay_keys_by_expiry ON replay_keys (expires_at);

  CREATE TABLE leases (
    key TEXT PRIMARY KEY,
    owner TEXT NOT NULL,
    expires_at INTEGER NOT NULL
  ) WITHOUT ROWID;

  CREATE TABLE rate_buckets (
    key TEXT NOT NULL,
    window TEXT NOT NULL,
    tokens REAL NOT NULL,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (key, window)
  ) WITHOUT ROWID;

  CREATE TABLE rate_pauses (
    key TEXT PRIMARY KEY,
    paused_until INTEGER NOT NULL
  ) WITHOUT ROWID;

  CREATE TABLE jobs (
    sequence INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    event TEXT NOT NULL,
    enqueued_at INTEGER NOT NULL,
    visible_at INTEGER NOT NULL,
    receive_count INTEGER NOT NULL DEFAULT 0,
    delivery_token TEXT
  );
  CREATE INDEX jobs_by_visibility ON jobs (visible_at, sequence);

  CREATE TABLE dead_jobs (
    id TEXT PRIMARY KEY,
    event TEXT NOT NULL,
    enqueued_at INTEGER NOT NULL,
    receive_count INTEGER NOT NULL,
    dead_lettered_at INTEGER NOT NULL
  );
  `,
  `
  CREATE TABLE sync_checkpoints (
    vendor TEXT NOT NULL,
    user_id TEXT NOT NULL,
    stream TEXT NOT NULL,
    version INTEGER NOT NULL,
    state TEXT NOT NULL,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (vendor, user_id, stream)
  ) WITHOUT ROWID;

  CREATE TABLE sync_delivered (
    vendor TEXT NOT NULL,
    user_id TEXT NOT NULL,
    stream TEXT NOT NULL,
    record_id TEXT NOT NULL,
    expires_at INTEGER NOT NULL,
    PRIMARY KEY (vendor, user_id, stream, record_id)
  ) WITHOUT ROWID;
  CREATE INDEX sync_delivered_by_expiry ON sync_delivered (expires_at);
  `,
  `
  -- When each bucket is full again, so full buckets (equal to no bucket) can be swept out. Rows from before this step
  -- get a day, the longest window a shipped vendor declares.
  ALTER TABLE rate_buckets ADD COLUMN full_at INTEGER NOT NULL DEFAULT 0;
  UPDATE rate_buckets SET full_at = updated_at + 86400000;
  CREATE INDEX rate_buckets_by_full_at ON rate_buckets (full_at);
  `,
];
