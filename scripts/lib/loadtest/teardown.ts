/**
 * Everything the load test starts registers how to stop it here; on a normal exit, an
 * error, SIGINT, SIGTERM or SIGHUP it is all stopped, last started first, once, so no
 * workerd, nginx or origin process is left running and no port stays bound.
 */
type Stopper = { readonly what: string; readonly stop: () => Promise<void> | void };

const stoppers: Stopper[] = [];
let running: Promise<void> | undefined;

export function onTeardown(what: string, stop: () => Promise<void> | void): void {
  stoppers.push({ what, stop });
}

/** Stops everything registered (each bounded to 10 s); safe to call more than once. */
export function teardown(): Promise<void> {
  running ??= (async () => {
    while (stoppers.length > 0) {
      const s = stoppers.pop();
      if (s === undefined) break;
      let timer: ReturnType<typeof setTimeout> | undefined;
      try {
        await Promise.race([
          Promise.resolve(s.stop()),
          new Promise<void>((_, reject) => (timer = setTimeout(() => reject(new Error("timed out")), 10_000))),
        ]);
      } catch (error) {
        console.error(`loadtest: stopping ${s.what} failed: ${error instanceof Error ? error.message : String(error)}`);
      } finally {
        clearTimeout(timer);
      }
    }
  })();
  return running;
}

/** Tears down and exits on a signal or a stray error; `interrupt` runs first (to stop the load generator). */
export function exitOnSignals(interrupt: () => void): void {
  for (const event of ["uncaughtException", "unhandledRejection"] as const) {
    process.once(event, (error: unknown) => {
      console.error(`loadtest: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      interrupt();
      void teardown().then(() => process.exit(1));
    });
  }
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
    process.once(signal, () => {
      console.error(`\nloadtest: ${signal}, stopping everything it started…`);
      interrupt();
      void teardown().then(() => process.exit(130));
    });
  }
}
