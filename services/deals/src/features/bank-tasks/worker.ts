import { type BankTaskDeps, runBankTasks } from './handler.ts';

/**
 * The bank-task worker as a loop beside the HTTP app: a round as soon as the last one did something,
 * otherwise after `pollMs`; never two rounds at once. Stopping waits for the round in hand, whose tasks are
 * then recorded (a task cut short by a crash is claimed again when its lease ends).
 */
export function bankTaskWorker(deps: BankTaskDeps, pollMs: number) {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let round: Promise<void> = Promise.resolve();
  const schedule = (delay: number) => {
    timer = setTimeout(() => {
      round = runBankTasks(deps)
        .then((done) => done)
        .catch((err: unknown) => {
          deps.logger.error({ err }, 'bank-task round failed');
          return 0;
        })
        .then((done) => {
          if (!stopped) schedule(done > 0 ? 0 : pollMs);
        });
    }, delay);
  };
  return {
    start: () => schedule(0),
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await round;
    },
  };
}
