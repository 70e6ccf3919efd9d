/**
 * Canonical JSON and sha256: the only way the engine turns structured data into a hash, so that
 * two equal values (whatever their key order) always give the same cache key.
 */
import { createHash } from 'node:crypto';

/** JSON data as the engine stores and hashes it. */
export type JsonValue =
  null | boolean | number | string | readonly JsonValue[] | { readonly [key: string]: JsonValue };

/** Hex sha256 of a string (UTF-8) or bytes. */
export function sha256(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

function isPlainObject(v: object): boolean {
  const proto: unknown = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

function where(path: string): string {
  return path === '' ? '(root)' : path;
}

/**
 * Copy `value` into plain JSON data with object keys sorted (code-unit order) and `undefined`
 * object members dropped. Throws a TypeError naming the path for anything JSON cannot carry
 * exactly: non-finite numbers, bigint, functions, symbols, class instances (Date, Map, …) and
 * `undefined` inside arrays.
 */
export function toJsonValue(value: unknown, path = ''): JsonValue {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'number':
      if (!Number.isFinite(value)) {
        throw new TypeError(`cannot hash ${value} at ${where(path)}: not a finite number`);
      }
      return Object.is(value, -0) ? 0 : value;
    case 'object': {
      if (value === null) return null;
      if (Array.isArray(value)) {
        return value.map((v: unknown, i) => {
          if (v === undefined) throw new TypeError(`cannot hash undefined at ${path}[${i}]`);
          return toJsonValue(v, `${path}[${i}]`);
        });
      }
      if (!isPlainObject(value)) {
        const name = (value as { constructor?: { name?: string } }).constructor?.name ?? 'object';
        throw new TypeError(`cannot hash a ${name} at ${where(path)}: use plain JSON data`);
      }
      const out: Record<string, JsonValue> = {};
      const rec = value as Record<string, unknown>;
      for (const k of Object.keys(rec).sort()) {
        if (rec[k] === undefined) continue;
        out[k] = toJsonValue(rec[k], path ? `${path}.${k}` : k);
      }
      return out;
    }
    default:
      throw new TypeError(`cannot hash a ${typeof value} at ${where(path)}`);
  }
}

/** JSON text with sorted keys and no whitespace: equal data gives equal text. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(toJsonValue(value));
}

/** sha256 of the canonical JSON of `value`. */
export function hashJson(value: unknown): string {
  return sha256(canonicalJson(value));
}
