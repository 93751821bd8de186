/**
 * A time limit on a call to the Durable Object (or anything else that may hang): the
 * result, or a rejection naming what took too long. The timer is cleared either way.
 */
/** What withDeadline rejects with when the time runs out (told apart from the call's own failure). */
export class DeadlineError extends Error {}

export async function withDeadline<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new DeadlineError(`${what} took longer than ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
