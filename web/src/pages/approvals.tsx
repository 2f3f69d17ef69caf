// Managers decide what analysts asked for: requested absences, each with the shifts it
// would strand shown before the decision, and pending shift requests. An approval that
// strands shifts offers a one-click re-plan of the team over the absence's days.
import type { ComponentChildren } from "preact";
import { useCallback, useEffect, useMemo, useRef, useState } from "preact/hooks";
import { useLocation } from "preact-iso";
import { api, ApiError, getAll } from "../api/client";
import type { Me } from "../api/session";
import { ErrorNotice, Field, formatDateTime, Notice, Spinner } from "../components/ui";
import { useLiveEvents } from "../live/stream";
import {
  type Absence,
  addDays,
  type Analyst,
  type Assignment,
  dayLabel,
  daysBetween,
  inBatches,
  kindLabel,
  rangeLabel,
  shiftHours,
  type ShiftRequest,
  type ShiftType,
  type Team,
  todayIn,
} from "./time-off";
import "./approvals.css";
import { ShiftItem } from "./shift-item";

// The solver plans at most this many days at once (generation/schemas.py).
const MAX_REPLAN_DAYS = 366;
const JOB_POLL_MS = 2000;
const ENDED = new Set(["succeeded", "stopped", "failed", "cancelled", "applied"]);

interface Conflict {
  type: string;
  severity: string;
  date: string;
  message: string;
}

interface Approval {
  absence: Absence;
  stranded_assignments: Assignment[];
  conflicts: Conflict[];
}

interface Job {
  id: number;
  team_id: number;
  status: string;
  start: string;
  end: string;
  replan: boolean;
  error: string;
  progress: { seconds: number; objective: number; bound: number }[];
  queue_position: number | null;
}

interface Reference {
  teams: Map<number, Team>;
  analysts: Map<number, Analyst>;
  shiftTypes: Map<number, ShiftType>;
}

interface Pending {
  absences: Absence[];
  requests: ShiftRequest[];
  // Each requested absence's booked shifts on its days (what approving would strand).
  stranded: Map<number, Assignment[]>;
}

async function loadReference(): Promise<Reference> {
  const [teams, analysts, shiftTypes] = await Promise.all([
    getAll<Team>("/api/teams"),
    getAll<Analyst>("/api/analysts"),
    getAll<ShiftType>("/api/shift-types"),
  ]);
  return {
    teams: new Map(teams.map((t) => [t.id, t])),
    analysts: new Map(analysts.map((a) => [a.id, a])),
    shiftTypes: new Map(shiftTypes.map((s) => [s.id, s])),
  };
}

async function loadPending(): Promise<Pending> {
  const [absences, requests] = await Promise.all([
    getAll<Absence>("/api/absences", { status: "requested" }),
    getAll<ShiftRequest>("/api/shift-requests", { status: "requested" }),
  ]);
  const booked = await inBatches(absences, 4, (absence) =>
    getAll<Assignment>("/api/schedules", { analyst_id: absence.analyst_id, start: absence.start_date, end: absence.end_date }),
  );
  return { absences, requests, stranded: new Map(absences.map((a, i) => [a.id, booked[i]])) };
}

export function ApprovalsPage({ me }: { me: Me }) {
  const location = useLocation();
  const teamFilter = location.query.team ?? "";
  const [reference, setReference] = useState<Reference | null>(null);
  const [pending, setPending] = useState<Pending | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [approved, setApproved] = useState<Approval[]>([]);
  const [message, setMessage] = useState<string | null>(null);
  const generation = useRef(0);

  const reload = useCallback(async () => {
    const mine = ++generation.current;
    try {
      const loaded = await loadPending();
      if (mine === generation.current) {
        setPending(loaded);
        setError(null);
      }
    } catch (caught) {
      if (mine === generation.current) setError(caught);
    }
  }, []);

  useEffect(() => {
    loadReference().then(setReference, setError);
    void reload();
  }, [reload]);

  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  useLiveEvents(["absence.", "shift_request.", "resync"], () => {
    if (timer.current !== null) clearTimeout(timer.current);
    timer.current = setTimeout(() => {
      timer.current = null;
      void reload();
    }, 300);
  });
  useEffect(() => () => void (timer.current !== null && clearTimeout(timer.current)), []);

  const inTeam = useCallback(
    (analystId: number) => teamFilter === "" || String(reference?.analysts.get(analystId)?.team_id) === teamFilter,
    [teamFilter, reference],
  );
  const absences = useMemo(
    () => (pending?.absences ?? []).filter((a) => inTeam(a.analyst_id)).sort((a, b) => a.start_date.localeCompare(b.start_date) || a.id - b.id),
    [pending, inTeam],
  );
  const requests = useMemo(
    () => (pending?.requests ?? []).filter((r) => inTeam(r.analyst_id)).sort((a, b) => a.date.localeCompare(b.date) || a.id - b.id),
    [pending, inTeam],
  );

  const chooseTeam = (value: string) => location.route(value === "" ? "/approvals" : `/approvals?team=${encodeURIComponent(value)}`, true);

  if (reference === null || pending === null) {
    return (
      <section class="page approvals">
        <h1>Approvals</h1>
        {error ? <ErrorNotice error={error} /> : <Spinner label="Loading requests…" />}
      </section>
    );
  }

  const onApproved = (approval: Approval) => {
    setApproved((list) => [approval, ...list.filter((a) => a.absence.id !== approval.absence.id)]);
    setMessage(null);
    void reload();
  };
  const onDecided = (text: string) => {
    setMessage(text);
    void reload();
  };

  return (
    <section class="page approvals">
      <header class="page__header">
        <h1>Approvals</h1>
        <div class="toolbar">
          <Field label="Team">
            {(id) => (
              <select id={id} value={teamFilter} onChange={(e) => chooseTeam(e.currentTarget.value)}>
                <option value="">All teams</option>
                {[...reference.teams.values()].map((team) => (
                  <option key={team.id} value={String(team.id)}>
                    {team.name}
                  </option>
                ))}
              </select>
            )}
          </Field>
        </div>
      </header>
      <ErrorNotice error={error} />
      <div aria-live="polite">{message && <Notice kind="success">{message}</Notice>}</div>

      {approved.length > 0 && (
        <section aria-labelledby="approved-heading" class="approvals__section">
          <h2 id="approved-heading">Approved just now</h2>
          <ul class="approval-list">
            {approved.map((approval) => (
              <ApprovedAbsence
                key={approval.absence.id}
                approval={approval}
                reference={reference}
                me={me}
                onDismiss={() => setApproved((list) => list.filter((a) => a !== approval))}
              />
            ))}
          </ul>
        </section>
      )}

      <section aria-labelledby="absences-heading" class="approvals__section">
        <h2 id="absences-heading">
          Absence requests <span class="badge">{absences.length}</span>
        </h2>
        {absences.length === 0 ? (
          <p class="hint">No absence requests wait for a decision{teamFilter ? " in this team" : ""}.</p>
        ) : (
          <ul class="approval-list">
            {absences.map((absence) => (
              <AbsenceRequest
                key={absence.id}
                absence={absence}
                booked={pending.stranded.get(absence.id) ?? []}
                reference={reference}
                onApproved={onApproved}
                onRejected={onDecided}
              />
            ))}
          </ul>
        )}
      </section>

      <section aria-labelledby="shift-requests-heading" class="approvals__section">
        <h2 id="shift-requests-heading">
          Shift requests <span class="badge">{requests.length}</span>
        </h2>
        {requests.length === 0 ? (
          <p class="hint">No shift requests wait for a decision{teamFilter ? " in this team" : ""}.</p>
        ) : (
          <ul class="approval-list">
            {requests.map((request) => (
              <ShiftRequestItem key={request.id} request={request} reference={reference} onDecided={onDecided} />
            ))}
          </ul>
        )}
      </section>
    </section>
  );
}

function analystName(reference: Reference, analystId: number): string {
  return reference.analysts.get(analystId)?.name ?? `Analyst ${analystId}`;
}

function teamOf(reference: Reference, analystId: number): Team | undefined {
  const analyst = reference.analysts.get(analystId);
  return analyst ? reference.teams.get(analyst.team_id) : undefined;
}

function ShiftLines({ assignments, reference }: { assignments: Assignment[]; reference: Reference }) {
  return (
    <ul class="shift-list">
      {[...assignments]
        .sort((a, b) => a.date.localeCompare(b.date) || a.id - b.id)
        .map((assignment) => (
          <ShiftItem key={assignment.id} assignment={assignment} shift={reference.shiftTypes.get(assignment.shift_type_id)} />
        ))}
    </ul>
  );
}

function AbsenceRequest({
  absence,
  booked,
  reference,
  onApproved,
  onRejected,
}: {
  absence: Absence;
  booked: Assignment[];
  reference: Reference;
  onApproved: (approval: Approval) => void;
  onRejected: (message: string) => void;
}) {
  const [note, setNote] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const [other, setOther] = useState<unknown>(null);
  const name = analystName(reference, absence.analyst_id);
  const team = teamOf(reference, absence.analyst_id);
  const days = daysBetween(absence.start_date, absence.end_date) + 1;
  const headingId = `absence-${absence.id}`;

  const decide = async (verdict: "approve" | "reject") => {
    setBusy(true);
    setError(null);
    setOther(null);
    try {
      if (verdict === "approve") {
        onApproved(await api.post<Approval>(`/api/absences/${absence.id}/approve`, { note }));
      } else {
        await api.post<Absence>(`/api/absences/${absence.id}/reject`, { note });
        onRejected(`Rejected: ${name}’s ${kindLabel(absence.kind).toLowerCase()}, ${rangeLabel(absence.start_date, absence.end_date)}.`);
      }
    } catch (caught) {
      if (caught instanceof ApiError) setError(caught);
      else setOther(caught);
      setBusy(false);
    }
  };

  return (
    <li class="card approval" data-absence-id={absence.id}>
      <article aria-labelledby={headingId}>
        <h3 id={headingId}>
          {name}: {kindLabel(absence.kind)}, {rangeLabel(absence.start_date, absence.end_date)}
        </h3>
        <p class="approval__meta">
          {team?.name ?? "No team"} · {days === 1 ? "1 day" : `${days} days`} · requested {formatDateTime(absence.created_at)}
        </p>
        {absence.note && <p class="approval__note">“{absence.note}”</p>}
        <h4>{booked.length === 0 ? "Would strand no shifts" : `Would strand ${booked.length === 1 ? "1 shift" : `${booked.length} shifts`}`}</h4>
        {booked.length === 0 ? (
          <p class="hint">{name} has no shifts booked on these days.</p>
        ) : (
          <ShiftLines assignments={booked} reference={reference} />
        )}
        <ErrorNotice error={error ?? other} fields={["#/note"]} />
        <Field label="Note to the analyst (optional)" pointer="#/note" error={error}>
          {(id, describedBy) => (
            <textarea id={id} rows={2} maxLength={1000} value={note} aria-describedby={describedBy} onInput={(e) => setNote(e.currentTarget.value)} />
          )}
        </Field>
        <div class="approval__actions">
          <button type="button" class="button button--primary" disabled={busy} onClick={() => void decide("approve")}>
            Approve
          </button>
          <button type="button" class="button" disabled={busy} onClick={() => void decide("reject")}>
            Reject
          </button>
        </div>
      </article>
    </li>
  );
}

function ApprovedAbsence({
  approval,
  reference,
  me,
  onDismiss,
}: {
  approval: Approval;
  reference: Reference;
  me: Me;
  onDismiss: () => void;
}) {
  const { absence, stranded_assignments: stranded, conflicts } = approval;
  const name = analystName(reference, absence.analyst_id);
  const team = teamOf(reference, absence.analyst_id);
  const headingId = `approved-${absence.id}`;
  // Re-plan the absence's days from today on (days gone by are history), at most the
  // solver's horizon.
  const today = todayIn(team?.timezone ?? me.organization.timezone);
  const start = absence.start_date > today ? absence.start_date : today;
  const lastAllowed = addDays(start, MAX_REPLAN_DAYS - 1);
  const end = absence.end_date < lastAllowed ? absence.end_date : lastAllowed;
  const replannable = team !== undefined && stranded.some((a) => a.date >= start) && start <= end;
  const dismiss = (
    <button type="button" class="button button--ghost" onClick={onDismiss}>
      Dismiss
    </button>
  );

  return (
    <li class="card approval approval--done" data-absence-id={absence.id}>
      <article aria-labelledby={headingId}>
        <h3 id={headingId}>
          <span class="badge badge--success">Approved</span> {name}: {kindLabel(absence.kind)},{" "}
          {rangeLabel(absence.start_date, absence.end_date)}
        </h3>
        {stranded.length === 0 ? (
          <p>Nothing was stranded: {name} had no shifts on these days.</p>
        ) : (
          <>
            <h4>Stranded shifts ({stranded.length}): they need someone else</h4>
            <ShiftLines assignments={stranded} reference={reference} />
          </>
        )}
        {conflicts.length > 0 && (
          <details class="approval__conflicts">
            <summary>
              The approval created {conflicts.length === 1 ? "1 conflict" : `${conflicts.length} conflicts`}
            </summary>
            <ul>
              {conflicts.map((c, i) => (
                <li key={i}>
                  <span class={c.severity === "error" ? "badge badge--danger" : "badge badge--warning"}>{c.severity}</span> {c.message}
                </li>
              ))}
            </ul>
          </details>
        )}
        {replannable && team ? (
          <Replan team={team} start={start} end={end} dismiss={dismiss} />
        ) : (
          <div class="approval__actions">{dismiss}</div>
        )}
      </article>
    </li>
  );
}

function jobStatusText(job: Job): string {
  switch (job.status) {
    case "queued":
      return job.queue_position ? `queued, number ${job.queue_position} in line for a solver` : "queued";
    case "running": {
      const best = job.progress.at(-1);
      return best ? `running: best roster so far costs ${best.objective}` : "running: looking for a first roster";
    }
    case "succeeded":
    case "stopped":
      return "finished: its proposal is ready to review";
    case "failed":
      return `failed${job.error ? `: ${job.error}` : ""}`;
    default:
      return job.status;
  }
}

function Replan({ team, start, end, dismiss }: { team: Team; start: string; end: string; dismiss: ComponentChildren }) {
  const [job, setJob] = useState<Job | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const label = `Re-plan ${team.name} ${rangeLabel(start, end)}`;

  // Follow the job until it ends (or the page goes): the link below opens it in full.
  useEffect(() => {
    if (job === null || ENDED.has(job.status)) return;
    const timer = setTimeout(() => {
      api.get<Job>(`/api/schedules/generate/${job.id}`).then(setJob, setError);
    }, JOB_POLL_MS);
    return () => clearTimeout(timer);
  }, [job]);

  const start_job = async () => {
    setBusy(true);
    setError(null);
    try {
      setJob(await api.post<Job>("/api/schedules/generate", { team_id: team.id, start, end, options: { replan: true } }));
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };

  const running = error instanceof ApiError && typeof error.problem.job_id === "number" ? error.problem.job_id : null;
  if (job !== null) {
    return (
      <div class="replan" role="status">
        <p>
          Re-plan job {job.id} for {team.name}, {rangeLabel(job.start, job.end)}: {jobStatusText(job)}.
        </p>
        <div class="approval__actions">
          <a class="button button--primary" href={`/generate?job=${job.id}`}>
            Open the re-plan
          </a>
          {dismiss}
        </div>
      </div>
    );
  }
  return (
    <div class="replan">
      {error !== null && <ErrorNotice error={error} />}
      {running !== null && (
        <p>
          <a href={`/generate?job=${running}`}>Open the team’s current job</a>
        </p>
      )}
      <div class="approval__actions">
        <button type="button" class="button button--primary" disabled={busy} onClick={() => void start_job()}>
          {busy ? "Starting…" : label}
        </button>
        {dismiss}
      </div>
    </div>
  );
}

function ShiftRequestItem({
  request,
  reference,
  onDecided,
}: {
  request: ShiftRequest;
  reference: Reference;
  onDecided: (message: string) => void;
}) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const name = analystName(reference, request.analyst_id);
  const team = teamOf(reference, request.analyst_id);
  const shift = request.shift_type_id === null ? null : reference.shiftTypes.get(request.shift_type_id);
  const what = request.shift_type_id === null ? "the whole day" : shift ? `${shift.name} (${shiftHours(shift)})` : "a shift";
  const wish = request.kind === "on" ? "wants to work" : "wants off";
  const headingId = `shift-request-${request.id}`;

  const decide = async (verdict: "approve" | "reject") => {
    setBusy(true);
    setError(null);
    try {
      await api.post<ShiftRequest>(`/api/shift-requests/${request.id}/${verdict}`);
      onDecided(`${verdict === "approve" ? "Approved" : "Rejected"}: ${name} ${wish} ${what} on ${dayLabel(request.date, true)}.`);
    } catch (caught) {
      setError(caught);
      setBusy(false);
    }
  };

  return (
    <li class="card approval" data-shift-request-id={request.id}>
      <article aria-labelledby={headingId}>
        <h3 id={headingId}>
          {name} {wish} {what} on <time dateTime={request.date}>{dayLabel(request.date, true)}</time>
        </h3>
        <p class="approval__meta">
          {team?.name ?? "No team"} · asked {formatDateTime(request.created_at)}
        </p>
        {request.note && <p class="approval__note">“{request.note}”</p>}
        <ErrorNotice error={error} />
        <div class="approval__actions">
          <button type="button" class="button button--primary" disabled={busy} onClick={() => void decide("approve")}>
            Approve
          </button>
          <button type="button" class="button" disabled={busy} onClick={() => void decide("reject")}>
            Reject
          </button>
        </div>
      </article>
    </li>
  );
}
