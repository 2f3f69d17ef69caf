// The top bar's bell: how many of your notifications are unread, a link to the feed.
// No event announces a new notification (they are written by a background worker after
// a change), so the count is read again shortly after any live change, when the window
// regains focus, when the feed marks some read, and once a minute: at most one request
// in flight.
import { useCallback, useEffect, useRef, useState } from "preact/hooks";
import { useLocation } from "preact-iso";
import { api } from "../api/client";
import { useLiveEvents } from "../live/stream";
import "./notification-bell.css";

const POLL_MS = 60_000;
// A change reaches the feed a moment after its event (a worker writes it): look a few
// times, later each time.
const AFTER_CHANGE_MS = [1_000, 3_000, 8_000];
const PROGRESS = /\.progressed$/;

/** Told by the feed page when it marked notifications read (and by the bell, when the count changed). */
export const NOTIFICATIONS_CHANGED = "shiftplanner:notifications-changed";

export function NotificationBell() {
  const [unread, setUnread] = useState<number | null>(null);
  const { path } = useLocation();
  const inFlight = useRef(false);
  const again = useRef(false);
  const last = useRef<number | null>(null);

  const refresh = useCallback(async () => {
    if (inFlight.current) {
      again.current = true;
      return;
    }
    inFlight.current = true;
    try {
      const { unread: count } = await api.get<{ unread: number }>("/api/notifications/unread-count");
      setUnread(count);
      if (last.current !== null && count > last.current) {
        window.dispatchEvent(new CustomEvent(NOTIFICATIONS_CHANGED, { detail: { source: "bell", unread: count } }));
      }
      last.current = count;
    } catch {
      // The bell stays as it was; the next refresh tries again.
    } finally {
      inFlight.current = false;
      if (again.current) {
        again.current = false;
        void refresh();
      }
    }
  }, []);

  useEffect(() => {
    void refresh();
    const interval = setInterval(() => void refresh(), POLL_MS);
    const onFocus = () => void refresh();
    const onChanged = (event: Event) => {
      if ((event as CustomEvent<{ source?: string }>).detail?.source !== "bell") void refresh();
    };
    window.addEventListener("focus", onFocus);
    window.addEventListener(NOTIFICATIONS_CHANGED, onChanged);
    return () => {
      clearInterval(interval);
      window.removeEventListener("focus", onFocus);
      window.removeEventListener(NOTIFICATIONS_CHANGED, onChanged);
    };
  }, [refresh]);

  const timers = useRef<ReturnType<typeof setTimeout>[]>([]);
  useLiveEvents([], (event) => {
    // A solver's progress tells nobody anything; and while looks are due, a burst of
    // changes adds none (at most three requests however busy the stream).
    if (PROGRESS.test(event.type) || timers.current.length > 0) return;
    timers.current = AFTER_CHANGE_MS.map((delay, index) =>
      setTimeout(() => {
        if (index === AFTER_CHANGE_MS.length - 1) timers.current = [];
        void refresh();
      }, delay),
    );
  });
  useEffect(() => () => timers.current.forEach(clearTimeout), []);

  const label = unread ? `Notifications, ${unread} unread` : "Notifications, none unread";
  return (
    <a href="/notifications" class="bell" aria-label={label} title={label} aria-current={path === "/notifications" ? "page" : undefined}>
      <svg class="bell__icon" viewBox="0 0 24 24" width="20" height="20" aria-hidden="true" focusable="false">
        <path
          fill="currentColor"
          d="M12 22a2.5 2.5 0 0 0 2.45-2h-4.9A2.5 2.5 0 0 0 12 22Zm7-6V11a7 7 0 0 0-5.5-6.84V3.5a1.5 1.5 0 0 0-3 0v.66A7 7 0 0 0 5 11v5l-2 2v1h18v-1Z"
        />
      </svg>
      {unread ? <span class="bell__count">{unread > 99 ? "99+" : unread}</span> : null}
    </a>
  );
}
