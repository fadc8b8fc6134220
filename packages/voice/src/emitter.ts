/**
 * A small typed event emitter that works in every runtime (no node:events), with the shape of Node's
 * EventEmitter so that `events.once(connection, 'ready')` and other EventEmitter helpers accept it, as they accept
 * the AudioPlayer. A throwing listener is isolated: it cannot break the connection that emitted the event.
 */
export type Listener<A extends unknown[]> = (...args: A) => void;
type AnyListener = (...args: any[]) => void;
type Name<Events> = keyof Events & (string | symbol);

export class TypedEmitter<Events extends { [K in keyof Events]: unknown[] }> {
  private readonly table = new Map<keyof Events, { fn: AnyListener; raw: AnyListener }[]>();
  private maxListeners = 10;

  on<K extends Name<Events>>(event: K, listener: Listener<Events[K]>): this {
    return this.add(event, listener as AnyListener, listener as AnyListener, false);
  }

  addListener<K extends Name<Events>>(event: K, listener: Listener<Events[K]>): this {
    return this.on(event, listener);
  }

  prependListener<K extends Name<Events>>(event: K, listener: Listener<Events[K]>): this {
    return this.add(event, listener as AnyListener, listener as AnyListener, true);
  }

  once<K extends Name<Events>>(event: K, listener: Listener<Events[K]>): this {
    return this.add(event, this.onceWrapper(event, listener as AnyListener), listener as AnyListener, false);
  }

  prependOnceListener<K extends Name<Events>>(event: K, listener: Listener<Events[K]>): this {
    return this.add(event, this.onceWrapper(event, listener as AnyListener), listener as AnyListener, true);
  }

  off<K extends Name<Events>>(event: K, listener: Listener<Events[K]>): this {
    const list = this.table.get(event);
    if (!list) return this;
    const i = list.findIndex((e) => e.raw === listener || e.fn === listener);
    if (i >= 0) list.splice(i, 1);
    if (list.length === 0) this.table.delete(event);
    return this;
  }

  removeListener<K extends Name<Events>>(event: K, listener: Listener<Events[K]>): this {
    return this.off(event, listener);
  }

  removeAllListeners(event?: Name<Events>): this {
    if (event === undefined) this.table.clear();
    else this.table.delete(event);
    return this;
  }

  listenerCount(event: Name<Events>): number {
    return this.table.get(event)?.length ?? 0;
  }

  listeners(event: Name<Events>): Function[] {
    return (this.table.get(event) ?? []).map((e) => e.raw);
  }

  rawListeners(event: Name<Events>): Function[] {
    return (this.table.get(event) ?? []).map((e) => e.fn);
  }

  eventNames(): (string | symbol)[] {
    return [...this.table.keys()] as (string | symbol)[];
  }

  setMaxListeners(n: number): this {
    this.maxListeners = n;
    return this;
  }

  getMaxListeners(): number {
    return this.maxListeners;
  }

  /** Calls every listener of `event`; one that throws is reported asynchronously and does not stop the others. */
  emit<K extends Name<Events>>(event: K, ...args: Events[K]): boolean {
    const list = this.table.get(event);
    if (!list || list.length === 0) return false;
    for (const { fn } of [...list]) {
      try {
        fn.apply(this, args);
      } catch (e) {
        // A user listener's bug must not break the connection; report it like an uncaught error.
        queueMicrotask(() => {
          throw e;
        });
      }
    }
    return true;
  }

  private add(event: keyof Events, fn: AnyListener, raw: AnyListener, prepend: boolean): this {
    let list = this.table.get(event);
    if (!list) this.table.set(event, (list = []));
    if (prepend) list.unshift({ fn, raw });
    else list.push({ fn, raw });
    return this;
  }

  private onceWrapper(event: keyof Events, listener: AnyListener): AnyListener {
    const wrapped = (...args: unknown[]): void => {
      this.off(event as Name<Events>, wrapped as never);
      listener.apply(this, args);
    };
    return wrapped;
  }
}
