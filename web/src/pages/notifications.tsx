// Your notification feed, newest first: what was paged or told to you, marked read one
// at a time or all at once; and what you choose to receive by email as well.
import { useCallback, useEffect, useRef, useState } from "preact/hooks";
import type { TargetedEvent } from "preact";
import { api, type Page } from "../api/client";
import { hasRole, type Me } from "../api/session";
import { NOTIFICATIONS_CHANGED } from "../components/notification-bell";
import { ErrorNotice, Notice, Spinner } from "../components/ui";
import "./notifications.css";

const PAGE_SIZE = 25;

interface Notification {
  id: number;
  kind: string;
  title: string;
  body: string;
  link: string | null;
  severity: string | null;
  created_at: string;
  read_at: string | null;
}

interface Preferences {
  email_schedule_changes: boolean;
}

/** Where in the app a notification's link points. Links name the app's pages; those
 * stored before they did name API resources, and each kind of those goes to the page
 * that shows it. A page the reader's role cannot open gets no link. */
function appLink(notification: Notification, me: Me): { href: string; label: string } | null {
  if (!notification.link) return null;
  let url: URL;
  try {
    url = new URL(notification.link, window.location.origin);
  } catch {
    return null;
  }
  const path = url.pathname;
  const own = me.analyst_id !== null ? { href: "/my", label: "Open my shifts" } : null;
  if (path === "/my") return own;
  if (path === "/calendar") return { href: path + url.search, label: "Open the schedule" };
  if (path === "/operations") return { href: path + url.hash, label: "Open operations" };
  if (path.startsWith("/api/absences") || path.startsWith("/api/shift-requests")) {
    return own ?? (hasRole(me, "admin", "manager") ? { href: "/approvals", label: "Open approvals" } : null);
  }
  if (path.startsWith("/api/schedules")) {
    const analyst = url.searchParams.get("analyst_id");
    if (own && analyst === String(me.analyst_id)) return own;
    return { href: "/calendar", label: "Open the schedule" };
  }
  if (path.startsWith("/monitoring/")) return { href: "/operations", label: "Open operations" };
  if (path.startsWith("/api/") || url.origin !== window.location.origin) return null;
  return { href: path + url.search, label: "Open" };
}

/** The text without its last "See: <link>" line (the link is offered as a button). */
function bodyText(notification: Notification): string {
  const lines = notification.body.split("\n");
  if (notification.link && lines.at(-1) === `See: ${notification.link}`) lines.pop();
  return lines.join("\n");
}

function tellBell(): void {
  window.dispatchEvent(new CustomEvent(NOTIFICATIONS_CHANGED, { detail: { source: "feed" } }));
}

export function NotificationsPage({ me }: { me: Me }) {
  const [items, setItems] = useState<Notification[] | null>(null);
  const [cursor, setCursor] = useState<string | null>(null);
  const [unread, setUnread] = useState<number | null>(null);
  const [unreadOnly, setUnreadOnly] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const generation = useRef(0);

  const countUnread = useCallback(async () => {
    setUnread((await api.get<{ unread: number }>("/api/notifications/unread-count")).unread);
  }, []);

  // The first page again; with `merge`, new arrivals go on top of what is already shown.
  const loadFirst = useCallback(
    async (merge: boolean) => {
      const mine = ++generation.current;
      try {
        const [page] = await Promise.all([
          api.get<Page<Notification>>("/api/notifications", { limit: PAGE_SIZE, unread: unreadOnly ? true : undefined }),
          countUnread(),
        ]);
        if (mine !== generation.current) return;
        setItems((current) => {
          if (!merge || current === null) return page.items;
          const fresh = new Map(page.items.map((n) => [n.id, n]));
          const older = current.filter((n) => !fresh.has(n.id));
          return [...page.items, ...older].sort((a, b) => b.id - a.id);
        });
        if (!merge) setCursor(page.next_cursor);
        setError(null);
      } catch (caught) {
        if (mine === generation.current) setError(caught);
      }
    },
    [unreadOnly, countUnread],
  );

  useEffect(() => void loadFirst(false), [loadFirst]);

  useEffect(() => {
    const onChanged = (event: Event) => {
      if ((event as CustomEvent<{ source?: string }>).detail?.source === "bell") void loadFirst(true);
    };
    window.addEventListener(NOTIFICATIONS_CHANGED, onChanged);
    return () => window.removeEventListener(NOTIFICATIONS_CHANGED, onChanged);
  }, [loadFirst]);

  const loadMore = async () => {
    if (cursor === null) return;
    setBusy(true);
    try {
      const page = await api.get<Page<Notification>>("/api/notifications", {
        limit: PAGE_SIZE,
        cursor,
        unread: unreadOnly ? true : undefined,
      });
      setItems((current) => [...(current ?? []), ...page.items.filter((n) => !current?.some((c) => c.id === n.id))]);
      setCursor(page.next_cursor);
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };

  const markRead = async (notification: Notification) => {
    try {
      const updated = await api.post<Notification>(`/api/notifications/${notification.id}/read`);
      setItems((current) => (current ?? []).map((n) => (n.id === updated.id ? updated : n)));
      await countUnread();
      tellBell();
    } catch (caught) {
      setError(caught);
    }
  };

  const markAll = async () => {
    setBusy(true);
    try {
      await api.post("/api/notifications/read-all");
      await loadFirst(false);
      tellBell();
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section class="page notifications">
      <header class="page__header">
        <div>
          <h1>Notifications</h1>
          <p class="notifications__count" aria-live="polite">
            {unread === null ? "" : unread === 0 ? "Nothing unread." : unread === 1 ? "1 unread." : `${unread} unread.`}
          </p>
        </div>
        <div class="toolbar">
          <label class="notifications__filter">
            <input type="checkbox" checked={unreadOnly} onChange={(e) => setUnreadOnly(e.currentTarget.checked)} /> Unread only
          </label>
          <button type="button" class="button" disabled={busy || !unread} onClick={() => void markAll()}>
            Mark all read
          </button>
        </div>
      </header>
      <ErrorNotice error={error} />
      {items === null ? (
        error ? null : <Spinner label="Loading notifications…" />
      ) : items.length === 0 ? (
        <p class="hint">{unreadOnly ? "No unread notifications." : "No notifications yet."}</p>
      ) : (
        <ol class="feed" aria-label="Notifications">
          {items.map((notification) => (
            <FeedItem key={notification.id} notification={notification} me={me} onRead={() => void markRead(notification)} />
          ))}
        </ol>
      )}
      {cursor !== null && items !== null && (
        <button type="button" class="button" disabled={busy} onClick={() => void loadMore()}>
          Show older
        </button>
      )}
      <PreferencesForm />
    </section>
  );
}

function FeedItem({ notification, me, onRead }: { notification: Notification; me: Me; onRead: () => void }) {
  const link = appLink(notification, me);
  const read = notification.read_at !== null;
  const headingId = `notification-${notification.id}`;
  const text = bodyText(notification);
  return (
    <li class={`feed-item${read ? "" : " feed-item--unread"}`} data-notification-id={notification.id}>
      <article aria-labelledby={headingId}>
        <header class="feed-item__header">
          <h2 id={headingId} class="feed-item__title">
            {notification.title}
          </h2>
          {!read && <span class="badge badge--warning">Unread</span>}
          {notification.severity && <span class="badge badge--danger">{notification.severity}</span>}
        </header>
        {text && <p class="feed-item__body">{text}</p>}
        <footer class="feed-item__footer">
          <time dateTime={notification.created_at}>
            {new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" }).format(new Date(notification.created_at))}
          </time>
          {link && (
            <a href={link.href} onClick={() => !read && onRead()}>
              {link.label}
            </a>
          )}
          {!read && (
            <button type="button" class="button button--small" onClick={onRead} aria-label={`Mark read: ${notification.title}`}>
              Mark read
            </button>
          )}
        </footer>
      </article>
    </li>
  );
}

function PreferencesForm() {
  const [preferences, setPreferences] = useState<Preferences | null>(null);
  const [email, setEmail] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [saved, setSaved] = useState(false);

  useEffect(() => {
    api.get<Preferences>("/api/notifications/preferences").then((p) => {
      setPreferences(p);
      setEmail(p.email_schedule_changes);
    }, setError);
  }, []);

  const submit = async (event: TargetedEvent<HTMLFormElement, Event>) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    setSaved(false);
    try {
      const stored = await api.put<Preferences>("/api/notifications/preferences", { email_schedule_changes: email });
      setPreferences(stored);
      setEmail(stored.email_schedule_changes);
      setSaved(true);
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section class="card notifications__preferences" aria-labelledby="preferences-heading">
      <h2 id="preferences-heading">What you receive</h2>
      <p class="hint">Everything lands in this feed. You can have schedule news sent by email as well.</p>
      <ErrorNotice error={error} />
      {preferences === null ? (
        error ? null : <Spinner label="Loading preferences…" />
      ) : (
        <form onSubmit={submit}>
          <label class="notifications__choice">
            <input
              type="checkbox"
              checked={email}
              onChange={(e) => {
                setEmail(e.currentTarget.checked);
                setSaved(false);
              }}
            />{" "}
            Email me too when my shifts change, my absence or shift requests are decided, or a roster with me is applied
          </label>
          <div aria-live="polite">{saved && <Notice kind="success">Preferences saved.</Notice>}</div>
          <button type="submit" class="button button--primary" disabled={busy || email === preferences.email_schedule_changes}>
            Save preferences
          </button>
        </form>
      )}
    </section>
  );
}
