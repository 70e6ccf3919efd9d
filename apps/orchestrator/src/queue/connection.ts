/**
 * The queue's address: `redis://[user:password@]host:port[/db]` (or `rediss://` for TLS), parsed
 * into BullMQ's connection options, and shown with the password hidden wherever it is printed or
 * recorded.
 */
export interface QueueAddress {
  readonly connection: {
    readonly host: string;
    readonly port: number;
    readonly db: number;
    readonly username?: string;
    readonly password?: string;
    readonly tls?: Record<string, never>;
    /** BullMQ's workers need commands to wait for a reconnection rather than fail. */
    readonly maxRetriesPerRequest: null;
  };
  /** The URL with its password replaced by `***`. */
  readonly display: string;
}

/** Parse a queue URL; throws one line naming what is wrong (with the password hidden). */
export function parseQueueUrl(url: string): QueueAddress {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new Error(`--queue: not a URL: '${redactQueueUrl(url)}' (expected redis://host:port)`);
  }
  const display = redactQueueUrl(url);
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:') {
    throw new Error(`--queue ${display}: expected a redis:// or rediss:// URL`);
  }
  if (!u.hostname) throw new Error(`--queue ${display}: no host`);
  const port = u.port ? Number(u.port) : 6379;
  const dbText = u.pathname.replace(/^\//, '');
  const db = dbText === '' ? 0 : Number(dbText);
  if (!Number.isInteger(db) || db < 0) {
    throw new Error(`--queue ${display}: the database must be a number (redis://host:port/0)`);
  }
  return {
    connection: {
      host: u.hostname.replace(/^\[|\]$/g, ''),
      port,
      db,
      ...(u.username ? { username: decodeURIComponent(u.username) } : {}),
      ...(u.password ? { password: decodeURIComponent(u.password) } : {}),
      ...(u.protocol === 'rediss:' ? { tls: {} } : {}),
      maxRetriesPerRequest: null,
    },
    display,
  };
}

/** `url` with any password replaced by `***` (also in text that is not a valid URL). */
export function redactQueueUrl(url: string): string {
  return url.replace(/^(\w+:\/\/[^:/@]*:)[^@]*@/, '$1***@');
}
