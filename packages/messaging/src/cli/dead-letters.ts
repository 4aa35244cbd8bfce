/**
 * `npm run dead-letters -- <list|show|replay|discard> [id] --schema <service> [--consumer c] [--state s]
 * [--limit n] [--cursor c]`: the dead-letter API from a shell, for operators without a token or with the
 * gateway down. The database is DATABASE_URL, else the embedded server in `.strongbox/` (as the identity
 * CLIs do); a replay goes through RabbitMQ when AMQP_URL is set, else through PostgreSQL.
 */
import { userInfo } from 'node:os';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { isAppError, systemClock } from '@strongbox/kernel';
import { attachOrStartEmbedded, createPool, type Pool } from '@strongbox/postgres';
import {
  DEAD_LETTER_STATES,
  type DeadLetterState,
  findDeadLetter,
  listDeadLetters,
} from '@strongbox/postgres/dead-letters';
import { discardDeadLetter, replayDeadLetter } from '../dead-letters/operations.ts';
import { DEAD_LETTERS_PAGE_DEFAULT, DEAD_LETTERS_PAGE_MAX, summary, view } from '../dead-letters/routes.ts';
import { postgresTransport } from '../postgres-transport.ts';
import { rabbitTransport } from '../rabbit-transport.ts';
import type { Transport } from '../transport.ts';

const ROOT = resolve(import.meta.dirname, '../../../..');
const COMMANDS = ['list', 'show', 'replay', 'discard'] as const;
type Command = (typeof COMMANDS)[number];
const USAGE =
  'usage: dead-letters <list|show|replay|discard> [id] --schema <service> [--consumer c] [--state dead|replayed|discarded] [--limit n] [--cursor id]';

async function openDatabase(schema: string): Promise<{ pool: Pool; close(): Promise<void> }> {
  let url = process.env['DATABASE_URL'];
  let stopDb = async () => {};
  if (!url) {
    const db = await attachOrStartEmbedded({
      home: resolve(ROOT, process.env['STRONGBOX_HOME'] ?? '.strongbox'),
    });
    url = db.url;
    stopDb = () => db.stop();
  }
  const pool = createPool({ url, schema, sizeMax: 2, onError: () => undefined });
  return {
    pool,
    async close() {
      await pool.end();
      await stopDb();
    },
  };
}

function transportFor(pool: Pool): Transport {
  const amqp = process.env['AMQP_URL'];
  return amqp
    ? rabbitTransport({ url: amqp, connectionName: 'strongbox-dead-letters-cli' })
    : postgresTransport({ pool });
}

async function run(
  command: Command,
  id: string | undefined,
  values: Record<string, string | undefined>,
  pool: Pool,
) {
  const by = `cli:${userInfo().username}`;
  const clock = systemClock;
  if (command === 'list') {
    const limit = Math.min(Number(values['limit'] ?? DEAD_LETTERS_PAGE_DEFAULT), DEAD_LETTERS_PAGE_MAX);
    const rows = await listDeadLetters(pool, {
      state: (values['state'] ?? 'dead') as DeadLetterState,
      consumer: values['consumer'],
      before: values['cursor'],
      limit,
    });
    for (const r of rows) {
      const s = summary(r);
      console.log(
        [
          s.id,
          s.consumer,
          s.eventType,
          `attempts=${s.attempts}`,
          s.deadLetteredAt,
          s.error.slice(0, 80),
        ].join('  '),
      );
    }
    if (rows.length === limit) console.log(`more: --cursor ${rows.at(-1)?.id}`);
    return;
  }
  if (!id) throw new UsageError(`${command} needs the dead letter's id`);
  if (command === 'show') {
    const letter = await findDeadLetter(pool, id);
    if (!letter) throw new UsageError(`no dead letter ${id}`);
    console.log(JSON.stringify(view(letter), null, 2));
    return;
  }
  if (command === 'discard') {
    await discardDeadLetter({ pool, clock }, id, by);
    console.log(`dead-letters: ${id} discarded`);
    return;
  }
  const transport = transportFor(pool);
  try {
    const letter = await replayDeadLetter({ pool, transport, clock }, id, by);
    console.log(`dead-letters: ${id} replayed to ${letter.consumer}`);
  } finally {
    await transport.close();
  }
}

class UsageError extends Error {}

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    options: {
      schema: { type: 'string' },
      consumer: { type: 'string' },
      state: { type: 'string' },
      limit: { type: 'string' },
      cursor: { type: 'string' },
    },
    allowPositionals: true,
    strict: true,
  });
  const [command, id] = positionals;
  if (!COMMANDS.includes(command as Command) || !values.schema || !/^[a-z][a-z0-9_]*$/.test(values.schema)) {
    console.error(USAGE);
    return 2;
  }
  if (values.state && !(DEAD_LETTER_STATES as readonly string[]).includes(values.state)) {
    console.error(USAGE);
    return 2;
  }
  const db = await openDatabase(values.schema);
  try {
    await run(command as Command, id, values, db.pool);
    return 0;
  } catch (err) {
    if (err instanceof UsageError || isAppError(err)) {
      console.error(`dead-letters: ${err.message}`);
      return 1;
    }
    if ((err as { code?: string }).code === '42P01') {
      console.error(`dead-letters: ${values.schema} has no dead_letters table (it runs no consumer)`);
      return 1;
    }
    throw err;
  } finally {
    await db.close();
  }
}

process.exitCode = await main();
