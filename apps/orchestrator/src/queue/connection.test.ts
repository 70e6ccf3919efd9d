import { describe, expect, it } from '@jest/globals';
import { parseQueueUrl, redactQueueUrl } from './connection.js';

describe('queue URLs', () => {
  it('parse into connection options, with the password never shown', () => {
    const a = parseQueueUrl('redis://emo:s3cr%40t@10.0.0.5:6380/2');
    expect(a.connection).toEqual({
      host: '10.0.0.5',
      port: 6380,
      db: 2,
      username: 'emo',
      password: 's3cr@t',
      maxRetriesPerRequest: null,
    });
    expect(a.display).toBe('redis://emo:***@10.0.0.5:6380/2');
    expect(parseQueueUrl('redis://:pw@host').display).toBe('redis://:***@host');
    expect(parseQueueUrl('rediss://host').connection).toMatchObject({ port: 6379, db: 0, tls: {} });
    expect(redactQueueUrl('redis://u:p@w@h:1')).not.toContain('p@w');
  });

  it('reject what is not a Redis URL, in one line without the password', () => {
    expect(() => parseQueueUrl('http://u:secret@host:1')).toThrow(
      '--queue http://u:***@host:1: expected a redis:// or rediss:// URL',
    );
    expect(() => parseQueueUrl('redis://u:secret@host:1/x')).toThrow(/database must be a number/);
    expect(() => parseQueueUrl('not a url')).toThrow(/not a URL/);
    try {
      parseQueueUrl('ftp://u:secret@host');
    } catch (e) {
      expect((e as Error).message).not.toContain('secret');
    }
  });
});
