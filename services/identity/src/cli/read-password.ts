import type { ReadStream } from 'node:tty';

/**
 * The longest line read as a password. Far above the policy's maximum (which then explains the refusal),
 * it only bounds what a mistaken pipe (a file, say) makes the command hold in memory.
 */
export const PASSWORD_LINE_CHARS_MAX = 4_096;

/** The password could not be read: a message for the operator, said in one line. */
export class PasswordInputError extends Error {}

const ENTER = new Set(['\r', '\n', '\u0004']); // Enter, or Ctrl-D: end of input
const CTRL_C = '\u0003';
const ERASE = new Set(['\u007f', '\b']);

/**
 * Reads a password as one line of standard input, never from the command line, where `ps` shows it to
 * every user of the machine. From a terminal it asks on stderr and does not echo what is typed; from a
 * pipe it takes the first line.
 *
 * @example
 * const password = await readPassword(process.stdin, process.stderr); // printf '%s\n' "$PW" | …
 */
export function readPassword(input: NodeJS.ReadStream, prompt: NodeJS.WritableStream): Promise<string> {
  if (input.isTTY) return readHidden(input as ReadStream, prompt);
  return readFirstLine(input);
}

async function readFirstLine(input: NodeJS.ReadableStream): Promise<string> {
  input.setEncoding('utf8');
  let text = '';
  let ended = true;
  for await (const chunk of input) {
    text += chunk as string;
    const newline = text.indexOf('\n');
    if (newline >= 0) {
      text = text.slice(0, newline);
      ended = false;
      break;
    }
    if (text.length > PASSWORD_LINE_CHARS_MAX) throw tooLong();
  }
  if (text.length > PASSWORD_LINE_CHARS_MAX) throw tooLong();
  if (ended && text === '') throw new PasswordInputError('no password on standard input');
  return text.replace(/\r$/, '');
}

/** Raw mode hands over each key as typed, without the terminal echoing it; Enter ends the line. */
function readHidden(tty: ReadStream, prompt: NodeJS.WritableStream): Promise<string> {
  prompt.write('Password: ');
  tty.setEncoding('utf8');
  tty.setRawMode(true);
  tty.resume();
  return new Promise((resolve, reject) => {
    let typed: string[] = [];
    const finish = (settle: () => void) => {
      tty.off('data', onData);
      tty.setRawMode(false);
      tty.pause();
      prompt.write('\n');
      settle();
    };
    const onData = (chunk: string) => {
      for (const ch of chunk) {
        if (ENTER.has(ch)) return finish(() => resolve(typed.join('')));
        if (ch === CTRL_C) return finish(() => reject(new PasswordInputError('interrupted')));
        if (ERASE.has(ch)) typed = typed.slice(0, -1);
        else if (typed.length >= PASSWORD_LINE_CHARS_MAX) return finish(() => reject(tooLong()));
        else typed.push(ch);
      }
    };
    tty.on('data', onData);
  });
}

function tooLong(): PasswordInputError {
  return new PasswordInputError(`the password line is longer than ${PASSWORD_LINE_CHARS_MAX} characters`);
}
