// A FIFO counting semaphore. Vendors throttle per tenant / per app (Graph, Mimecast), so sending
// 50 parallel calls only buys 429s; the client keeps one Limiter per host it talks to.

export type Release = () => void;

export class Limiter {
  readonly max: number;
  #active = 0;
  readonly #queue: Array<{ grant: () => void }> = [];

  constructor(max: number) {
    if (!Number.isInteger(max) || max < 1) throw new RangeError(`maxConcurrency must be a positive integer, got ${max}`);
    this.max = max;
  }

  get active(): number {
    return this.#active;
  }

  get waiting(): number {
    return this.#queue.length;
  }

  /** Waits for a slot; the returned function frees it (idempotent). Rejects with the signal's reason if aborted while queued. */
  acquire(signal?: AbortSignal): Promise<Release> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.#active < this.max) {
      this.#active++;
      return Promise.resolve(this.#releaser());
    }
    return new Promise<Release>((resolve, reject) => {
      const entry = {
        grant: () => {
          signal?.removeEventListener('abort', onAbort);
          this.#active++;
          resolve(this.#releaser());
        },
      };
      const onAbort = () => {
        const i = this.#queue.indexOf(entry);
        if (i >= 0) this.#queue.splice(i, 1);
        reject(signal?.reason);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#queue.push(entry);
    });
  }

  #releaser(): Release {
    let done = false;
    return () => {
      if (done) return;
      done = true;
      this.#active--;
      this.#queue.shift()?.grant();
    };
  }
}
