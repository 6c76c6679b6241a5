/**
 * Domain lifecycle events (see api/core.ts for the class layout).
 *
 * CONNECT_DOMAIN_EVENT_CALLBACK_REGISTER_ANY asks the daemon to send a
 * DOMAIN_EVENT_CALLBACK_LIFECYCLE message, tagged with the callbackID it
 * returned, whenever a domain (one, or any) is defined, started, stopped, …
 * Messages arrive on serial 0, outside any call, and are routed here by
 * callbackID. Registrations live as long as the connection: the daemon drops
 * them when it closes, and so do we.
 */
import type { Connection } from "../connection";
import type { Packet } from "../framing";
import { DomainEventId, Procedure, Program } from "../protocol";
import { decodeDomainLifecycleEvent, encodeDomainRef } from "../types";
import type { DomainLifecycleEvent, DomainRef } from "../types";
import { XdrReader } from "../xdr";
import { SnapshotMethods } from "./snapshots";

export type LifecycleCallback = (event: DomainLifecycleEvent) => void;

export interface EventRegistration {
  readonly callbackId: number;
  /** Stops the callbacks. Idempotent; resolves at once on a closed connection. */
  deregister(): Promise<void>;
}

/**
 * Events that arrive while a registration's reply is still on its way (the
 * daemon may queue an event before the reply that names its callbackID) are
 * held, at most this many, and handed over once the ID is known.
 */
const MAX_EARLY_EVENTS = 256;

export class EventMethods extends SnapshotMethods {
  private router?: LifecycleRouter;

  /**
   * Calls `callback` for every lifecycle event of `dom` (null: of every
   * domain) until deregistered or the connection closes. A callback that
   * throws is ignored; it never breaks the connection.
   */
  async domainEventLifecycleRegister(
    dom: DomainRef | null,
    callback: LifecycleCallback,
  ): Promise<EventRegistration> {
    this.router ??= new LifecycleRouter(this.conn);
    const router = this.router;
    const callbackId = await router.register(callback, () =>
      this.call(
        Procedure.ConnectDomainEventCallbackRegisterAny,
        (w) => {
          w.writeInt(DomainEventId.Lifecycle);
          w.writeOptional(dom, encodeDomainRef);
        },
        (r) => r.readInt(),
      ),
    );
    let done: Promise<void> | undefined;
    return {
      callbackId,
      deregister: () => {
        done ??= this.deregister(router, callbackId);
        return done;
      },
    };
  }

  private async deregister(router: LifecycleRouter, callbackId: number): Promise<void> {
    if (!router.forget(callbackId) || !this.conn.isOpen) return;
    await this.call(Procedure.ConnectDomainEventCallbackDeregisterAny, (w) =>
      w.writeInt(callbackId),
    );
  }
}

class LifecycleRouter {
  private readonly callbacks = new Map<number, LifecycleCallback>();
  private registering = 0;
  private early: DomainLifecycleEvent[] = [];

  constructor(conn: Connection) {
    conn.onMessage(Program.Remote, Procedure.DomainEventCallbackLifecycle, (p) => this.route(p));
    conn.onClose(() => this.callbacks.clear());
  }

  async register(callback: LifecycleCallback, call: () => Promise<number>): Promise<number> {
    this.registering++;
    let id: number;
    try {
      id = await call();
    } finally {
      this.registering--;
    }
    this.callbacks.set(id, callback);
    const mine = this.early.filter((e) => e.callbackId === id);
    this.early = this.registering === 0 ? [] : this.early.filter((e) => e.callbackId !== id);
    for (const e of mine) deliver(callback, e);
    return id;
  }

  /** True if the ID was registered (and is now forgotten). */
  forget(callbackId: number): boolean {
    return this.callbacks.delete(callbackId);
  }

  private route(p: Packet): void {
    let event: DomainLifecycleEvent;
    try {
      const r = new XdrReader(p.payload);
      event = decodeDomainLifecycleEvent(r);
      r.expectEnd();
    } catch {
      return; // a malformed event is dropped; calls on the connection are unaffected
    }
    const callback = this.callbacks.get(event.callbackId);
    if (callback !== undefined) deliver(callback, event);
    else if (this.registering > 0 && this.early.length < MAX_EARLY_EVENTS) this.early.push(event);
  }
}

function deliver(callback: LifecycleCallback, event: DomainLifecycleEvent): void {
  try {
    callback(event);
  } catch {
    /* the callback's own problem */
  }
}
