/**
 * The machine's RabbitMQ and Redis, as CI provides them (AMQP_URL, REDIS_URL). Without the variables these
 * tests are reported as skipped with the reason, so a laptop run stays green and honest.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { Connection } from 'rabbitmq-client';

const AMQP_URL = process.env['AMQP_URL'];
const REDIS_URL = process.env['REDIS_URL'];

describe('RabbitMQ', { skip: AMQP_URL ? false : 'AMQP_URL is not set' }, () => {
  it('round-trips a confirmed message through a quorum queue', async () => {
    const rabbit = new Connection({ url: AMQP_URL, connectionTimeout: 5_000 });
    const queue = `strongbox-smoke-${randomUUID()}`;
    try {
      const queueOptions = { queue, durable: true, arguments: { 'x-queue-type': 'quorum' as const } };
      await rabbit.queueDeclare(queueOptions);
      const publisher = rabbit.createPublisher({ confirm: true, maxAttempts: 1 });
      await publisher.send({ routingKey: queue, durable: true }, { hello: 'strongbox' });
      await publisher.close();
      let consumer: ReturnType<Connection['createConsumer']> | undefined;
      const received = await new Promise<unknown>((resolve, reject) => {
        // The handler only hands the body over; closing a consumer from inside its own handler would wait
        // for that handler to finish.
        consumer = rabbit.createConsumer({ queue, queueOptions, qos: { prefetchCount: 1 } }, async (msg) => {
          resolve(msg.body);
        });
        consumer.on('error', reject);
      });
      await consumer?.close();
      assert.deepEqual(received, { hello: 'strongbox' });
    } finally {
      await rabbit.queueDelete({ queue }).catch(() => undefined);
      await rabbit.close();
    }
  });
});

describe('Redis', { skip: REDIS_URL ? false : 'REDIS_URL is not set' }, () => {
  it('counts atomically with expiry, as shared rate-limit counters need', async () => {
    const redis = new Redis(REDIS_URL as string, { maxRetriesPerRequest: 1, lazyConnect: true });
    await redis.connect();
    const key = `strongbox:smoke:${randomUUID()}`;
    try {
      const counts = await Promise.all(Array.from({ length: 20 }, () => redis.incr(key)));
      assert.deepEqual(
        counts.sort((a, b) => a - b),
        Array.from({ length: 20 }, (_, i) => i + 1),
      );
      await redis.pexpire(key, 60_000);
      assert.ok((await redis.pttl(key)) > 0);
    } finally {
      await redis.del(key);
      redis.disconnect();
    }
  });
});
