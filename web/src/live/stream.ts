// The organization's changes as they happen: one server-sent events stream per tab
// (GET /api/events, bearer token in the header, which EventSource cannot send, hence
// fetch + eventsource-parser). Reconnects with backoff and resumes from the last id.
import { createParser, type EventSourceMessage } from "eventsource-parser";
import { useEffect, useRef } from "preact/hooks";
import { authorization, refreshSession } from "../api/client";

export interface LiveEvent {
  id: string;
  type: string;
  timestamp: string;
  data: Record<string, unknown>;
}

type Listener = (event: LiveEvent) => void;
type StatusListener = (connected: boolean) => void;

const listeners = new Set<Listener>();
const statusListeners = new Set<StatusListener>();
let controller: AbortController | null = null;
let lastEventId: string | null = null;
let isConnected = false;

function notifyStatus(connected: boolean): void {
  isConnected = connected;
  for (const listener of statusListeners) listener(connected);
}

/** Whether the stream is connected now (`useLiveStatus` only reports changes). */
export function liveConnected(): boolean {
  return isConnected;
}

async function connectOnce(signal: AbortSignal): Promise<void> {
  const headers: Record<string, string> = { Accept: "text/event-stream", ...(await authorization()) };
  if (lastEventId !== null) headers["Last-Event-ID"] = lastEventId;
  const response = await fetch("/api/events", { headers, signal });
  if (response.status === 401) {
    await refreshSession();
    throw new Error("unauthorized");
  }
  if (!response.ok || response.body === null) throw new Error(`stream refused: ${response.status}`);
  notifyStatus(true);
  const parser = createParser({
    onEvent(message: EventSourceMessage) {
      if (message.id) lastEventId = message.id;
      if (!message.event || message.event === "ping") return;
      const parsed = JSON.parse(message.data) as Omit<LiveEvent, "id">;
      const event: LiveEvent = { ...parsed, id: message.id ?? "" };
      for (const listener of listeners) listener(event);
    },
  });
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    parser.feed(value);
  }
}

async function run(signal: AbortSignal): Promise<void> {
  let delay = 1000;
  while (!signal.aborted) {
    const started = Date.now();
    try {
      await connectOnce(signal);
    } catch {
      // reconnect below
    }
    notifyStatus(false);
    if (signal.aborted) return;
    if (Date.now() - started > 30_000) delay = 1000;
    await new Promise((resolve) => setTimeout(resolve, delay));
    delay = Math.min(delay * 2, 30_000);
  }
}

function ensureConnected(): void {
  if (controller !== null) return;
  controller = new AbortController();
  void run(controller.signal);
}

/** Close the stream (on sign-out). */
export function disconnectLive(): void {
  controller?.abort();
  controller = null;
  lastEventId = null;
}

/** Call `onEvent` for every change whose type starts with one of `prefixes` (all when empty). */
export function useLiveEvents(prefixes: string[], onEvent: Listener): void {
  const handler = useRef(onEvent);
  handler.current = onEvent;
  const key = prefixes.join(",");
  useEffect(() => {
    ensureConnected();
    const listener: Listener = (event) => {
      if (prefixes.length === 0 || prefixes.some((prefix) => event.type.startsWith(prefix))) handler.current(event);
    };
    listeners.add(listener);
    return () => void listeners.delete(listener);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [key]);
}

export function useLiveStatus(onStatus: StatusListener): void {
  useEffect(() => {
    statusListeners.add(onStatus);
    return () => void statusListeners.delete(onStatus);
  }, [onStatus]);
}
