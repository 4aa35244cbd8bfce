import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { describe, it } from 'node:test';
import { PASSWORD_LINE_CHARS_MAX, PasswordInputError, readPassword } from './read-password.ts';

/** Standard input as a pipe: what was written, then the end of input. */
function pipe(text: string): NodeJS.ReadStream {
  const s = new PassThrough();
  s.end(text);
  return s as unknown as NodeJS.ReadStream;
}

/** A terminal in miniature: raw mode is recorded, keys are pushed as a terminal delivers them. */
function terminal(): { tty: NodeJS.ReadStream; raw: boolean[]; type(keys: string): void } {
  const s = new PassThrough();
  const raw: boolean[] = [];
  Object.assign(s, { isTTY: true, setRawMode: (on: boolean) => raw.push(on) });
  return { tty: s as unknown as NodeJS.ReadStream, raw, type: (keys) => s.write(keys) };
}

function output(): { stream: NodeJS.WritableStream; text(): string } {
  let text = '';
  const stream = new PassThrough();
  stream.on('data', (c: Buffer) => {
    text += c.toString();
  });
  return { stream, text: () => text };
}

describe('readPassword from a pipe', () => {
  it('given lines, then the password is the first line without its line ending', async () => {
    const out = output();
    assert.equal(await readPassword(pipe('first line\nsecond\n'), out.stream), 'first line');
    assert.equal(await readPassword(pipe('windows line\r\n'), out.stream), 'windows line');
    assert.equal(await readPassword(pipe('no newline'), out.stream), 'no newline');
    assert.equal(out.text(), '', 'a pipe is not prompted');
  });

  it('given nothing, or a line past the limit, then a PasswordInputError that says so', async () => {
    const out = output();
    await assert.rejects(readPassword(pipe(''), out.stream), PasswordInputError);
    await assert.rejects(
      readPassword(pipe('x'.repeat(PASSWORD_LINE_CHARS_MAX + 1)), out.stream),
      /longer than 4096 characters/,
    );
  });
});

describe('readPassword from a terminal', () => {
  it('given typed keys with a correction, then it prompts, echoes nothing of them and restores the terminal', async () => {
    const t = terminal();
    const out = output();
    const read = readPassword(t.tty, out.stream);
    t.type('secret passphrase x');
    t.type('\u007fy\r');
    assert.equal(await read, 'secret passphrase y');
    assert.equal(out.text(), 'Password: \n');
    assert.deepEqual(t.raw, [true, false]);
  });

  it('given Ctrl-C, then it stops with a PasswordInputError and restores the terminal', async () => {
    const t = terminal();
    const read = readPassword(t.tty, output().stream);
    t.type('half\u0003');
    await assert.rejects(read, /interrupted/);
    assert.deepEqual(t.raw, [true, false]);
  });
});
