// Calendar feeds: secret iCalendar URLs of one analyst's or one team's shifts that
// Google Calendar, Outlook and Apple Calendar subscribe to (shown once, regenerable,
// revocable), and the schedule of any range as a CSV file.
import type { TargetedEvent } from "preact";
import { useCallback, useEffect, useRef, useState } from "preact/hooks";
import { api, ApiError, authorization, buildUrl, getAll, type Page, type Problem, refreshSession } from "../api/client";
import { hasRole, type Me } from "../api/session";
import type { Analyst, Team } from "../api/types";
import { Dialog, ErrorNotice, Field, formatDateTime, Notice, Spinner, TableScroll } from "../components/ui";
import "./feeds.css";

interface Feed {
  id: number;
  analyst_id: number | null;
  team_id: number | null;
  token_prefix: string;
  created_by_user_id: number | null;
  created_at: string;
  revoked_at: string | null;
  last_fetched_at: string | null;
}

interface FeedSecret {
  url: string;
  feed: Feed;
}

interface User {
  id: number;
  email: string;
  full_name: string;
}

type Kind = "analyst" | "team";

/** What a feed shows, as people name it. */
function subjectOf(feed: Feed, analysts: Map<number, Analyst>, teams: Map<number, Team>): string {
  if (feed.analyst_id !== null) return analysts.get(feed.analyst_id)?.name ?? `Analyst ${feed.analyst_id}`;
  return teams.get(feed.team_id ?? 0)?.name ?? `Team ${feed.team_id}`;
}

const byName = <T extends { name: string }>(a: T, b: T) => a.name.localeCompare(b.name);

export function FeedsPage({ me }: { me: Me }) {
  const canManage = hasRole(me, "admin", "manager");
  const [feeds, setFeeds] = useState<Feed[] | null>(null);
  const [cursor, setCursor] = useState<string | null>(null);
  const [analysts, setAnalysts] = useState<Analyst[]>([]);
  const [teams, setTeams] = useState<Team[]>([]);
  // Who made each feed: the accounts are an admin's to list.
  const [users, setUsers] = useState<Map<number, User>>(new Map());
  const [error, setError] = useState<unknown>(null);
  const [secret, setSecret] = useState<{ url: string; subject: string; renewed: boolean } | null>(null);
  const [pending, setPending] = useState<{ feed: Feed; action: "regenerate" | "revoke" } | null>(null);

  const load = useCallback(async () => {
    try {
      const [page, allAnalysts, allTeams] = await Promise.all([
        api.get<Page<Feed>>("/api/calendar-feeds", { limit: 100 }),
        getAll<Analyst>("/api/analysts"),
        getAll<Team>("/api/teams"),
      ]);
      setFeeds(page.items);
      setCursor(page.next_cursor);
      setAnalysts(allAnalysts.sort(byName));
      setTeams(allTeams.sort(byName));
      if (hasRole(me, "admin")) setUsers(new Map((await getAll<User>("/api/users")).map((u) => [u.id, u])));
      setError(null);
    } catch (caught) {
      setError(caught);
    }
  }, [me]);
  useEffect(() => void load(), [load]);

  const loadMore = async () => {
    if (cursor === null) return;
    try {
      const page = await api.get<Page<Feed>>("/api/calendar-feeds", { limit: 100, cursor });
      setFeeds((current) => [...(current ?? []), ...page.items]);
      setCursor(page.next_cursor);
    } catch (caught) {
      setError(caught);
    }
  };

  const analystById = new Map(analysts.map((a) => [a.id, a]));
  const teamById = new Map(teams.map((t) => [t.id, t]));

  const created = (result: FeedSecret, renewed: boolean) => {
    setSecret({ url: result.url, subject: subjectOf(result.feed, analystById, teamById), renewed });
    setFeeds((current) => {
      const others = (current ?? []).filter((f) => f.id !== result.feed.id);
      return [...others, result.feed].sort((a, b) => a.id - b.id);
    });
  };

  return (
    <section class="page feeds">
      <header class="page__header">
        <h1>Calendar feeds</h1>
      </header>
      <p class="feeds__intro">
        A feed is a private web address of a schedule that your calendar app subscribes to: shifts from two months back to a
        year ahead, and the approved absences you can see as all-day events, updated as the schedule changes. Anyone with
        the address can read it, so keep it to yourself; regenerate it if it leaks.
      </p>
      <ErrorNotice error={error} />
      {secret && <SecretPanel secret={secret} onDone={() => setSecret(null)} />}
      <NewFeedForm me={me} canManage={canManage} analysts={analysts} teams={teams} onCreated={(r) => created(r, false)} />
      <section class="card feeds__card" aria-labelledby="feeds-list-heading">
        <h2 id="feeds-list-heading">{canManage ? "Feeds of your organization" : "Your feeds"}</h2>
        {feeds === null ? (
          error ? null : <Spinner label="Loading feeds…" />
        ) : feeds.length === 0 ? (
          <p class="hint">No feeds yet.</p>
        ) : (
          <FeedTable
            feeds={feeds}
            me={me}
            users={users}
            subject={(feed) => subjectOf(feed, analystById, teamById)}
            onAction={(feed, action) => setPending({ feed, action })}
          />
        )}
        {cursor !== null && (
          <button type="button" class="button" onClick={() => void loadMore()}>
            Show more
          </button>
        )}
      </section>
      <ConfirmAction
        pending={pending}
        subject={pending ? subjectOf(pending.feed, analystById, teamById) : ""}
        onClose={() => setPending(null)}
        onRegenerated={(result) => {
          setPending(null);
          created(result, true);
        }}
        onRevoked={(feed) => {
          setPending(null);
          setFeeds((current) => (current ?? []).map((f) => (f.id === feed.id ? { ...f, revoked_at: new Date().toISOString() } : f)));
        }}
      />
      <ExportForm analysts={analysts} teams={teams} />
    </section>
  );
}

interface NewFeedProps {
  me: Me;
  canManage: boolean;
  analysts: Analyst[];
  teams: Team[];
  onCreated: (result: FeedSecret) => void;
}

/** The subjects the caller may subscribe to, by the API's rules: managers and admins any
 * analyst or team; anyone the analyst they are; viewers any team. */
function NewFeedForm({ me, canManage, analysts, teams, onCreated }: NewFeedProps) {
  const teamsAllowed = canManage || hasRole(me, "viewer");
  const choosable = canManage ? analysts.filter((a) => a.is_active) : analysts.filter((a) => a.id === me.analyst_id);
  const kinds: Kind[] = [...(choosable.length > 0 || me.analyst_id !== null ? (["analyst"] as Kind[]) : []), ...(teamsAllowed ? (["team"] as Kind[]) : [])];
  const [kind, setKind] = useState<Kind | null>(null);
  const [analystId, setAnalystId] = useState("");
  const [teamId, setTeamId] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const chosenKind = kind ?? kinds[0] ?? null;
  const apiError = error instanceof ApiError ? error : null;

  if (chosenKind === null) {
    return (
      <section class="card feeds__card" aria-labelledby="new-feed-heading">
        <h2 id="new-feed-heading">New feed</h2>
        <p class="hint">Your account is not linked to an analyst, so there is no schedule of yours to subscribe to. Ask a manager for a feed.</p>
      </section>
    );
  }
  // Managers pick (their own analyst first, if any); anyone else subscribes to their own.
  const ownFirst = choosable.some((a) => a.id === me.analyst_id) ? me.analyst_id : choosable[0]?.id;
  const analystValue = canManage ? analystId || String(ownFirst ?? "") : String(me.analyst_id ?? "");
  const teamValue = teamId || String(teams[0]?.id ?? "");

  const submit = async (event: TargetedEvent<HTMLFormElement, Event>) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const body = chosenKind === "analyst" ? { analyst_id: Number(analystValue) } : { team_id: Number(teamValue) };
      onCreated(await api.post<FeedSecret>("/api/calendar-feeds", body));
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section class="card feeds__card" aria-labelledby="new-feed-heading">
      <h2 id="new-feed-heading">New feed</h2>
      <form onSubmit={submit} class="feeds__form">
        {kinds.length > 1 && (
          <fieldset class="feeds__kinds">
            <legend>Whose shifts</legend>
            {kinds.map((k) => (
              <label key={k} class="feeds__choice">
                <input type="radio" name="feed-kind" value={k} checked={chosenKind === k} onChange={() => setKind(k)} />{" "}
                {k === "analyst" ? (canManage ? "One analyst's" : "Mine") : "A team's"}
              </label>
            ))}
          </fieldset>
        )}
        {chosenKind === "analyst" ? (
          canManage ? (
            <Field label="Analyst" pointer="/analyst_id" error={apiError}>
              {(id, describedBy) => (
                <select id={id} aria-describedby={describedBy} value={analystValue} onChange={(e) => setAnalystId(e.currentTarget.value)}>
                  {choosable.map((a) => (
                    <option key={a.id} value={a.id}>
                      {a.name}
                    </option>
                  ))}
                </select>
              )}
            </Field>
          ) : (
            <p class="feeds__subject">Your shifts{choosable[0] ? ` (${choosable[0].name})` : ""}.</p>
          )
        ) : (
          <Field label="Team" pointer="/team_id" error={apiError}>
            {(id, describedBy) => (
              <select id={id} aria-describedby={describedBy} value={teamValue} onChange={(e) => setTeamId(e.currentTarget.value)}>
                {teams.map((t) => (
                  <option key={t.id} value={t.id}>
                    {t.name} ({t.code})
                  </option>
                ))}
              </select>
            )}
          </Field>
        )}
        <ErrorNotice error={error} fields={["/analyst_id", "/team_id"]} />
        <button type="submit" class="button button--primary" disabled={busy}>
          Create feed
        </button>
      </form>
    </section>
  );
}

/** The address, this once, with a Copy button and how to subscribe in each app. */
function SecretPanel({ secret, onDone }: { secret: { url: string; subject: string; renewed: boolean }; onDone: () => void }) {
  const input = useRef<HTMLInputElement>(null);
  const heading = useRef<HTMLHeadingElement>(null);
  const [copied, setCopied] = useState<string | null>(null);
  useEffect(() => heading.current?.focus(), [secret.url]);
  const webcal = secret.url.replace(/^https?:/, "webcal:");

  const copy = async () => {
    try {
      await navigator.clipboard.writeText(secret.url);
      setCopied("Copied to the clipboard.");
    } catch {
      // No clipboard (an insecure origin, a refused permission): select it for Ctrl+C.
      input.current?.select();
      setCopied("Selected: press Ctrl+C (⌘C) to copy.");
    }
  };

  return (
    <section class="card feeds__card feeds__secret" aria-labelledby="feed-url-heading">
      <h2 id="feed-url-heading" tabIndex={-1} ref={heading}>
        {secret.renewed ? "New address" : "Feed address"}: {secret.subject}
      </h2>
      <Notice kind="warning">
        Copy it now: it is shown only this once.{secret.renewed ? " The old address no longer works; update your subscriptions." : ""}
      </Notice>
      <div class="field">
        <label for="feed-url">Feed URL</label>
        <div class="feeds__url">
          <input id="feed-url" ref={input} type="text" readOnly value={secret.url} onFocus={(e) => e.currentTarget.select()} spellcheck={false} />
          <button type="button" class="button button--primary" onClick={() => void copy()}>
            Copy
          </button>
        </div>
        <small class="hint" aria-live="polite">
          {copied ?? ""}
        </small>
      </div>
      <h3>Subscribe to it</h3>
      <ul class="feeds__howto">
        <li>
          <strong>Google Calendar</strong> (on the web): next to “Other calendars” choose <em>+</em>, then <em>From URL</em>; paste the address and
          choose <em>Add calendar</em>. Google fetches subscribed calendars every few hours.
        </li>
        <li>
          <strong>Outlook</strong>: <em>Add calendar</em>, then <em>Subscribe from web</em>; paste the address, name it and choose <em>Import</em>.
        </li>
        <li>
          <strong>Apple Calendar</strong>: <em>File</em> › <em>New Calendar Subscription…</em>, paste the address, <em>Subscribe</em>; on an iPhone,{" "}
          <em>Settings</em> › <em>Calendar</em> › <em>Accounts</em> › <em>Add Account</em> › <em>Other</em> › <em>Add Subscribed Calendar</em>. Or{" "}
          <a href={webcal}>open it in your calendar app</a>.
        </li>
      </ul>
      <button type="button" class="button" onClick={onDone}>
        Done, I have copied it
      </button>
    </section>
  );
}

interface FeedTableProps {
  feeds: Feed[];
  me: Me;
  users: Map<number, User>;
  subject: (feed: Feed) => string;
  onAction: (feed: Feed, action: "regenerate" | "revoke") => void;
}

function madeBy(feed: Feed, me: Me, users: Map<number, User>): string {
  if (feed.created_by_user_id === null) return " by a deleted account";
  if (feed.created_by_user_id === me.user.id) return " by you";
  const user = users.get(feed.created_by_user_id);
  return user ? ` by ${user.full_name || user.email}` : " by someone else";
}

function FeedTable({ feeds, me, users, subject, onAction }: FeedTableProps) {
  const ordered = [...feeds].sort((a, b) => Number(a.revoked_at !== null) - Number(b.revoked_at !== null) || a.id - b.id);
  return (
    <TableScroll>
      <table class="table feeds__table">
        <thead>
          <tr>
            <th scope="col">Shows</th>
            <th scope="col">Address</th>
            <th scope="col">Made</th>
            <th scope="col">Last fetched</th>
            <th scope="col">Status</th>
            <th scope="col">
              <span class="visually-hidden">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {ordered.map((feed) => {
            const name = subject(feed);
            const live = feed.revoked_at === null;
            return (
              <tr key={feed.id} data-feed-id={feed.id} class={live ? "" : "feeds__row--revoked"}>
                <th scope="row">
                  {name} <span class="badge">{feed.analyst_id !== null ? "analyst" : "team"}</span>
                </th>
                <td>
                  <code>…/ical/{feed.token_prefix}…</code>
                </td>
                <td>
                  {formatDateTime(feed.created_at)}
                  {madeBy(feed, me, users)}
                </td>
                <td>{feed.last_fetched_at ? formatDateTime(feed.last_fetched_at) : "Never"}</td>
                <td>{live ? <span class="badge badge--success">Active</span> : <span class="badge badge--danger">Revoked</span>}</td>
                <td>
                  {live && (
                    <div class="feeds__actions">
                      <button type="button" class="button button--small" onClick={() => onAction(feed, "regenerate")} aria-label={`Regenerate the address of ${name}'s feed`}>
                        Regenerate
                      </button>
                      <button type="button" class="button button--small button--ghost" onClick={() => onAction(feed, "revoke")} aria-label={`Revoke ${name}'s feed`}>
                        Revoke
                      </button>
                    </div>
                  )}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </TableScroll>
  );
}

interface ConfirmProps {
  pending: { feed: Feed; action: "regenerate" | "revoke" } | null;
  subject: string;
  onClose: () => void;
  onRegenerated: (result: FeedSecret) => void;
  onRevoked: (feed: Feed) => void;
}

function ConfirmAction({ pending, subject, onClose, onRegenerated, onRevoked }: ConfirmProps) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => setError(null), [pending]);
  const regenerate = pending?.action === "regenerate";

  const confirm = async () => {
    if (pending === null) return;
    setBusy(true);
    try {
      if (regenerate) onRegenerated(await api.post<FeedSecret>(`/api/calendar-feeds/${pending.feed.id}/regenerate`));
      else {
        await api.delete(`/api/calendar-feeds/${pending.feed.id}`);
        onRevoked(pending.feed);
      }
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };

  return (
    <Dialog title={regenerate ? `Regenerate the address of ${subject}'s feed?` : `Revoke ${subject}'s feed?`} open={pending !== null} onClose={onClose}>
      <p>
        {regenerate
          ? "The feed gets a new address, shown once. The current address stops working at once: every calendar subscribed to it must subscribe again."
          : "The address stops working at once, and calendars subscribed to it stop updating. This cannot be undone."}
      </p>
      <ErrorNotice error={error} />
      <div class="toolbar">
        <button type="button" class={`button ${regenerate ? "button--primary" : "button--danger"}`} disabled={busy} onClick={() => void confirm()}>
          {regenerate ? "Regenerate" : "Revoke"}
        </button>
        <button type="button" class="button" onClick={onClose}>
          Cancel
        </button>
      </div>
    </Dialog>
  );
}

function isoDay(date: Date): string {
  return `${date.getFullYear()}-${String(date.getMonth() + 1).padStart(2, "0")}-${String(date.getDate()).padStart(2, "0")}`;
}

/** The file name the server gives (`Content-Disposition`), else one of our own. */
function fileName(response: Response, fallback: string): string {
  const match = /filename="?([^";]+)"?/.exec(response.headers.get("Content-Disposition") ?? "");
  return match?.[1] ?? fallback;
}

async function problemOf(response: Response): Promise<ApiError> {
  const type = response.headers.get("Content-Type") ?? "";
  const body: Partial<Problem> = type.includes("json") ? ((await response.json()) as Partial<Problem>) : { detail: await response.text() };
  return new ApiError({ title: response.statusText || "Export failed", detail: "", ...body, status: response.status });
}

/** The CSV as a download: fetched with the bearer token (a plain link would carry
 * none), then saved from a Blob. */
async function downloadCsv(query: Record<string, string>): Promise<string> {
  const url = buildUrl("/api/schedules/export.csv", query);
  const send = async () => fetch(url, { headers: { Accept: "text/csv", ...(await authorization()) } });
  let response = await send();
  if (response.status === 401 && (await refreshSession())) response = await send();
  if (!response.ok) throw await problemOf(response);
  const name = fileName(response, `schedule_${query.start}_${query.end}.csv`);
  const blobUrl = URL.createObjectURL(await response.blob());
  const link = document.createElement("a");
  link.href = blobUrl;
  link.download = name;
  document.body.append(link);
  link.click();
  link.remove();
  // After the click has started the download.
  setTimeout(() => URL.revokeObjectURL(blobUrl), 10_000);
  return name;
}

function ExportForm({ analysts, teams }: { analysts: Analyst[]; teams: Team[] }) {
  const now = new Date();
  const [start, setStart] = useState(isoDay(new Date(now.getFullYear(), now.getMonth(), 1)));
  const [end, setEnd] = useState(isoDay(new Date(now.getFullYear(), now.getMonth() + 1, 0)));
  const [teamId, setTeamId] = useState("");
  const [analystId, setAnalystId] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [done, setDone] = useState<string | null>(null);
  const shown = teamId === "" ? analysts : analysts.filter((a) => String(a.team_id) === teamId);

  const submit = async (event: TargetedEvent<HTMLFormElement, Event>) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    setDone(null);
    try {
      const name = await downloadCsv({ start, end, team_id: teamId, analyst_id: analystId });
      setDone(`Downloaded ${name}.`);
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section class="card feeds__card" aria-labelledby="export-heading">
      <h2 id="export-heading">Export the schedule as CSV</h2>
      <p class="hint">One row per shift, with times in each team's time zone; at most 366 days at once.</p>
      <form onSubmit={submit} class="feeds__export">
        <Field label="From">{(id, d) => <input id={id} aria-describedby={d} type="date" required value={start} onInput={(e) => setStart(e.currentTarget.value)} />}</Field>
        <Field label="To">{(id, d) => <input id={id} aria-describedby={d} type="date" required value={end} onInput={(e) => setEnd(e.currentTarget.value)} />}</Field>
        <Field label="Team">
          {(id, d) => (
            <select
              id={id}
              aria-describedby={d}
              value={teamId}
              onChange={(e) => {
                setTeamId(e.currentTarget.value);
                setAnalystId("");
              }}
            >
              <option value="">All teams</option>
              {teams.map((t) => (
                <option key={t.id} value={t.id}>
                  {t.name}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field label="Analyst">
          {(id, d) => (
            <select id={id} aria-describedby={d} value={analystId} onChange={(e) => setAnalystId(e.currentTarget.value)}>
              <option value="">All analysts</option>
              {shown.map((a) => (
                <option key={a.id} value={a.id}>
                  {a.name}
                </option>
              ))}
            </select>
          )}
        </Field>
        <div class="feeds__export-submit">
          <button type="submit" class="button button--primary" disabled={busy}>
            Download CSV
          </button>
        </div>
      </form>
      <ErrorNotice error={error} />
      <div aria-live="polite">{done && <Notice kind="success">{done}</Notice>}</div>
    </section>
  );
}
