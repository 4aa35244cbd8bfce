import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { describe, it } from 'node:test';
import { startServiceProcess, stopServiceProcess } from './testing-process.ts';

const FIXTURE = resolve(import.meta.dirname, 'fixtures/ready-service.ts');
const env = (port: number) => ({ PATH: process.env['PATH'] ?? '', FIXTURE_PORT: String(port) });

describe('startServiceProcess', () => {
  it('given port 0, when the service starts, then it reports its port and answers /ready there', async () => {
    const p = await startServiceProcess(FIXTURE, { cwd: import.meta.dirname, env: env(0) });
    try {
      assert.ok(p.port > 0);
      assert.equal(p.url, `http://127.0.0.1:${p.port}`);
      assert.equal((await fetch(`${p.url}/ready`)).status, 200);
    } finally {
      await stopServiceProcess(p.child, 'SIGTERM');
    }
    assert.ok(p.child.exitCode !== null || p.child.signalCode !== null, 'the process has exited');
  });

  it('given a port another process holds, when a second service starts on it, then the start fails saying so', async () => {
    const first = await startServiceProcess(FIXTURE, { cwd: import.meta.dirname, env: env(0) });
    try {
      await assert.rejects(
        startServiceProcess(FIXTURE, { cwd: import.meta.dirname, env: env(first.port) }),
        new RegExp(`port ${first.port} is taken by another process`),
      );
    } finally {
      await stopServiceProcess(first.child, 'SIGKILL');
    }
  });
});
