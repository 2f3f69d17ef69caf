// A finished run's proposal: how good it is (cost by term), what applying it would change
// against the schedule as it is now (by analyst), how it spreads the work, and the
// conflicts it would leave.
import { formatDate, TableScroll } from "../../components/ui";
import { type DayChange, type Difference, type Load, type Slot, spread } from "./difference";
import { type Analyst, type Conflict, type ShiftType, type SolutionSummary, TERM_LABEL } from "./types";

/** Who and what the proposal names, as the job's problem gives them. */
export type NamedAnalyst = Pick<Analyst, "id" | "name" | "team_id" | "is_active">;
export type NamedShiftType = Pick<ShiftType, "id" | "team_id" | "name" | "start_time" | "end_time" | "is_night" | "is_active" | "duration_minutes">;

export interface Names {
  analysts: Map<number, NamedAnalyst>;
  shiftTypes: Map<number, NamedShiftType>;
}

const DAY: Intl.DateTimeFormatOptions = { weekday: "short", day: "numeric", month: "short" };
const SOLUTION_LABEL: Record<SolutionSummary["status"], string> = {
  optimal: "Optimal: proved the best roster",
  feasible: "Feasible: keeps every hard rule, maybe not the best",
  infeasible: "Infeasible: no roster keeps every hard rule",
  unknown: "No roster found in the time limit",
};

export function analystName(names: Names, id: number | null): string {
  if (id === null) return "—";
  return names.analysts.get(id)?.name ?? `Analyst ${id}`;
}

function shiftName(names: Names, id: number | null): string {
  if (id === null) return "—";
  return names.shiftTypes.get(id)?.name ?? `Shift type ${id}`;
}

function slots(names: Names, list: Slot[]): string {
  return list.map((s) => `${shiftName(names, s.shift_type_id)}${s.is_screener ? " (screener)" : ""}${s.skill === null ? "" : ` (${s.skill})`}`).join(" + ");
}

function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? "" : "s"}`;
}

export function percent(gap: number | null): string {
  return gap === null ? "—" : `${(gap * 100).toFixed(gap > 0 && gap < 0.1 ? 1 : 0)}%`;
}

export function SolutionFacts({ summary }: { summary: SolutionSummary }) {
  return (
    <dl class="gen-facts">
      <div>
        <dt>Result</dt>
        <dd>{SOLUTION_LABEL[summary.status]}</dd>
      </div>
      <div>
        <dt>Objective</dt>
        <dd data-testid="final-objective">{summary.objective ?? "—"}</dd>
      </div>
      <div>
        <dt>Bound</dt>
        <dd>{summary.bound ?? "—"}</dd>
      </div>
      <div>
        <dt>Gap</dt>
        <dd>{percent(summary.gap)}</dd>
      </div>
      <div>
        <dt>Best found after</dt>
        <dd>{summary.seconds_to_best === null ? "—" : `${summary.seconds_to_best.toFixed(1)} s`} of {summary.seconds.toFixed(1)} s</dd>
      </div>
    </dl>
  );
}

export function Breakdown({ summary }: { summary: SolutionSummary }) {
  // In the solver's order (PostgreSQL hands JSON keys back sorted its own way).
  const order = Object.keys(TERM_LABEL);
  const rank = (term: string) => (order.includes(term) ? order.indexOf(term) : order.length);
  const terms = Object.entries(summary.breakdown).sort(([a], [b]) => rank(a) - rank(b));
  if (terms.length === 0) return null;
  const total = terms.reduce((sum, [, cost]) => sum + cost.penalty, 0);
  return (
    <section aria-labelledby="gen-breakdown" class="card gen-section">
      <h3 id="gen-breakdown">Cost by rule</h3>
      <TableScroll>
        <table class="table gen-breakdown">
          <thead>
            <tr>
              <th scope="col">Rule</th>
              <th scope="col" class="num">Count</th>
              <th scope="col" class="num">Cost</th>
            </tr>
          </thead>
          <tbody>
            {terms.map(([term, cost]) => (
              <tr key={term} class={cost.penalty > 0 ? "gen-breakdown__costly" : undefined}>
                <th scope="row">{TERM_LABEL[term] ?? term}</th>
                <td class="num">{cost.count}</td>
                <td class="num">{cost.penalty}</td>
              </tr>
            ))}
          </tbody>
          <tfoot>
            <tr>
              <th scope="row">Objective</th>
              <td />
              <td class="num">{total}</td>
            </tr>
          </tfoot>
        </table>
      </TableScroll>
    </section>
  );
}

export function Explanation({ summary, names }: { summary: SolutionSummary; names: Names }) {
  if (summary.explanation.length === 0) return null;
  return (
    <section aria-labelledby="gen-explanation" class="card gen-section">
      <h3 id="gen-explanation">Why no roster fits</h3>
      <p>The fewest hard-rule breaks that would allow a roster:</p>
      <ul>
        {summary.explanation.map((v, index) => (
          <li key={index}>
            {v.message}
            {v.analyst_id !== null && <> — {analystName(names, v.analyst_id)}</>}
            {v.dates.length > 0 && <> ({v.dates.map((d) => formatDate(d, undefined, DAY)).join(", ")})</>}
          </li>
        ))}
      </ul>
    </section>
  );
}

const KIND_SIGN: Record<DayChange["kind"], string> = { added: "+", moved: "↔", removed: "−" };

function DayList({ days, names }: { days: DayChange[]; names: Names }) {
  return (
    <ul class="gen-days">
      {days.map((day) => (
        <li key={day.date} class={`gen-day gen-day--${day.kind}`}>
          <span aria-hidden="true">{KIND_SIGN[day.kind]} </span>
          <span class="visually-hidden">{day.kind}: </span>
          {formatDate(day.date, undefined, DAY)}{" "}
          {day.kind === "added" && slots(names, day.after)}
          {day.kind === "removed" && slots(names, day.before)}
          {day.kind === "moved" && `${slots(names, day.before)} → ${slots(names, day.after)}`}
        </li>
      ))}
    </ul>
  );
}

export function DifferenceView({ diff, names, applied }: { diff: Difference; names: Names; applied: boolean }) {
  const rows = [...diff.analysts].sort((a, b) => analystName(names, a.analystId).localeCompare(analystName(names, b.analystId)));
  return (
    <section aria-labelledby="gen-diff" class="card gen-section">
      <h3 id="gen-diff">Difference against the current schedule</h3>
      <p class="gen-totals" data-testid="diff-totals">
        <span class="badge badge--success">{diff.added} added</span> <span class="badge badge--warning">{diff.moved} moved</span>{" "}
        <span class="badge badge--danger">{diff.removed} removed</span> <span class="badge">{diff.unchanged} unchanged</span>
      </p>
      {rows.length === 0 ? (
        <p>{applied ? "The schedule has this roster now." : "Applying it would change nothing: the schedule already has this roster."}</p>
      ) : (
        <TableScroll>
          <table class="table gen-diff">
            <thead>
              <tr>
                <th scope="col">Analyst</th>
                <th scope="col" class="num">Added</th>
                <th scope="col" class="num">Moved</th>
                <th scope="col" class="num">Removed</th>
                <th scope="col">Days</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((row) => (
                <tr key={row.analystId}>
                  <th scope="row">{analystName(names, row.analystId)}</th>
                  <td class="num">{row.added}</td>
                  <td class="num">{row.moved}</td>
                  <td class="num">{row.removed}</td>
                  <td>
                    {row.days.length <= 4 ? (
                      <DayList days={row.days} names={names} />
                    ) : (
                      <details>
                        <summary>{row.days.length} days</summary>
                        <DayList days={row.days} names={names} />
                      </details>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
            <tfoot>
              <tr>
                <th scope="row">Total</th>
                <td class="num">{diff.added}</td>
                <td class="num">{diff.moved}</td>
                <td class="num">{diff.removed}</td>
                <td />
              </tr>
            </tfoot>
          </table>
        </TableScroll>
      )}
    </section>
  );
}

export function Fairness({ loads, names }: { loads: Load[]; names: Names }) {
  const rows = [...loads].sort((a, b) => analystName(names, a.analystId).localeCompare(analystName(names, b.analystId)));
  const most = Math.max(1, ...rows.map((r) => r.minutes));
  const hours = (minutes: number) => (minutes / 60).toFixed(minutes % 60 === 0 ? 0 : 1);
  return (
    <section aria-labelledby="gen-fairness" class="card gen-section">
      <h3 id="gen-fairness">Fairness per analyst</h3>
      <p class="hint">
        In the proposed roster. Spread (most − fewest): {hours(spread(rows.map((r) => r.minutes)))} h, {count(spread(rows.map((r) => r.nights)), "night")},{" "}
        {count(spread(rows.map((r) => r.weekends)), "weekend")}, {count(spread(rows.map((r) => r.screenerDays)), "screener day")}.
      </p>
      <TableScroll>
        <table class="table gen-fairness">
          <thead>
            <tr>
              <th scope="col">Analyst</th>
              <th scope="col" class="num">Shifts</th>
              <th scope="col">Hours</th>
              <th scope="col" class="num">Nights</th>
              <th scope="col" class="num">Weekends</th>
              <th scope="col" class="num">Screener days</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((row) => (
              <tr key={row.analystId}>
                <th scope="row">{analystName(names, row.analystId)}</th>
                <td class="num">{row.shifts}</td>
                <td>
                  <span class="gen-bar" aria-hidden="true">
                    <span class="gen-bar__fill" style={{ width: `${(row.minutes / most) * 100}%` }} />
                  </span>
                  {hours(row.minutes)}
                </td>
                <td class="num">{row.nights}</td>
                <td class="num">
                  {row.weekends}
                  {row.weekendDays > row.weekends && <span class="hint"> ({row.weekendDays} days)</span>}
                </td>
                <td class="num">{row.screenerDays}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </TableScroll>
    </section>
  );
}

export function ConflictsLeft({ conflicts, names }: { conflicts: Conflict[]; names: Names }) {
  return (
    <section aria-labelledby="gen-conflicts" class="card gen-section">
      <h3 id="gen-conflicts">Conflicts it leaves</h3>
      {conflicts.length === 0 ? (
        <p>None: the schedule would have no conflicts in this range.</p>
      ) : (
        <ul class="gen-conflicts">
          {conflicts.map((c, index) => (
            <li key={index}>
              <span class={`badge ${c.severity === "error" ? "badge--danger" : "badge--warning"}`}>{c.severity}</span>{" "}
              {formatDate(c.date, undefined, DAY)}
              {c.analyst_id !== null && <> · {analystName(names, c.analyst_id)}</>}
              {c.shift_type_id !== null && <> · {shiftName(names, c.shift_type_id)}</>} — {c.message}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
