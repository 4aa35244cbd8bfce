import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkUrlShape } from './target-url.ts';

describe('webhook URL shape', () => {
  it('accepts http and https URLs with a host', () => {
    assert.ok(checkUrlShape('https://hooks.example.com/strongbox?x=1').ok);
    assert.ok(checkUrlShape('http://127.0.0.1:8080/hook').ok);
  });

  it('refuses other schemes, credentials, fragments, relative and overlong URLs', () => {
    for (const bad of [
      'ftp://example.com/',
      'file:///etc/passwd',
      'https://user:pw@example.com/',
      'https://example.com/#frag',
      '/relative',
      'not a url',
      `https://example.com/${'a'.repeat(2_048)}`,
    ]) {
      assert.equal(checkUrlShape(bad).ok, false, bad);
    }
  });
});
