import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  advance,
  attemptOf,
  finish,
  inHand,
  openCursor,
  readsFrom,
  recordRead,
  restartPass,
} from './log-cursor.ts';

const fresh = () => openCursor({ source: 'balance', position: 10n, readTo: 10n, rereads: 0 });

describe('a log cursor', () => {
  it('given rows handled out of order, then the checkpoint moves only over the handled prefix', () => {
    const c = fresh();
    recordRead(c, [11n, 13n, 14n], 20n, 3);
    assert.equal(readsFrom(c, 0), 14n, 'a full read does not pass the end');
    finish(c, 13n, true);
    assert.equal(advance(c, 0, 100), undefined);
    finish(c, 11n, true);
    assert.equal(advance(c, 0, 100), 13n);
    assert.equal(inHand(c), 1);
    finish(c, 14n, true);
    assert.equal(advance(c, 0, 100), 14n);
  });

  it('given a row read again while its first handling is in hand (a lease taken again), then both outcomes count and neither copy is left in hand', () => {
    const c = fresh();
    recordRead(c, [11n], 20n, 1);
    // The holder's lease was taken and left expired by another instance; the statement that takes it again
    // reads from the database's checkpoint, so the same row is handed out a second time.
    recordRead(c, [11n, 12n], 20n, 2);
    finish(c, 11n, true);
    finish(c, 11n, true);
    finish(c, 12n, true);
    assert.equal(inHand(c), 0, 'no copy of the row waits for an outcome that already came');
    assert.equal(advance(c, 0, 100), 12n);
    finish(c, 11n, false);
    assert.equal(c.stalled, false, 'an outcome for a row no longer in hand changes nothing');
  });

  it('given a read shorter than asked, then the stretch up to the log end counts as passed', () => {
    const c = fresh();
    recordRead(c, [12n], 30n, 4);
    assert.equal(readsFrom(c, 0), 30n);
    assert.equal(advance(c, 0, 100), undefined, 'not before the row in hand is done');
    finish(c, 12n, true);
    assert.equal(advance(c, 0, 100), 30n);
    recordRead(c, [], 30n, 4);
    assert.equal(advance(c, 0, 100), undefined, 'nothing new');
  });

  it('given a slow row at the head, then the stretches skipped behind it stay one entry', () => {
    const c = fresh();
    recordRead(c, [11n], 15n, 4);
    recordRead(c, [], 20n, 4);
    recordRead(c, [], 25n, 4);
    assert.equal(c.entries.length, 2);
    finish(c, 11n, true);
    assert.equal(advance(c, 0, 100), 25n);
  });

  it('given a row without an outcome, then reading stops, and once the rows in hand are done it starts over from the checkpoint after the pause', () => {
    const c = fresh();
    recordRead(c, [11n, 12n, 13n], undefined, 3);
    finish(c, 12n, false);
    assert.equal(readsFrom(c, 0), undefined, 'no reads while stalled');
    finish(c, 11n, true);
    assert.equal(advance(c, 1_000, 100), 11n);
    assert.equal(c.rewind, false, 'a row is still in hand');
    finish(c, 13n, true);
    advance(c, 1_000, 100);
    assert.equal(c.rewind, true);
    assert.equal(c.checkpoint, 11n, 'the checkpoint stays before the row without an outcome');
    assert.equal(readsFrom(c, 1_050), undefined, 'paused');
    assert.equal(readsFrom(c, 1_100), 11n, 'reads again from the checkpoint, persisting the rewind');
    restartPass(c, { readTo: 13n, rereads: 1 });
    assert.equal(c.rewind, false);
    assert.equal(attemptOf(c, 12n), 2);
    assert.equal(attemptOf(c, 13n), 2, 'handled once already, read again');
    assert.equal(attemptOf(c, 14n), 1, 'never handed out');
  });

  it('given a checkpoint taken over with rows handed out, then those rows count the rereads', () => {
    const c = openCursor({ source: 'balance', position: 10n, readTo: 12n, rereads: 3 });
    assert.equal(attemptOf(c, 11n), 4);
    assert.equal(attemptOf(c, 13n), 1);
  });
});
