// One run: its place in the queue, the solver's progress as it improves (live from the
// stream, or polled while the stream is down), stop or cancel, and once it ended the
// proposal against the current schedule, with apply.
import type { ComponentType } from "preact";
import { useCallback, useEffect, useMemo, useRef, useState } from "preact/hooks";
import { ApiError, api, getAll } from "../../api/client";
import { Dialog, ErrorNotice, Notice, Spinner, formatDate, formatDateTime, TableScroll } from "../../components/ui";
import { type LiveEvent, liveConnected, useLiveEvents, useLiveStatus } from "../../live/stream";
import { difference, loads } from "./difference";
import type { ProgressChartProps } from "./progress-chart";
import { Breakdown, ConflictsLeft, DifferenceView, Explanation, Fairness, type NamedAnalyst, type NamedShiftType, type Names, SolutionFacts, percent } from "./proposal-view";
import {
  ACTIVE,
  type ApplyResult,
  type Assignment,
  type Conflict,
  type JobDetail,
  type ProgressPoint,
  STATUS_LABEL,
  type Team,
  WITH_ROSTER,
} from "./types";

const POLL_MS = 2000;
/** Polls beyond the time limit before the page stops asking and offers a button. */
const POLL_SLACK_SECONDS = 300;

/** The exact problem the run solves: who and which shift types it plans. */
interface ProblemScope {
  analysts: { id: number; name: string }[];
  shift_types: { id: number; name: string; minutes: number; is_night: boolean; start: string }[];
}

function num(value: unknown): number | null {
  return typeof value === "number" && Number.isFinite(value) ? value : null;
}

function pointOf(value: unknown): ProgressPoint | null {
  if (Array.isArray(value)) return pointOf(value.at(-1));
  if (value === null || typeof value !== "object") return null;
  const raw = value as Record<string, unknown>;
  const seconds = num(raw.seconds);
  const objective = num(raw.objective);
  const bound = num(raw.bound);
  return seconds === null || objective === null || bound === null ? null : { seconds, objective, bound };
}

/** A `generation.progressed` event: which job, and its latest point. */
export function progressOf(event: LiveEvent): { jobId: number; point: ProgressPoint } | null {
  const data = event.data;
  const jobId = num(data.job_id) ?? num(data.id);
  const point = pointOf(data.point) ?? pointOf(data.progress) ?? pointOf(data.latest) ?? pointOf(data);
  return jobId === null || point === null ? null : { jobId, point };
}

function withPoint(job: JobDetail, point: ProgressPoint): JobDetail {
  const last = job.progress.at(-1);
  if (last !== undefined && point.seconds <= last.seconds) return job;
  return { ...job, progress: [...job.progress, point] };
}

function calendarLink(job: JobDetail): string {
  return `/calendar?team=${job.team_id}&view=month&date=${job.start}`;
}

interface JobPanelProps {
  jobId: number;
  teams: Team[];
  timeZone?: string;
  onLoaded: (job: JobDetail) => void;
  /** Each status the run reaches, once. */
  onStatus?: (status: JobDetail["status"]) => void;
}

export function JobPanel({ jobId, teams, timeZone, onLoaded, onStatus }: JobPanelProps) {
  const [job, setJob] = useState<JobDetail | null>(null);
  const [loadError, setLoadError] = useState<unknown>(null);
  const [scope, setScope] = useState<ProblemScope | null>(null);
  const [current, setCurrent] = useState<Assignment[] | null>(null);
  const [actionError, setActionError] = useState<unknown>(null);
  const [applied, setApplied] = useState<ApplyResult | null>(null);
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState<"stop" | "cancel" | "apply" | null>(null);
  const [connected, setConnected] = useState(liveConnected());
  const [Chart, setChart] = useState<ComponentType<ProgressChartProps> | null>(null);
  const [now, setNow] = useState(Date.now());
  const [pollsLeft, setPollsLeft] = useState(0);
  const sequence = useRef(0);
  const loadedFor = useRef<number | null>(null);
  const onLoadedRef = useRef(onLoaded);
  onLoadedRef.current = onLoaded;

  // The chart's code (uPlot) only when a run is on screen.
  useEffect(() => {
    let alive = true;
    void import("./progress-chart").then((module) => alive && setChart(() => module.ProgressChart));
    return () => void (alive = false);
  }, []);

  const reload = useCallback(async () => {
    const mine = ++sequence.current;
    try {
      const next = await api.get<JobDetail>(`/api/schedules/generate/${jobId}`);
      if (mine !== sequence.current) return;
      // A progress point that arrived live while this read was under way stays.
      setJob((previous) => (previous !== null && previous.id === next.id && previous.progress.length > next.progress.length && ACTIVE.includes(next.status) ? { ...next, progress: previous.progress } : next));
      setLoadError(null);
      if (loadedFor.current !== next.id) {
        loadedFor.current = next.id;
        onLoadedRef.current(next);
      }
    } catch (caught) {
      if (mine === sequence.current) setLoadError(caught);
    }
  }, [jobId]);

  useEffect(() => {
    setJob(null);
    setScope(null);
    setCurrent(null);
    setApplied(null);
    setActionError(null);
    void reload();
    let alive = true;
    api.get<ProblemScope>(`/api/schedules/generate/${jobId}/problem`).then(
      (problem) => alive && setScope(problem),
      () => alive && setScope({ analysts: [], shift_types: [] }),
    );
    return () => void (alive = false);
  }, [jobId, reload]);

  const active = job !== null && ACTIVE.includes(job.status);
  const onStatusRef = useRef(onStatus);
  onStatusRef.current = onStatus;
  useEffect(() => {
    if (job !== null) onStatusRef.current?.(job.status);
  }, [job?.id, job?.status]);
  const hasRoster = job?.proposal != null && ["optimal", "feasible"].includes(job.proposal.solution.status);

  const loadCurrent = useCallback(async () => {
    if (job === null || scope === null) return;
    const analystIds = new Set(scope.analysts.map((a) => a.id));
    const shiftIds = new Set(scope.shift_types.map((s) => s.id));
    try {
      const rows = await getAll<Assignment>("/api/schedules", { team_id: job.team_id, start: job.start, end: job.end });
      // What applying rewrites: the problem's analysts on the problem's shift types.
      setCurrent(rows.filter((row) => analystIds.has(row.analyst_id) && shiftIds.has(row.shift_type_id)));
    } catch (caught) {
      setActionError(caught);
    }
  }, [job?.id, job?.team_id, job?.start, job?.end, scope]);

  useEffect(() => {
    if (hasRoster) void loadCurrent();
  }, [hasRoster, job?.status, loadCurrent]);

  // Live: each improvement straight onto the chart; a change of status re-reads the job.
  const refreshTimer = useRef<number | undefined>(undefined);
  const refreshSoon = () => {
    window.clearTimeout(refreshTimer.current);
    refreshTimer.current = window.setTimeout(() => {
      void reload();
      if (hasRoster) void loadCurrent();
    }, 400);
  };
  useEffect(() => () => window.clearTimeout(refreshTimer.current), []);
  useLiveEvents(["generation.", "schedule."], (event) => {
    if (event.type === "generation.progressed") {
      const progress = progressOf(event);
      if (progress === null || progress.jobId !== jobId) return;
      setJob((previous) => (previous === null ? previous : withPoint(previous, progress.point)));
      if (job?.status === "queued") void reload();
      return;
    }
    if (event.type.startsWith("generation.")) {
      if (num(event.data.id) === jobId) void reload();
      return;
    }
    // A schedule change in the range: the difference and whether apply still goes ahead.
    const date = typeof event.data.date === "string" ? event.data.date : null;
    if (job !== null && job.proposal !== null && (date === null || (date >= job.start && date <= job.end))) refreshSoon();
  });

  const onLiveStatus = useCallback((up: boolean) => {
    setConnected(up);
  }, []);
  useLiveStatus(onLiveStatus);

  // Back on the stream after a gap: catch up on what it missed.
  const wasConnected = useRef(connected);
  useEffect(() => {
    if (connected && !wasConnected.current && active) void reload();
    wasConnected.current = connected;
  }, [connected]);

  // No stream: ask every 2 s while the run is queued or running, for a bounded while.
  useEffect(() => {
    if (!active || connected || job === null) return;
    setPollsLeft(Math.ceil(((job.time_limit_seconds + POLL_SLACK_SECONDS) * 1000) / POLL_MS));
  }, [active, connected, job?.id]);
  useEffect(() => {
    if (!active || connected || pollsLeft <= 0) return;
    const timer = window.setTimeout(() => {
      setPollsLeft((left) => left - 1);
      void reload();
    }, POLL_MS);
    return () => window.clearTimeout(timer);
  }, [active, connected, pollsLeft, job]);

  // The clock of a running run.
  useEffect(() => {
    if (job?.status !== "running") return;
    setNow(Date.now());
    const timer = window.setInterval(() => setNow(Date.now()), 1000);
    return () => window.clearInterval(timer);
  }, [job?.status]);

  const names: Names = useMemo(
    () => ({
      analysts: new Map((scope?.analysts ?? []).map((a) => [a.id, { id: a.id, name: a.name || `Analyst ${a.id}`, team_id: job?.team_id ?? 0, is_active: true } satisfies NamedAnalyst])),
      shiftTypes: new Map(
        (scope?.shift_types ?? []).map((s) => [
          s.id,
          { id: s.id, team_id: job?.team_id ?? 0, name: s.name || `Shift type ${s.id}`, start_time: s.start, end_time: "", is_night: s.is_night, is_active: true, duration_minutes: s.minutes } satisfies NamedShiftType,
        ]),
      ),
    }),
    [scope, job?.team_id],
  );
  const diff = useMemo(() => (job?.proposal && current ? difference(current, job.proposal.assignments) : null), [job?.proposal, current]);
  const fairness = useMemo(
    () => (job?.proposal && scope ? loads(job.proposal.assignments, names.shiftTypes, scope.analysts.map((a) => a.id)) : null),
    [job?.proposal, scope, names],
  );

  const act = async (kind: "stop" | "cancel") => {
    setBusy(kind);
    setActionError(null);
    try {
      if (kind === "stop") await api.post(`/api/schedules/generate/${jobId}/stop`);
      else await api.delete(`/api/schedules/generate/${jobId}`);
    } catch (caught) {
      setActionError(caught);
    } finally {
      setBusy(null);
      void reload();
    }
  };

  const apply = async () => {
    setBusy("apply");
    setActionError(null);
    try {
      const result = await api.post<ApplyResult>(`/api/schedules/generate/${jobId}/apply`);
      setApplied(result);
      setConfirming(false);
      await reload();
      void loadCurrent();
    } catch (caught) {
      setActionError(caught);
    } finally {
      setBusy(null);
    }
  };

  if (job === null) return loadError ? <ErrorNotice error={loadError} /> : <Spinner label="Loading the run…" />;

  const team = teams.find((t) => t.id === job.team_id);
  const last = job.progress.at(-1);
  const summary = job.proposal?.solution;
  // Once the run ended with a roster, its final figures: the bound may have risen after
  // the last improvement (a proof at the end).
  const best = summary && summary.objective !== null && summary.bound !== null ? { objective: summary.objective, bound: summary.bound } : last;
  const gap = best && best.objective > 0 ? (best.objective - best.bound) / best.objective : best ? 0 : null;
  const elapsed = job.started_at ? Math.max(0, Math.round((now - Date.parse(job.started_at)) / 1000)) : 0;
  const statusBadge = job.status === "failed" ? "badge--danger" : job.status === "applied" || job.status === "succeeded" ? "badge--success" : active ? "badge--warning" : "";
  // The lines run on to where the search is (running) or ended, not only to the last improvement.
  const until = summary ? summary.seconds : job.status === "running" ? Math.min(elapsed, job.time_limit_seconds) : 0;
  const chartPoints =
    last && until > last.seconds
      ? [...job.progress, { seconds: until, objective: summary?.objective ?? last.objective, bound: summary?.bound ?? last.bound }]
      : job.progress;

  return (
    <section class="gen-job" aria-labelledby="gen-job-title">
      <header class="gen-job__header">
        <h2 id="gen-job-title">
          Run #{job.id}: {team ? team.name : `Team ${job.team_id}`}, {formatDate(job.start)} – {formatDate(job.end)}
        </h2>
        <p role="status" class="gen-status">
          <span class={`badge ${statusBadge}`} data-testid="job-status">{STATUS_LABEL[job.status]}</span>{" "}
          {job.status === "queued" && (
            <>
              Waiting for a solver{job.queue_position !== null && <>: number {job.queue_position} in the queue</>}
              {job.estimated_start_at && <>, starts by {formatDateTime(job.estimated_start_at, timeZone)}</>}.
            </>
          )}
          {job.status === "running" && !job.end_requested && (job.started_at ? <>Searching: {elapsed} s of at most {job.time_limit_seconds} s.</> : <>Starting the solver…</>)}
          {job.end_requested && ACTIVE.includes(job.status) && <>Ending: the solver stops within about a second.</>}
          {job.replan && <> Re-plan of the current schedule.</>}
        </p>
      </header>

      {job.status === "failed" && (
        <Notice kind="error">
          <strong>The run failed.</strong> {job.error}
        </Notice>
      )}

      <div class="card gen-progress">
        <dl class="gen-facts" aria-label="Progress">
          <div>
            <dt>Best objective</dt>
            <dd data-testid="best-objective">{best ? best.objective : "—"}</dd>
          </div>
          <div>
            <dt>Bound</dt>
            <dd data-testid="best-bound">{best ? best.bound : "—"}</dd>
          </div>
          <div>
            <dt>Gap</dt>
            <dd>{percent(gap)}</dd>
          </div>
          <div>
            <dt>Improvements</dt>
            <dd data-testid="improvements">{job.progress.length}</dd>
          </div>
        </dl>
        {Chart ? (
          <Chart points={chartPoints} timeLimit={job.time_limit_seconds} label={`Best objective and bound over ${job.time_limit_seconds} seconds: ${job.progress.length} improvements so far${last ? `, best ${last.objective}, bound ${last.bound}` : ""}.`} />
        ) : (
          <div class="gen-chart__plot gen-chart__plot--empty" />
        )}
        <p class="gen-legend hint">
          <span class="gen-key gen-key--objective" aria-hidden="true" /> best objective (lower is better) ·{" "}
          <span class="gen-key gen-key--bound" aria-hidden="true" /> proved bound: no roster costs less
        </p>
        {job.progress.length > 0 && (
          <details class="gen-points">
            <summary>Progress points</summary>
            <TableScroll>
              <table class="table">
                <thead>
                  <tr>
                    <th scope="col" class="num">Second</th>
                    <th scope="col" class="num">Objective</th>
                    <th scope="col" class="num">Bound</th>
                  </tr>
                </thead>
                <tbody>
                  {job.progress.map((p) => (
                    <tr key={p.seconds}>
                      <td class="num">{p.seconds.toFixed(2)}</td>
                      <td class="num">{p.objective}</td>
                      <td class="num">{p.bound}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </TableScroll>
          </details>
        )}
        {active && (
          <div class="toolbar gen-actions">
            {job.status === "running" && (
              <button type="button" class="button button--primary" disabled={busy !== null || job.end_requested !== null} onClick={() => void act("stop")}>
                Stop and keep the best
              </button>
            )}
            <button type="button" class="button" disabled={busy !== null || job.end_requested !== null} onClick={() => void act("cancel")}>
              Cancel run
            </button>
            {!connected && pollsLeft <= 0 && (
              <button type="button" class="button button--ghost" onClick={() => void reload()}>
                Refresh
              </button>
            )}
          </div>
        )}
      </div>

      <ErrorNotice error={actionError} />
      {actionError instanceof ApiError && Array.isArray(actionError.problem.conflicts) && actionError.problem.conflicts.length > 0 && (
        <ul class="gen-conflicts">
          {(actionError.problem.conflicts as Conflict[]).map((c, index) => (
            <li key={index}>{c.message}</li>
          ))}
        </ul>
      )}

      {summary && (
        <section class="gen-proposal" aria-labelledby="gen-proposal-title">
          <h2 id="gen-proposal-title">Proposal</h2>
          <div class="card gen-section">
            <SolutionFacts summary={summary} />
          </div>
          <Explanation summary={summary} names={names} />
          {hasRoster && (
            <>
              {job.status === "applied" ? (
                <Notice kind="success">
                  <strong>Applied{job.applied_at ? ` on ${formatDateTime(job.applied_at, timeZone)}` : ""}.</strong>
                  {applied && (
                    <>
                      {" "}
                      {applied.created.length} assignments created, {applied.updated.length} changed, {applied.deleted.length} removed
                      {applied.conflicts.length > 0 && <>; {applied.conflicts.length} warnings</>}.
                    </>
                  )}{" "}
                  <a href={calendarLink(job)}>See it in the calendar</a>
                </Notice>
              ) : job.proposal?.applicable ? (
                <div class="toolbar gen-apply">
                  <button type="button" class="button button--primary" disabled={busy !== null || diff === null} onClick={() => setConfirming(true)}>
                    Apply to the schedule
                  </button>
                  <span class="hint">Writes this roster over the team's schedule from {formatDate(job.start)} to {formatDate(job.end)}.</span>
                </div>
              ) : (
                WITH_ROSTER.includes(job.status) && (
                  <Notice kind="warning">
                    The team's schedule in this range changed since this run was made, so applying it is refused. Start a new run (re-plan) to plan over
                    the changes.
                  </Notice>
                )
              )}
              {diff ? <DifferenceView diff={diff} names={names} applied={job.status === "applied"} /> : <Spinner label="Comparing with the current schedule…" />}
              <Breakdown summary={summary} />
              {fairness && <Fairness loads={fairness} names={names} />}
              <ConflictsLeft conflicts={job.proposal?.conflicts ?? []} names={names} />
            </>
          )}
        </section>
      )}

      <Dialog title="Apply this roster?" open={confirming} onClose={() => setConfirming(false)}>
        <p>
          The team's assignments from {formatDate(job.start)} to {formatDate(job.end)} become this roster
          {diff && (
            <>
              : {diff.added} added, {diff.moved} moved, {diff.removed} removed
            </>
          )}
          . Locked assignments stay as they are.
        </p>
        <ErrorNotice error={actionError} />
        <div class="toolbar">
          <button type="button" class="button button--primary" disabled={busy !== null} onClick={() => void apply()}>
            {busy === "apply" ? "Applying…" : "Apply roster"}
          </button>
          <button type="button" class="button" onClick={() => setConfirming(false)}>
            Keep looking
          </button>
        </div>
      </Dialog>
    </section>
  );
}
