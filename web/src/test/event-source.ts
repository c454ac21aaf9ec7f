import { act } from "@testing-library/react";
import { vi } from "vitest";

type Listener = (event: Event) => void;

/** A stand-in for the browser's EventSource (jsdom has none): tests push the server's events with `emit`. */
export class FakeEventSource {
  static readonly CONNECTING = 0;
  static readonly OPEN = 1;
  static readonly CLOSED = 2;

  readonly url: string;
  readyState = FakeEventSource.OPEN;
  private readonly listeners = new Map<string, Set<Listener>>();

  constructor(url: string | URL) {
    this.url = String(url);
  }

  addEventListener(type: string, listener: Listener): void {
    if (!this.listeners.has(type)) this.listeners.set(type, new Set());
    this.listeners.get(type)!.add(listener);
  }

  removeEventListener(type: string, listener: Listener): void {
    this.listeners.get(type)?.delete(listener);
  }

  close(): void {
    this.readyState = FakeEventSource.CLOSED;
  }

  get closed(): boolean {
    return this.readyState === FakeEventSource.CLOSED;
  }

  /** What the browser fires once the server has answered 200 with an event stream. */
  emitOpen(): void {
    this.readyState = FakeEventSource.OPEN;
    const event = new Event("open");
    act(() => this.listeners.get("open")?.forEach((listener) => listener(event)));
  }

  /** What the browser fires when the connection drops (readyState CONNECTING) or is refused (CLOSED). */
  emitError(): void {
    const event = new Event("error");
    act(() => this.listeners.get("error")?.forEach((listener) => listener(event)));
  }

  /** Delivers a named event with `data` as JSON, as the server's stream would; a closed source receives nothing. */
  emit(type: string, data: unknown): void {
    if (this.closed) return;
    const event = new MessageEvent(type, { data: JSON.stringify(data) });
    act(() => this.listeners.get(type)?.forEach((listener) => listener(event)));
  }
}

/** Stubs the global EventSource; returns every source opened so far, in order. */
export function mockEventSource(): FakeEventSource[] {
  const sources: FakeEventSource[] = [];
  vi.stubGlobal(
    "EventSource",
    class extends FakeEventSource {
      constructor(url: string | URL) {
        super(url);
        sources.push(this);
      }
    },
  );
  return sources;
}
