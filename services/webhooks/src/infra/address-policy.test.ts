import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EMPTY_ALLOW_LIST, judgeAddress, parseAllowedPorts, parseAllowList } from './address-policy.ts';
import { checkTarget, type Resolver } from './target-check.ts';

const noDns: Resolver = async () => {
  throw new Error('no DNS in this test');
};
const dnsSays =
  (...addresses: string[]): Resolver =>
  async () =>
    addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));

describe('address policy', () => {
  it('refuses loopback, private, link-local, metadata, CGNAT, unspecified, multicast and mapped forms', () => {
    for (const address of [
      '127.0.0.1',
      '127.1.2.3',
      '10.0.0.1',
      '172.16.0.1',
      '172.31.255.255',
      '192.168.1.1',
      '169.254.169.254',
      '100.64.0.1',
      '0.0.0.0',
      '224.0.0.1',
      '255.255.255.255',
      '::1',
      '::',
      'fc00::1',
      'fd12:3456::1',
      'fe80::1',
      'ff02::1',
      '::ffff:127.0.0.1',
      '::ffff:10.0.0.1',
      '::ffff:169.254.169.254',
      '64:ff9b::a00:1',
      '2002:a00:1::',
      // Every other IPv6 form that embeds an IPv4 address.
      '::7f00:1',
      '::a00:1',
      '::808:808',
      '::ffff:0:7f00:1',
      '64:ff9b:1::a00:1',
      '2001::1',
      '2001:0:4136:e378:8000:63bf:3fff:fdd2',
      '2002:808:808::1',
    ]) {
      assert.equal(judgeAddress(address, EMPTY_ALLOW_LIST).kind, 'refused', address);
    }
  });

  it('accepts public unicast addresses', () => {
    for (const address of ['93.184.216.34', '8.8.8.8', '172.32.0.1', '2606:4700::1111', '::ffff:8.8.8.8'])
      assert.equal(judgeAddress(address, EMPTY_ALLOW_LIST).kind, 'public', address);
  });

  it('WEBHOOK_ALLOWED_HOSTS allows listed networks (mapped forms included) and names', () => {
    const allow = parseAllowList('127.0.0.1/32, [::1], receiver.internal');
    assert.ok(allow);
    assert.equal(judgeAddress('127.0.0.1', allow).kind, 'allowed');
    assert.equal(judgeAddress('::ffff:127.0.0.1', allow).kind, 'allowed');
    assert.equal(judgeAddress('::1', allow).kind, 'allowed');
    assert.equal(judgeAddress('127.0.0.2', allow).kind, 'refused');
    assert.ok(allow.hosts.has('receiver.internal'));
    assert.equal(parseAllowList('not a host!'), undefined);
    assert.deepEqual(parseAllowList(''), { hosts: new Set(), networks: [], ports: new Set([443]) });
  });

  it('WEBHOOK_ALLOWED_PORTS takes a list of TCP ports and refuses anything else', () => {
    assert.deepEqual(parseAllowedPorts('443, 8443'), new Set([443, 8443]));
    for (const bad of ['', '0', '65536', 'https', '443;22', '-1', '4.43'])
      assert.equal(parseAllowedPorts(bad), undefined, bad);
  });
});

describe('target check (no connection is made)', () => {
  it('refuses literal private targets and names resolving to them', async () => {
    for (const url of [
      'https://127.0.0.1/hook',
      'https://10.0.0.1/hook',
      'https://169.254.169.254/latest/meta-data/',
      'https://[::1]/hook',
      'https://[::ffff:127.0.0.1]/hook',
      'https://0x7f000001/hook',
      'https://[::127.0.0.1]/hook',
      'https://[::ffff:0:127.0.0.1]/hook',
      'https://[64:ff9b::127.0.0.1]/hook',
    ]) {
      const r = await checkTarget(url, EMPTY_ALLOW_LIST, noDns);
      assert.equal(r.ok, false, url);
      assert.equal(r.ok === false && r.code, 'url_not_allowed', url);
    }
    const rebound = await checkTarget('https://hooks.example.com/', EMPTY_ALLOW_LIST, dnsSays('10.1.2.3'));
    assert.equal(rebound.ok, false);
  });

  it('refuses a name when any of its addresses is private', async () => {
    const r = await checkTarget('https://mixed.example/', EMPTY_ALLOW_LIST, dnsSays('8.8.8.8', '127.0.0.1'));
    assert.equal(r.ok, false);
  });

  it('refuses a public target on any port but the allowed ones', async () => {
    for (const url of ['https://1.1.1.1:22/', 'https://1.1.1.1:80/', 'https://1.1.1.1:8443/']) {
      const r = await checkTarget(url, EMPTY_ALLOW_LIST, noDns);
      assert.equal(r.ok === false && r.code, 'url_not_allowed', url);
    }
    assert.ok((await checkTarget('https://1.1.1.1:443/', EMPTY_ALLOW_LIST, noDns)).ok);
    const named = await checkTarget(
      'https://hooks.example.com:25/',
      EMPTY_ALLOW_LIST,
      dnsSays('93.184.216.34'),
    );
    assert.equal(named.ok, false);
    const wider = { ...EMPTY_ALLOW_LIST, ports: new Set([443, 8443]) };
    assert.ok((await checkTarget('https://1.1.1.1:8443/', wider, noDns)).ok);
  });

  it('refuses a name without saying what it resolves to, or whether it resolves at all', async () => {
    const answers = [];
    for (const resolve of [dnsSays('10.1.2.3'), dnsSays('8.8.8.8', '169.254.169.254'), dnsSays(), noDns]) {
      const r = await checkTarget('https://internal.example.com/', EMPTY_ALLOW_LIST, resolve);
      assert.equal(r.ok, false);
      if (!r.ok) answers.push(r.problem);
    }
    assert.equal(new Set(answers).size, 1, 'one answer for every refused name');
    for (const leak of ['10.1.2.3', '169.254', 'private', 'linkLocal', 'resolves to'])
      assert.ok(!String(answers[0]).includes(leak), `${leak} in ${answers[0]}`);
  });

  it('accepts a public https target and answers the vetted address to connect to', async () => {
    const r = await checkTarget('https://hooks.example.com/x', EMPTY_ALLOW_LIST, dnsSays('93.184.216.34'));
    assert.ok(r.ok);
    assert.deepEqual(r.address, { address: '93.184.216.34', family: 4 });
  });

  it('refuses plain http to public hosts, and unresolvable names', async () => {
    const http = await checkTarget('http://hooks.example.com/x', EMPTY_ALLOW_LIST, dnsSays('93.184.216.34'));
    assert.equal(http.ok, false);
    const none = await checkTarget('https://nowhere.invalid/', EMPTY_ALLOW_LIST, noDns);
    assert.equal(none.ok, false);
  });

  it('allows http to a listed network or name', async () => {
    const allow = parseAllowList('127.0.0.1/32,receiver.internal');
    assert.ok(allow);
    assert.ok((await checkTarget('http://127.0.0.1:9/x', allow, noDns)).ok);
    assert.ok((await checkTarget('http://receiver.internal/x', allow, dnsSays('10.9.9.9'))).ok);
  });
});
