// The read-only panels: the current figures, readiness, the SLA and its error budget,
// the generation queue and the latest errors.
import { formatDate, TableScroll } from "../../components/ui";
import { dateTime, minutes, ms, number, pct, windowText } from "./format";
import { StatusBadge } from "./panel";
import type { ErrorGroup, GenerationJob, HealthCheck, MetricsSummary, Objective, SlaReport, Team } from "./types";

export function NowFigures({ metrics }: { metrics: MetricsSummary }) {
  const five = metrics.windows.find((w) => w.minutes === 5);
  const hour = metrics.windows.find((w) => w.minutes === 60);
  const process = metrics.process;
  return (
    <dl class="ops-figures">
      <div>
        <dt>Request rate (5 min)</dt>
        <dd data-testid="rate-5m">{five ? `${number(five.request_rate_per_minute, 1)}/min` : "—"}</dd>
      </div>
      <div>
        <dt>Requests (60 min)</dt>
        <dd>{number(hour?.requests)}</dd>
      </div>
      <div>
        <dt>Error rate (5 min)</dt>
        <dd>{pct(five?.error_rate_percent)}</dd>
      </div>
      <div>
        <dt>p95 latency (5 min)</dt>
        <dd>{ms(five?.p95_ms)}</dd>
      </div>
      <div>
        <dt>CPU</dt>
        <dd>{process ? pct(process.cpu_percent, 0) : "—"}</dd>
      </div>
      <div>
        <dt>Memory</dt>
        <dd>{process ? `${number(process.rss_mb)} MB` : "—"}</dd>
      </div>
      <div>
        <dt>DB pool in use</dt>
        <dd>{process ? `${process.db_pool_in_use} of ${process.db_pool_size}` : "—"}</dd>
      </div>
    </dl>
  );
}

function checkValue(check: HealthCheck): string {
  if (check.observedValue === undefined) return "—";
  const unit = check.observedUnit === "percent" ? " %" : check.observedUnit ? ` ${check.observedUnit}` : "";
  return `${number(check.observedValue, check.observedValue < 10 ? 1 : 0)}${unit}`;
}

export function Readiness({ checks }: { checks: Record<string, HealthCheck[]> }) {
  const rows = Object.entries(checks).flatMap(([name, list]) => list.map((check, index) => ({ name, check, key: `${name}-${index}` })));
  return (
    <TableScroll>
      <table class="table">
        <caption class="visually-hidden">Readiness checks</caption>
        <thead>
          <tr>
            <th scope="col">Check</th>
            <th scope="col">Component</th>
            <th scope="col">Value</th>
            <th scope="col">Status</th>
          </tr>
        </thead>
        <tbody>
          {rows.map(({ name, check, key }) => (
            <tr key={key}>
              <th scope="row">
                {name}
                {check.output && <small class="ops-note">{check.output}</small>}
              </th>
              <td class="ops-break">{check.componentId ?? "—"}</td>
              <td>{checkValue(check)}</td>
              <td>
                <StatusBadge status={check.status} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </TableScroll>
  );
}

function ObjectiveRow({ label, objective, format, better }: { label: string; objective: Objective; format: (v: number | null) => string; better: string }) {
  return (
    <tr>
      <th scope="row">{label}</th>
      <td>{format(objective.actual)}</td>
      <td>{`${better}\u00a0${format(objective.target)}`}</td>
      <td>{objective.met === null ? <span class="badge">no data</span> : <StatusBadge status={objective.met ? "met" : "missed"} />}</td>
    </tr>
  );
}

export function Sla({ sla }: { sla: SlaReport }) {
  const budget = sla.error_budget;
  const remaining = budget.remaining_percent;
  return (
    <div>
      <p class="hint">
        Last {windowText(sla.window)}
        {sla.measured_since && `, measured since ${dateTime(sla.measured_since)}`} · {number(sla.requests)} requests
      </p>
      <TableScroll>
        <table class="table">
          <caption class="visually-hidden">Service level objectives</caption>
          <thead>
            <tr>
              <th scope="col">Objective</th>
              <th scope="col">Actual</th>
              <th scope="col">Target</th>
              <th scope="col">Status</th>
            </tr>
          </thead>
          <tbody>
            <ObjectiveRow label="Availability" objective={sla.availability_percent} format={(v) => pct(v, 3)} better="≥" />
            <ObjectiveRow label="Error rate (5xx)" objective={sla.error_rate_percent} format={(v) => pct(v, 2)} better="≤" />
            <ObjectiveRow label="p95 latency" objective={sla.p95_ms} format={ms} better="≤" />
          </tbody>
        </table>
      </TableScroll>
      <div class="ops-budget">
        <label for="ops-budget-meter">Error budget remaining</label>
        <meter
          id="ops-budget-meter"
          min={0}
          max={100}
          low={25}
          high={50}
          optimum={100}
          value={Math.max(0, remaining ?? 0)}
        />
        <p data-testid="error-budget">
          <strong>{remaining === null ? "—" : pct(remaining, 1)}</strong>
          {budget.remaining_minutes >= 0
            ? `: ${minutes(budget.remaining_minutes)} of the ${minutes(budget.allowed_minutes)} of downtime allowed are left`
            : `: overspent by ${minutes(-budget.remaining_minutes)} (${minutes(budget.allowed_minutes)} of downtime allowed)`}
          {` · ${minutes(budget.spent_minutes)} down${sla.spent_by_count > 0 ? ` in ${sla.spent_by_count} ${sla.spent_by_count === 1 ? "run" : "runs"}` : ""}.`}
        </p>
      </div>
    </div>
  );
}

export function GenerationQueue({ jobs, teams, timeZone }: { jobs: GenerationJob[]; teams: Map<number, Team>; timeZone?: string }) {
  const running = jobs.filter((j) => j.status === "running");
  const queued = jobs.filter((j) => j.status === "queued").sort((a, b) => (a.queue_position ?? 0) - (b.queue_position ?? 0));
  if (jobs.length === 0) return <p class="ops-empty">No generation job is queued or running.</p>;
  return (
    <>
      <p>
        <strong>{running.length}</strong> running, <strong>{queued.length}</strong> queued
      </p>
      <TableScroll>
        <table class="table">
          <caption class="visually-hidden">Queued and running generation jobs</caption>
          <thead>
            <tr>
              <th scope="col">Position</th>
              <th scope="col">Team</th>
              <th scope="col">Range</th>
              <th scope="col">Status</th>
              <th scope="col">Started / expected</th>
            </tr>
          </thead>
          <tbody>
            {[...running, ...queued].map((job) => (
              <tr key={job.id}>
                <td>{job.status === "running" ? "running" : `#${job.queue_position ?? "?"}`}</td>
                <th scope="row">{teams.get(job.team_id)?.name ?? `Team ${job.team_id}`}{job.replan ? " (re-plan)" : ""}</th>
                <td>
                  {formatDate(job.start, timeZone)} – {formatDate(job.end, timeZone)}
                </td>
                <td>
                  <StatusBadge status={job.status} />
                </td>
                <td>{job.status === "running" ? dateTime(job.started_at ?? job.claimed_at) : `by ${dateTime(job.estimated_start_at)}`}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </TableScroll>
    </>
  );
}

export function RecentErrors({ errors }: { errors: ErrorGroup[] }) {
  if (errors.length === 0) return <p class="ops-empty">No unhandled error has been recorded.</p>;
  return (
    <TableScroll>
      <table class="table">
        <caption class="visually-hidden">The most recently seen error groups</caption>
        <thead>
          <tr>
            <th scope="col">Error</th>
            <th scope="col">Count</th>
            <th scope="col">Last seen</th>
          </tr>
        </thead>
        <tbody>
          {errors.map((group) => (
            <tr key={group.id}>
              <th scope="row">
                <code>{group.exception_type}</code>: {group.message || "(no message)"}
                <small class="ops-note ops-break">
                  {group.location}
                  {group.last_route && ` · ${group.last_method ?? ""} ${group.last_route}`}
                </small>
              </th>
              <td>{number(group.count)}</td>
              <td>{dateTime(group.last_seen_at)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </TableScroll>
  );
}
