import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  bool,
  ConfigError,
  int,
  oneOf,
  optionalStr,
  optionalUrl,
  port,
  readConfig,
  rotatingSecrets,
  str,
  url,
} from './config.ts';

/** Runs `readConfig` and returns the ConfigError it must throw. */
function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof ConfigError, `expected a ConfigError, got ${String(err)}`);
    return err;
  }
  assert.fail('expected readConfig to throw');
}

function assertOneLine(message: string): void {
  assert.doesNotMatch(message, /[\r\n\u2028\u2029]/, `message spans lines: ${JSON.stringify(message)}`);
}

describe('readConfig: missing values', () => {
  it('given a required variable that is absent, when read, then the error names it and what it expects', () => {
    const err = configError(() => readConfig({}, { DATABASE_URL: url({ protocols: ['postgres:'] }) }));
    assert.equal(err.name, 'ConfigError');
    assert.equal(err.variable, 'DATABASE_URL');
    assert.match(err.message, /DATABASE_URL/);
    assert.match(err.message, /is missing/);
    assert.match(err.message, /expected a URL \(postgres:\)/);
    assertOneLine(err.message);
  });

  it('given a required variable set to the empty string, when read, then it is treated as missing', () => {
    const err = configError(() => readConfig({ PORT: '' }, { PORT: port() }));
    assert.equal(err.variable, 'PORT');
    assert.match(err.message, /PORT is missing; expected a TCP port from 0 to 65535/);
  });

  it('given an empty string for a variable with a default, when read, then the default is used', () => {
    const config = readConfig({ PORT: '' }, { PORT: port(3001) });
    assert.equal(config.PORT, 3001);
  });

  it('given several missing variables, when read, then the first in schema order is named', () => {
    const err = configError(() => readConfig({}, { A: str(), B: str() }));
    assert.equal(err.variable, 'A');
  });
});

describe('readConfig: defaults', () => {
  it('given no variables, when read, then every fallback is applied, including falsy ones', () => {
    const config = readConfig(
      {},
      {
        PORT: port(3001),
        WORKERS: int({ fallback: 0, min: 0, max: 8 }),
        DEBUG: bool(false),
        LOG_LEVEL: oneOf(['info', 'debug'], 'info'),
        NAME: str({ fallback: 'strongbox' }),
        BROKER_URL: url({ protocols: ['amqp:'], fallback: 'amqp://localhost' }),
        NOTE: optionalStr(),
        CACHE_URL: optionalUrl(['redis:']),
      },
    );
    assert.deepEqual(config, {
      PORT: 3001,
      WORKERS: 0,
      DEBUG: false,
      LOG_LEVEL: 'info',
      NAME: 'strongbox',
      BROKER_URL: 'amqp://localhost',
      NOTE: undefined,
      CACHE_URL: undefined,
    });
  });

  it('given values for every variable, when read, then they win over the defaults', () => {
    const config = readConfig(
      { PORT: '8080', DEBUG: 'TRUE', LOG_LEVEL: 'debug', WORKERS: '-3', CACHE_URL: 'redis://cache:6379' },
      {
        PORT: port(3001),
        DEBUG: bool(false),
        LOG_LEVEL: oneOf(['info', 'debug'], 'info'),
        WORKERS: int({ fallback: 1 }),
        CACHE_URL: optionalUrl(['redis:']),
      },
    );
    assert.deepEqual(config, {
      PORT: 8080,
      DEBUG: true,
      LOG_LEVEL: 'debug',
      WORKERS: -3,
      CACHE_URL: 'redis://cache:6379',
    });
  });
});

describe('readConfig: invalid values', () => {
  const invalid: ReadonlyArray<[string, string, Parameters<typeof readConfig>[1], RegExp]> = [
    ['port above 65535', '65536', { V: port() }, /TCP port from 0 to 65535/],
    ['negative port', '-1', { V: port() }, /TCP port/],
    ['port with spaces', ' 80', { V: port() }, /TCP port/],
    ['port as a float', '80.0', { V: port() }, /TCP port/],
    ['port in exponent form', '1e3', { V: port() }, /TCP port/],
    ['int below min', '0', { V: int({ min: 1, max: 10 }) }, /an integer from 1 to 10/],
    ['int above max', '11', { V: int({ min: 1, max: 10 }) }, /an integer from 1 to 10/],
    ['int past the safe range', '9007199254740993', { V: int() }, /an integer from/],
    ['int as hex', '0x10', { V: int() }, /an integer from/],
    ['bool as yes', 'yes', { V: bool() }, /true or false/],
    ['oneOf in the wrong case', 'INFO', { V: oneOf(['info', 'debug']) }, /one of info, debug/],
    ['url that is not one', 'localhost:5432', { V: url() }, /a URL \(http: or https:\)/],
    ['url with another protocol', 'ftp://x', { V: url() }, /a URL \(http: or https:\)/],
    ['string not matching its pattern', 'abc', { V: str({ pattern: /^\d+$/ }) }, /matching/],
  ];
  for (const [what, raw, schema, expected] of invalid) {
    it(`given a ${what} (${JSON.stringify(raw)}), when read, then a one-line ConfigError names the variable`, () => {
      const err = configError(() => readConfig({ V: raw }, schema));
      assert.equal(err.variable, 'V');
      assert.match(err.message, /^config: V is invalid/);
      assert.match(err.message, expected);
      assertOneLine(err.message);
    });
  }

  it('given a non-secret invalid value, when read, then it is echoed so the operator sees the typo', () => {
    const err = configError(() => readConfig({ PORT: 'eighty' }, { PORT: port() }));
    assert.match(err.message, /\(eighty\)/);
  });

  it('given an invalid value containing a line break, when read, then the message still stays on one line', () => {
    // The message is printed before exit; a value with a newline must not forge a second log line.
    const err = configError(() =>
      readConfig({ LOG_LEVEL: 'info\n{"level":"info","msg":"forged"}' }, { LOG_LEVEL: oneOf(['info']) }),
    );
    assertOneLine(err.message);
  });
});

describe('readConfig: secrets are never echoed', () => {
  it('given a postgres URL with a password where http is expected, when read, then neither URL nor password appears', () => {
    const raw = 'postgres://app:hunter2-s3cret@db.internal:5432/strongbox';
    const err = configError(() => readConfig({ DATABASE_URL: raw }, { DATABASE_URL: url() }));
    assert.equal(err.variable, 'DATABASE_URL');
    assert.doesNotMatch(err.message, /hunter2/);
    assert.doesNotMatch(err.message, /db\.internal/);
    assert.ok(!err.message.includes(raw));
    assert.match(err.message, /<redacted>/);
  });

  it('given an unparsable URL that carries a password, when read, then the password does not appear', () => {
    const raw = 'postgres://app:hunter2@[not-a-host';
    const err = configError(() =>
      readConfig({ DATABASE_URL: raw }, { DATABASE_URL: url({ protocols: ['postgres:'] }) }),
    );
    assert.doesNotMatch(err.message, /hunter2/);
  });

  it('given an optional URL with a password and the wrong protocol, when read, then the password does not appear', () => {
    const err = configError(() =>
      readConfig({ CACHE_URL: 'http://:topsecret@cache' }, { CACHE_URL: optionalUrl(['redis:']) }),
    );
    assert.doesNotMatch(err.message, /topsecret/);
  });

  it('given a secret string that fails its pattern, when read, then the value does not appear', () => {
    const err = configError(() =>
      readConfig(
        { SIGNING_KEY: 'oops-sk-live-123' },
        { SIGNING_KEY: str({ pattern: /^sk_/, secret: true }) },
      ),
    );
    assert.equal(err.variable, 'SIGNING_KEY');
    assert.doesNotMatch(err.message, /oops-sk-live-123/);
  });

  it('given a valid URL, when read, then it is returned unchanged', () => {
    const raw = 'postgres://app:p%40ss@db:5432/strongbox?sslmode=require';
    const config = readConfig({ DATABASE_URL: raw }, { DATABASE_URL: url({ protocols: ['postgres:'] }) });
    assert.equal(config.DATABASE_URL, raw);
  });
});

describe('rotatingSecrets', () => {
  const field = rotatingSecrets({ charsMin: 8 });
  it('takes one secret, or two during a rotation, each long enough', () => {
    assert.deepEqual(readConfig({ S: 'abcdefgh' }, { S: field }).S, ['abcdefgh']);
    assert.deepEqual(readConfig({ S: 'abcdefgh, 12345678' }, { S: field }).S, ['abcdefgh', '12345678']);
  });
  it('refuses three, a short one or none, without echoing the value', () => {
    for (const raw of ['a,b', 'abcdefgh,12345678,zzzzzzzz', 'abcdefgh,']) {
      assert.throws(
        () => readConfig({ S: raw }, { S: field }),
        (e) => e instanceof ConfigError && !e.message.includes(raw),
      );
    }
    assert.throws(() => readConfig({}, { S: field }), ConfigError);
    assert.deepEqual(readConfig({}, { S: rotatingSecrets({ charsMin: 8, fallback: [] }) }).S, []);
  });
});
