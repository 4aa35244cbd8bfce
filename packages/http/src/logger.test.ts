import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import { createLogger, requestLogger } from './logger.ts';

const SECRETS = {
  password: 'pw-hunter2',
  newPassword: 'pw-next-hunter3',
  refreshToken: 'rt-abc123refresh',
  accessToken: 'at-eyJhbGciOi.access',
  clientSecret: 'cs-client-secret-xyz',
  token: 'tok-plain-token',
  secret: 'sec-raw-secret',
  authorization: 'Bearer at-eyJhbGciOi.header',
  cookie: 'session=cookie-s3cret',
} as const;

/** A logger whose output is collected synchronously, one parsed JSON object per line. */
function capture(service = 'identity') {
  const raw: string[] = [];
  const destination = new Writable({
    write(chunk, _enc, cb) {
      raw.push(String(chunk));
      cb();
    },
  });
  const log = createLogger({ service, level: 'debug', destination });
  const text = () => raw.join('');
  const lines = () =>
    text()
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  return { log, text, lines };
}

/** No secret in the output, which must hold something: a test that logged nothing would prove nothing. */
function assertNoSecret(text: string): void {
  assert.notEqual(text, '', 'something was logged');
  for (const [name, value] of Object.entries(SECRETS)) {
    assert.ok(!text.includes(value), `${name} leaked: ${text}`);
  }
}

describe('createLogger redaction', () => {
  it('given top-level credentials, when logged, then each is replaced by [redacted]', () => {
    const { log, text, lines } = capture();
    log.info(
      {
        password: SECRETS.password,
        newPassword: SECRETS.newPassword,
        refreshToken: SECRETS.refreshToken,
        accessToken: SECRETS.accessToken,
        clientSecret: SECRETS.clientSecret,
        token: SECRETS.token,
        secret: SECRETS.secret,
        authorization: SECRETS.authorization,
        email: 'alice@example.com',
      },
      'login',
    );
    assertNoSecret(text());
    const [line] = lines();
    assert.equal(line?.['password'], '[redacted]');
    assert.equal(line?.['refreshToken'], '[redacted]');
    assert.equal(line?.['accessToken'], '[redacted]');
    assert.equal(line?.['clientSecret'], '[redacted]');
    assert.equal(line?.['authorization'], '[redacted]');
    assert.equal(line?.['email'], 'alice@example.com', 'non-secret fields are kept');
  });

  it('given an authorization header under req.headers and under headers, when logged, then both are redacted', () => {
    const { log, text, lines } = capture();
    log.info({
      req: { method: 'POST', headers: { authorization: SECRETS.authorization, cookie: SECRETS.cookie } },
    });
    log.info({ headers: { authorization: SECRETS.authorization, cookie: SECRETS.cookie, host: 'api' } });
    assertNoSecret(text());
    const [first, second] = lines() as [
      { req: { headers: Record<string, string>; method: string } },
      { headers: Record<string, string> },
    ];
    assert.equal(first.req.headers['authorization'], '[redacted]');
    assert.equal(first.req.headers['cookie'], '[redacted]');
    assert.equal(first.req.method, 'POST');
    assert.equal(second.headers['authorization'], '[redacted]');
    assert.equal(second.headers['host'], 'api');
  });

  it('given a request body with credentials, when logged, then the credentials are redacted and the rest kept', () => {
    const { log, text, lines } = capture();
    log.warn({
      body: {
        email: 'alice@example.com',
        password: SECRETS.password,
        newPassword: SECRETS.newPassword,
        refreshToken: SECRETS.refreshToken,
        clientSecret: SECRETS.clientSecret,
      },
    });
    assertNoSecret(text());
    const body = (lines()[0] as { body: Record<string, string> }).body;
    assert.deepEqual(body, {
      email: 'alice@example.com',
      password: '[redacted]',
      newPassword: '[redacted]',
      refreshToken: '[redacted]',
      clientSecret: '[redacted]',
    });
  });

  it('given credentials one level down under any key, when logged, then they are redacted', () => {
    const { log, text, lines } = capture();
    log.info({ input: { accessToken: SECRETS.accessToken }, client: { clientSecret: SECRETS.clientSecret } });
    assertNoSecret(text());
    const [line] = lines();
    assert.deepEqual(line?.['input'], { accessToken: '[redacted]' });
    assert.deepEqual(line?.['client'], { clientSecret: '[redacted]' });
  });

  it('given credentials two and three levels down, as when a whole request or error is logged, then they are redacted', () => {
    const { log, text, lines } = capture();
    log.info({ req: { body: { email: 'alice@example.com', password: SECRETS.password } } });
    log.info({ command: { credentials: { refreshToken: SECRETS.refreshToken } } });
    log.error({
      err: { request: { headers: { authorization: SECRETS.authorization, cookie: SECRETS.cookie } } },
    });
    assertNoSecret(text());
    assert.match(text(), /"body":\{"email":"alice@example.com","password":"\[redacted\]"\}/);
    const [, second, third] = lines();
    assert.deepEqual(second?.['command'], { credentials: { refreshToken: '[redacted]' } });
    assert.deepEqual(third?.['err'], {
      request: { headers: { authorization: '[redacted]', cookie: '[redacted]' } },
    });
  });

  it('given credentials inside arrays, when logged, then every element is redacted', () => {
    const { log, text, lines } = capture();
    log.info({ clients: [{ clientSecret: SECRETS.clientSecret }, { clientSecret: SECRETS.clientSecret }] });
    log.info({ body: { tokens: [{ token: SECRETS.token }] } });
    assertNoSecret(text());
    const [first, second] = lines();
    assert.deepEqual(first?.['clients'], [{ clientSecret: '[redacted]' }, { clientSecret: '[redacted]' }]);
    assert.deepEqual(second?.['body'], { tokens: [{ token: '[redacted]' }] });
  });

  it('given an object that is logged, when redacted, then the caller’s object is left untouched', () => {
    const { log, lines } = capture();
    const body = { password: SECRETS.password };
    log.info({ body });
    assert.equal(body.password, SECRETS.password);
    assert.deepEqual(lines()[0]?.['body'], { password: '[redacted]' }, 'while the line is redacted');
  });
});

describe('createLogger lines', () => {
  it('given a child with a traceId, when it logs, then the JSON line has service, traceId, level and time', () => {
    const { log, lines } = capture('ledger');
    log.child({ traceId: '4bf92f3577b34da6a3ce929d0e0e4736' }).info({ amountMinor: '100' }, 'posted');
    const [line] = lines();
    assert.equal(line?.['service'], 'ledger');
    assert.equal(line?.['traceId'], '4bf92f3577b34da6a3ce929d0e0e4736');
    assert.equal(line?.['level'], 'info');
    assert.equal(line?.['msg'], 'posted');
    assert.equal(line?.['amountMinor'], '100');
    assert.ok(!Number.isNaN(Date.parse(String(line?.['time']))), 'time is an ISO timestamp');
  });

  it('given a child bound with a credential, when it logs, then the bound credential is redacted too', () => {
    const { log, text, lines } = capture();
    log.child({ traceId: 't-1', accessToken: SECRETS.accessToken }).info('bound');
    assertNoSecret(text());
    const [line] = lines();
    assert.equal(line?.['msg'], 'bound');
    assert.equal(line?.['accessToken'], '[redacted]');
  });

  it('given a level below the threshold, when logged, then nothing is written', () => {
    const raw: string[] = [];
    const destination = new Writable({
      write(chunk, _enc, cb) {
        raw.push(String(chunk));
        cb();
      },
    });
    const log = createLogger({ service: 'identity', level: 'warn', destination });
    log.info({ password: SECRETS.password }, 'quiet');
    assert.deepEqual(raw, []);
  });
});

describe('requestLogger', () => {
  it('given plain string bindings, when the request logger logs, then the line is what pino.child writes', () => {
    const { log, text } = capture();
    requestLogger(log, { reqId: 'req-1', traceId: '4bf92f3577b34da6a3ce929d0e0e4736' }, {}).info('hi');
    log.child({ reqId: 'req-1', traceId: '4bf92f3577b34da6a3ce929d0e0e4736' }).info('hi');
    const [mine, pinos] = text()
      .split('\n')
      .map((l) => l.replace(/"time":"[^"]*"/, ''));
    assert.equal(mine, pinos);
    assert.match(mine ?? '', /"reqId":"req-1","traceId":"4bf92f3577b34da6a3ce929d0e0e4736"/);
  });

  it('given a binding with quotes and escapes, when logged, then the line is still valid JSON', () => {
    const { log, lines } = capture();
    requestLogger(log, { traceId: 'a"b\\c\n' }).info('x');
    assert.equal(lines()[0]?.['traceId'], 'a"b\\c\n');
  });

  it('given a secret or non-string binding, when the request logger logs, then pino redacts it as before', () => {
    const { log, text, lines } = capture();
    requestLogger(log, { traceId: 't-1', accessToken: SECRETS.accessToken }).info('bound');
    requestLogger(log, { traceId: 't-2', client: { clientSecret: SECRETS.clientSecret } }).info('nested');
    assertNoSecret(text());
    const [first, second] = lines();
    assert.equal(first?.['accessToken'], '[redacted]');
    assert.equal(first?.['traceId'], 't-1');
    assert.deepEqual(second?.['client'], { clientSecret: '[redacted]' });
  });

  it('given child options, when the request logger is made, then they apply (a route’s own level)', () => {
    const { log, lines } = capture();
    const quiet = requestLogger(log, { traceId: 't-3' }, { level: 'error' });
    quiet.info('dropped');
    quiet.error('kept');
    assert.deepEqual(
      lines().map((l) => [l['msg'], l['traceId']]),
      [['kept', 't-3']],
    );
  });

  it('given a request logger, when it makes a child of its own, then both bindings are on the line', () => {
    const { log, lines } = capture();
    requestLogger(log, { traceId: 't-4' }).child({ upstream: 'balance' }).warn('slow');
    assert.equal(lines()[0]?.['traceId'], 't-4');
    assert.equal(lines()[0]?.['upstream'], 'balance');
  });
});
