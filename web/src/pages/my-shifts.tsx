// An analyst's own page, phone first: the next eight weeks of shifts, their absences and
// shift requests with where each stands, and the forms to ask for time off or a shift.
import { useCallback, useEffect, useMemo, useRef, useState } from "preact/hooks";
import type { TargetedEvent } from "preact";
import { api, ApiError, getAll } from "../api/client";
import type { Me } from "../api/session";
import { ErrorNotice, Field, Notice, Spinner } from "../components/ui";
import { type LiveEvent, useLiveEvents } from "../live/stream";
import {
  ABSENCE_KINDS,
  type Absence,
  addDays,
  type Analyst,
  type Assignment,
  dayLabel,
  kindLabel,
  onFields,
  rangeLabel,
  shiftHours,
  type ShiftRequest,
  type ShiftType,
  statusClass,
  statusLabel,
  type Team,
  todayIn,
  weekStart,
} from "./time-off";
import "./my-shifts.css";
import { ShiftItem } from "./shift-item";

const WEEKS_AHEAD = 8;
// Decided requests stay in view this long after their day, then drop off the page.
const HISTORY_DAYS = 30;

interface Data {
  analyst: Analyst;
  team: Team | null;
  shiftTypes: Map<number, ShiftType>;
  assignments: Assignment[];
  absences: Absence[];
  requests: ShiftRequest[];
  today: string;
}

async function loadData(analystId: number): Promise<Data> {
  const analyst = await api.get<Analyst>(`/api/analysts/${analystId}`);
  const [teams, shiftTypes] = await Promise.all([
    getAll<Team>("/api/teams"),
    getAll<ShiftType>("/api/shift-types", { team_id: analyst.team_id }),
  ]);
  const team = teams.find((t) => t.id === analyst.team_id) ?? null;
  const today = todayIn(team?.timezone);
  const since = addDays(today, -HISTORY_DAYS);
  const [assignments, absences, requests] = await Promise.all([
    getAll<Assignment>("/api/schedules", { analyst_id: analystId, start: today, end: addDays(today, WEEKS_AHEAD * 7 - 1) }),
    getAll<Absence>("/api/absences", { analyst_id: analystId, start: since }),
    getAll<ShiftRequest>("/api/shift-requests", { analyst_id: analystId, start: since }),
  ]);
  return {
    analyst,
    team,
    shiftTypes: new Map(shiftTypes.map((s) => [s.id, s])),
    assignments,
    absences,
    requests,
    today,
  };
}

/** Whether a change may touch this analyst's page: their own records (an analyst's
 * stream shows no one else's), and shifts given to or taken from them. */
function concerns(event: LiveEvent, analystId: number): boolean {
  const owner = event.data.analyst_id;
  if (owner === undefined || owner === analystId) return true;
  const changes = (event as LiveEvent & { changes?: Record<string, { old?: unknown }> }).changes;
  return changes?.analyst_id?.old === analystId;
}

export function MyShiftsPage({ me }: { me: Me }) {
  if (me.analyst_id === null) {
    return (
      <section class="page my-shifts">
        <h1>My shifts</h1>
        <Notice>
          Your account is not linked to an analyst, so you have no shifts of your own.{" "}
          <a href="/calendar">See the team schedule</a> instead, or ask an administrator to link your account to your
          analyst record.
        </Notice>
      </section>
    );
  }
  return <AnalystShifts analystId={me.analyst_id} />;
}

function AnalystShifts({ analystId }: { analystId: number }) {
  const [data, setData] = useState<Data | null>(null);
  const [error, setError] = useState<unknown>(null);
  const generation = useRef(0);

  const reload = useCallback(async () => {
    const mine = ++generation.current;
    try {
      const loaded = await loadData(analystId);
      if (mine === generation.current) {
        setData(loaded);
        setError(null);
      }
    } catch (caught) {
      if (mine === generation.current) setError(caught);
    }
  }, [analystId]);

  useEffect(() => void reload(), [reload]);

  // Someone decided or changed a request, or the schedule moved: read it again (once
  // for a burst of changes).
  const pending = useRef<ReturnType<typeof setTimeout> | null>(null);
  useLiveEvents(["absence.", "shift_request.", "schedule.", "resync"], (event) => {
    if (!concerns(event, analystId)) return;
    if (pending.current !== null) clearTimeout(pending.current);
    pending.current = setTimeout(() => {
      pending.current = null;
      void reload();
    }, 300);
  });
  useEffect(() => () => void (pending.current !== null && clearTimeout(pending.current)), []);

  if (data === null) {
    return (
      <section class="page my-shifts">
        <h1>My shifts</h1>
        {error ? <ErrorNotice error={error} /> : <Spinner label="Loading your shifts…" />}
      </section>
    );
  }

  return (
    <section class="page my-shifts">
      <header class="page__header">
        <div>
          <h1>My shifts</h1>
          <p class="my-shifts__who">
            {data.analyst.name}
            {data.team && (
              <>
                {" "}· {data.team.name} · times in {data.team.timezone}
              </>
            )}
          </p>
        </div>
      </header>
      <ErrorNotice error={error} />
      <div class="my-shifts__layout">
        <UpcomingShifts data={data} />
        <div class="my-shifts__side">
          <AbsenceList absences={data.absences} onChanged={reload} />
          <RequestList requests={data.requests} shiftTypes={data.shiftTypes} onChanged={reload} />
          <AbsenceForm today={data.today} onDone={reload} />
          <ShiftRequestForm today={data.today} shiftTypes={data.shiftTypes} onDone={reload} />
        </div>
      </div>
    </section>
  );
}

function UpcomingShifts({ data }: { data: Data }) {
  const weeks = useMemo(() => {
    const grouped = new Map<string, Assignment[]>();
    const sorted = [...data.assignments].sort((a, b) => a.date.localeCompare(b.date) || a.id - b.id);
    for (const assignment of sorted) {
      const week = weekStart(assignment.date);
      grouped.set(week, [...(grouped.get(week) ?? []), assignment]);
    }
    return [...grouped.entries()];
  }, [data.assignments]);
  const away = (day: string) =>
    data.absences.find((a) => (a.status === "approved" || a.status === "requested") && a.start_date <= day && day <= a.end_date);
  const last = addDays(data.today, WEEKS_AHEAD * 7 - 1);

  return (
    <section class="my-shifts__upcoming" aria-labelledby="upcoming-heading">
      <h2 id="upcoming-heading">Upcoming shifts</h2>
      <p class="hint">
        {data.assignments.length === 1 ? "1 shift" : `${data.assignments.length} shifts`} in the next {WEEKS_AHEAD} weeks, until{" "}
        {dayLabel(last, true)}.
      </p>
      {weeks.length === 0 && <p>No shifts booked in the next {WEEKS_AHEAD} weeks.</p>}
      {weeks.map(([monday, assignments]) => (
        <section key={monday} class="shift-week" aria-labelledby={`week-${monday}`}>
          <h3 id={`week-${monday}`}>Week of {dayLabel(monday, true)}</h3>
          <ul class="shift-list">
            {assignments.map((assignment) => {
              const shift = data.shiftTypes.get(assignment.shift_type_id);
              const absence = away(assignment.date);
              return (
                <ShiftItem key={assignment.id} assignment={assignment} shift={shift}>
                  {absence && (
                    <span class="badge badge--warning">
                      {absence.status === "approved" ? "Absent: needs cover" : "Absence requested"}
                    </span>
                  )}
                </ShiftItem>
              );
            })}
          </ul>
        </section>
      ))}
    </section>
  );
}

function AbsenceList({ absences, onChanged }: { absences: Absence[]; onChanged: () => Promise<void> }) {
  const [busy, setBusy] = useState<number | null>(null);
  const [error, setError] = useState<unknown>(null);
  const cancel = async (absence: Absence) => {
    setBusy(absence.id);
    setError(null);
    try {
      await api.post(`/api/absences/${absence.id}/cancel`);
      await onChanged();
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(null);
    }
  };
  const sorted = [...absences].sort((a, b) => b.start_date.localeCompare(a.start_date) || b.id - a.id);
  return (
    <section aria-labelledby="absences-heading">
      <h2 id="absences-heading">My absences</h2>
      <ErrorNotice error={error} />
      {sorted.length === 0 ? (
        <p class="hint">No absences in the last {HISTORY_DAYS} days or ahead.</p>
      ) : (
        <ul class="request-list">
          {sorted.map((absence) => (
            <li key={absence.id} class="request-item" data-absence-id={absence.id}>
              <div class="request-item__main">
                <strong>{kindLabel(absence.kind)}</strong>{" "}
                <span>{rangeLabel(absence.start_date, absence.end_date)}</span>
                <span class={statusClass(absence.status)}>{statusLabel(absence.status)}</span>
              </div>
              {absence.note && <p class="request-item__note">{absence.note}</p>}
              {absence.decision_note && <p class="request-item__note">Manager’s note: {absence.decision_note}</p>}
              {absence.status === "requested" && (
                <button
                  type="button"
                  class="button button--small"
                  disabled={busy === absence.id}
                  onClick={() => void cancel(absence)}
                  aria-label={`Cancel request: ${kindLabel(absence.kind)}, ${rangeLabel(absence.start_date, absence.end_date)}`}
                >
                  Cancel request
                </button>
              )}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

function requestText(request: ShiftRequest, shiftTypes: Map<number, ShiftType>): string {
  const what = request.shift_type_id === null ? "the whole day" : (shiftTypes.get(request.shift_type_id)?.name ?? "a shift");
  return `${request.kind === "on" ? "Work" : "Off"}: ${what}`;
}

function RequestList({
  requests,
  shiftTypes,
  onChanged,
}: {
  requests: ShiftRequest[];
  shiftTypes: Map<number, ShiftType>;
  onChanged: () => Promise<void>;
}) {
  const [busy, setBusy] = useState<number | null>(null);
  const [error, setError] = useState<unknown>(null);
  const withdraw = async (request: ShiftRequest) => {
    setBusy(request.id);
    setError(null);
    try {
      await api.delete(`/api/shift-requests/${request.id}`);
      await onChanged();
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(null);
    }
  };
  const sorted = [...requests].sort((a, b) => b.date.localeCompare(a.date) || b.id - a.id);
  return (
    <section aria-labelledby="requests-heading">
      <h2 id="requests-heading">My shift requests</h2>
      <ErrorNotice error={error} />
      {sorted.length === 0 ? (
        <p class="hint">No shift requests in the last {HISTORY_DAYS} days or ahead.</p>
      ) : (
        <ul class="request-list">
          {sorted.map((request) => (
            <li key={request.id} class="request-item" data-shift-request-id={request.id}>
              <div class="request-item__main">
                <time dateTime={request.date}>{dayLabel(request.date, true)}</time>{" "}
                <strong>{requestText(request, shiftTypes)}</strong>
                <span class={statusClass(request.status)}>{statusLabel(request.status)}</span>
              </div>
              {request.note && <p class="request-item__note">{request.note}</p>}
              {request.status === "requested" && (
                <button
                  type="button"
                  class="button button--small"
                  disabled={busy === request.id}
                  onClick={() => void withdraw(request)}
                  aria-label={`Withdraw: ${requestText(request, shiftTypes)}, ${dayLabel(request.date, true)}`}
                >
                  Withdraw
                </button>
              )}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

const ABSENCE_FIELDS = ["start_date", "end_date", "kind", "note"];

function AbsenceForm({ today, onDone }: { today: string; onDone: () => Promise<void> }) {
  const [start, setStart] = useState("");
  const [end, setEnd] = useState("");
  const [kind, setKind] = useState("vacation");
  const [note, setNote] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const [other, setOther] = useState<unknown>(null);
  const [done, setDone] = useState<string | null>(null);

  const submit = async (event: TargetedEvent<HTMLFormElement, Event>) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    setOther(null);
    setDone(null);
    try {
      const absence = await api.post<Absence>("/api/absences", {
        start_date: start || undefined,
        end_date: end || undefined,
        kind,
        note,
      });
      setDone(`Requested: ${kindLabel(absence.kind)}, ${rangeLabel(absence.start_date, absence.end_date)}. A manager will decide.`);
      setStart("");
      setEnd("");
      setNote("");
      await onDone();
    } catch (caught) {
      if (caught instanceof ApiError) setError(onFields(caught, ABSENCE_FIELDS));
      else setOther(caught);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section class="card" aria-labelledby="absence-form-heading">
      <h2 id="absence-form-heading">Request an absence</h2>
      {/* The API checks the form (its messages show next to each field), not the browser. */}
      <form onSubmit={submit} noValidate>
        <ErrorNotice error={error ?? other} fields={ABSENCE_FIELDS.map((f) => `#/${f}`)} />
        {done && <Notice kind="success">{done}</Notice>}
        <div class="form-row">
          <Field label="First day away" pointer="#/start_date" error={error}>
            {(id, describedBy) => (
              <input
                id={id}
                type="date"
                min={today}
                value={start}
                aria-describedby={describedBy}
                onInput={(e) => setStart(e.currentTarget.value)}
              />
            )}
          </Field>
          <Field label="Last day away" pointer="#/end_date" error={error}>
            {(id, describedBy) => (
              <input
                id={id}
                type="date"
                min={today}
                value={end}
                aria-describedby={describedBy}
                onInput={(e) => setEnd(e.currentTarget.value)}
              />
            )}
          </Field>
        </div>
        <Field label="Kind" pointer="#/kind" error={error}>
          {(id, describedBy) => (
            <select id={id} value={kind} aria-describedby={describedBy} onChange={(e) => setKind(e.currentTarget.value)}>
              {ABSENCE_KINDS.map((k) => (
                <option key={k.value} value={k.value}>
                  {k.label}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field label="Note (optional)" pointer="#/note" error={error}>
          {(id, describedBy) => (
            <textarea id={id} rows={2} maxLength={1000} value={note} aria-describedby={describedBy} onInput={(e) => setNote(e.currentTarget.value)} />
          )}
        </Field>
        <button type="submit" class="button button--primary" disabled={busy}>
          {busy ? "Sending…" : "Request absence"}
        </button>
      </form>
    </section>
  );
}

const REQUEST_FIELDS = ["date", "kind", "shift_type_id", "note"];

function ShiftRequestForm({
  today,
  shiftTypes,
  onDone,
}: {
  today: string;
  shiftTypes: Map<number, ShiftType>;
  onDone: () => Promise<void>;
}) {
  const [day, setDay] = useState("");
  const [kind, setKind] = useState<"on" | "off">("off");
  const [shift, setShift] = useState("");
  const [note, setNote] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const [other, setOther] = useState<unknown>(null);
  const [done, setDone] = useState<string | null>(null);
  const active = [...shiftTypes.values()].filter((s) => s.is_active);

  const submit = async (event: TargetedEvent<HTMLFormElement, Event>) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    setOther(null);
    setDone(null);
    try {
      const request = await api.post<ShiftRequest>("/api/shift-requests", {
        date: day || undefined,
        kind,
        shift_type_id: shift === "" ? null : Number(shift),
        note,
      });
      setDone(`Sent: ${requestText(request, shiftTypes)} on ${dayLabel(request.date, true)}.`);
      setDay("");
      setNote("");
      await onDone();
    } catch (caught) {
      if (caught instanceof ApiError) setError(onFields(caught, REQUEST_FIELDS));
      else setOther(caught);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section class="card" aria-labelledby="request-form-heading">
      <h2 id="request-form-heading">Ask for a shift on or off</h2>
      <form onSubmit={submit} noValidate>
        <ErrorNotice error={error ?? other} fields={REQUEST_FIELDS.map((f) => `#/${f}`)} />
        {done && <Notice kind="success">{done}</Notice>}
        <fieldset class="choice">
          <legend>I would like to</legend>
          <label>
            <input type="radio" name="request-kind" value="off" checked={kind === "off"} onChange={() => setKind("off")} /> have it off
          </label>
          <label>
            <input type="radio" name="request-kind" value="on" checked={kind === "on"} onChange={() => setKind("on")} /> work it
          </label>
          {error?.fieldError("#/kind") && (
            <small class="field-error" role="alert">
              {error.fieldError("#/kind")}
            </small>
          )}
        </fieldset>
        <Field label="Day" pointer="#/date" error={error}>
          {(id, describedBy) => (
            <input id={id} type="date" min={today} value={day} aria-describedby={describedBy} onInput={(e) => setDay(e.currentTarget.value)} />
          )}
        </Field>
        <Field label="Shift" pointer="#/shift_type_id" error={error}>
          {(id, describedBy) => (
            <select id={id} value={shift} aria-describedby={describedBy} onChange={(e) => setShift(e.currentTarget.value)}>
              <option value="">The whole day</option>
              {active.map((s) => (
                <option key={s.id} value={String(s.id)}>
                  {s.name} ({shiftHours(s)})
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field label="Note (optional)" pointer="#/note" error={error}>
          {(id, describedBy) => (
            <textarea id={id} rows={2} maxLength={500} value={note} aria-describedby={describedBy} onInput={(e) => setNote(e.currentTarget.value)} />
          )}
        </Field>
        <button type="submit" class="button button--primary" disabled={busy}>
          {busy ? "Sending…" : "Send request"}
        </button>
      </form>
    </section>
  );
}
