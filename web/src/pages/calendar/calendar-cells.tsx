// The grid's parts: a day's header, an analyst's row of cells (memoized: it renders again
// only when its own cells, focus or pick-up change), a shift chip and a coverage line.
import { memo } from "preact/compat";
import {
  ABSENCE_KINDS,
  type Assignment,
  type CellData,
  type CoverageRow,
  dayLabel,
  hhmm,
  type RowData,
  type ShiftType,
  type View,
  weekdayIndex,
} from "./calendar-model";

export interface DayInfo {
  holidays: string[];
  blackouts: string[];
}

export interface Refusal {
  analystId: number;
  date: string;
  reasons: string[];
}

export interface Shared {
  days: string[];
  today: string;
  timeZone: string;
  shiftById: Map<number, ShiftType>;
  colours: Map<number, string>;
  canEdit: boolean;
}

export function DayHeader({ day, today, view, info }: { day: string; today: string; view: View; info: DayInfo | undefined }) {
  const weekend = weekdayIndex(day) >= 5;
  const special = [...(info?.holidays.map((h) => `Holiday: ${h}`) ?? []), ...(info?.blackouts.map((b) => `Blackout: ${b}`) ?? [])];
  return (
    <th
      scope="col"
      class={`cal-day${weekend ? " cal-day--weekend" : ""}${day === today ? " cal-day--today" : ""}${info?.holidays.length ? " cal-day--holiday" : ""}`}
      aria-current={day === today ? "date" : undefined}
      title={special.join("\n") || undefined}
    >
      <span class="cal-day__name">{dayLabel(day, { weekday: "short" })}</span>{" "}
      <span class="cal-day__date">{dayLabel(day, view === "week" ? { day: "numeric", month: "short" } : { day: "numeric" })}</span>
      {day === today && <span class="cal-day__today">Today</span>}
      {info?.holidays.map((name) => (
        <span key={name} class="cal-day__tag cal-day__tag--holiday">
          <span class="visually-hidden">Holiday: </span>
          {name}
        </span>
      ))}
      {info?.blackouts.map((reason) => (
        <span key={reason} class="cal-day__tag cal-day__tag--blackout">
          <span class="visually-hidden">Blackout: </span>
          {view === "week" ? reason : "Blackout"}
        </span>
      ))}
    </th>
  );
}

interface RowProps {
  row: RowData;
  index: number;
  shared: Shared;
  focusCol: number;
  liftedId: number | null;
  refused: Refusal | null;
}

export const Row = memo(
  function Row({ row, index, shared, focusCol, liftedId, refused }: RowProps) {
    const { analyst } = row;
    return (
      <tr class={analyst.is_active ? undefined : "cal-row--inactive"}>
        <th scope="row" class="cal-analyst">
          {analyst.name}
          {!analyst.is_active && <span class="cal-analyst__note"> (inactive)</span>}
          {analyst.skills.includes("screener") && (
            <span class="cal-analyst__skill" title="Has the screener skill">
              <span aria-hidden="true">S</span>
              <span class="visually-hidden">, screener</span>
            </span>
          )}
        </th>
        {shared.days.map((day, c) => {
          const cell = row.cells.get(day);
          return cell === undefined ? null : (
            <Cell
              key={day}
              cell={cell}
              analystId={analyst.id}
              day={day}
              r={index}
              c={c}
              shared={shared}
              focused={c === focusCol}
              liftedId={liftedId}
              refusal={refused !== null && refused.date === day ? refused.reasons : null}
            />
          );
        })}
      </tr>
    );
  },
  (a, b) =>
    a.row === b.row &&
    a.index === b.index &&
    a.shared.days === b.shared.days &&
    a.shared.today === b.shared.today &&
    a.shared.canEdit === b.shared.canEdit &&
    a.shared.shiftById === b.shared.shiftById &&
    a.shared.colours === b.shared.colours &&
    a.focusCol === b.focusCol &&
    a.liftedId === b.liftedId &&
    a.refused === b.refused,
);

interface CellProps {
  cell: CellData;
  analystId: number;
  day: string;
  r: number;
  c: number;
  shared: Shared;
  focused: boolean;
  liftedId: number | null;
  refusal: string[] | null;
}

function Cell({ cell, analystId, day, r, c, shared, focused, liftedId, refusal }: CellProps) {
  const hard = cell.conflicts.filter((x) => x.severity === "error");
  const warnings = cell.conflicts.filter((x) => x.severity === "warning");
  const describedId = `cal-d-${analystId}-${day}`;
  const described = hard.length + warnings.length > 0 || refusal !== null;
  const classes = ["cal-cell"];
  if (hard.length) classes.push("cal-cell--hard");
  else if (warnings.length) classes.push("cal-cell--warning");
  if (day === shared.today) classes.push("cal-cell--today");
  if (weekdayIndex(day) >= 5) classes.push("cal-cell--weekend");
  if (refusal !== null) classes.push("cal-cell--refused");
  if (cell.absences.some((a) => a.status === "approved")) classes.push("cal-cell--absent");
  return (
    <td
      class={classes.join(" ")}
      tabIndex={focused ? 0 : -1}
      data-r={r}
      data-c={c}
      data-analyst={analystId}
      data-date={day}
      aria-describedby={described ? describedId : undefined}
    >
      {cell.assignments.map((a) => (
        <Chip key={a.id} assignment={a} shared={shared} lifted={a.id === liftedId} />
      ))}
      {cell.absences.map((absence) => (
        <span key={absence.id} class={`cal-absence cal-absence--${absence.status}`} title={`${ABSENCE_KINDS[absence.kind]} ${absence.start_date}…${absence.end_date} (${absence.status})`}>
          {ABSENCE_KINDS[absence.kind]}
          {absence.status === "requested" ? <span aria-hidden="true">?</span> : null}
          <span class="visually-hidden"> ({absence.status === "approved" ? "approved absence" : "requested absence, not approved yet"})</span>
        </span>
      ))}
      {cell.blackouts.map((b) => (
        <span key={b.id} class="cal-absence cal-absence--blackout" title={`Blackout: ${b.reason}`}>
          Blackout<span class="visually-hidden">: {b.reason}</span>
        </span>
      ))}
      {(hard.length > 0 || warnings.length > 0) && (
        <span
          class={`cal-marker cal-marker--${hard.length ? "hard" : "warning"}`}
          title={[...hard, ...warnings].map((x) => x.message).join("\n")}
          aria-hidden="true"
        >
          {hard.length ? "!" : "⚠"}
        </span>
      )}
      {refusal !== null && (
        <span class="cal-refused" aria-hidden="true" title={refusal.join("\n")}>
          Refused
        </span>
      )}
      {described && (
        <span id={describedId} class="visually-hidden">
          {refusal !== null && `Move refused: ${refusal.join("; ")}. `}
          {hard.map((x) => `Hard conflict: ${x.message}. `)}
          {warnings.map((x) => `Warning: ${x.message}. `)}
        </span>
      )}
    </td>
  );
}

function Chip({ assignment, shared, lifted }: { assignment: Assignment; shared: Shared; lifted: boolean }) {
  const shift = shared.shiftById.get(assignment.shift_type_id);
  const name = shift?.name ?? `Shift ${assignment.shift_type_id}`;
  const title = [
    shift ? `${name} ${hhmm(shift.start_time)}–${hhmm(shift.end_time)} (${shared.timeZone})` : name,
    assignment.is_screener ? "Screener duty" : "",
    assignment.skill ? `Covers the skill ${assignment.skill}` : "",
    assignment.is_locked ? "Locked: generation keeps it" : "",
    assignment.note ? `Note: ${assignment.note}` : "",
    shared.canEdit ? "Drag to move, or focus the cell and press M" : "",
  ]
    .filter(Boolean)
    .join("\n");
  return (
    <span
      class={`chip ${shared.colours.get(assignment.shift_type_id) ?? "chip--day-0"}${lifted ? " chip--lifted" : ""}`}
      draggable={shared.canEdit}
      data-assignment={assignment.id}
      title={title}
    >
      <span class="chip__name">{name}</span>
      {assignment.is_screener && (
        <span class="chip__badge">
          <span aria-hidden="true">S</span>
          <span class="visually-hidden">, screener</span>
        </span>
      )}
      {assignment.skill && (
        <span class="chip__skill">
          <span class="visually-hidden">, covers </span>
          {assignment.skill}
        </span>
      )}
      {assignment.is_locked && (
        <span class="chip__lock">
          <LockIcon />
          <span class="visually-hidden">, locked</span>
        </span>
      )}
      {assignment.note && (
        <span class="chip__note">
          <span aria-hidden="true">✎</span>
          <span class="visually-hidden">, note: {assignment.note}</span>
        </span>
      )}
      {lifted && <span class="visually-hidden">, picked up to move</span>}
    </span>
  );
}

export function CoverageLine({ line, index, shared, focusCol }: { line: CoverageRow; index: number; shared: Shared; focusCol: number }) {
  const { shift } = line;
  return (
    <tr>
      <th scope="row" class="cal-analyst cal-analyst--coverage">
        <span class={`chip chip--key ${shared.colours.get(shift.id) ?? ""}`}>{shift.name}</span>
        <span class="cal-analyst__note"> {hhmm(shift.start_time)}–{hhmm(shift.end_time)}</span>
      </th>
      {line.cells.map((cell, c) => {
        // The API's numbers: who counts (present, active) against what the shift needs.
        const required = cell.coverage?.required ?? null;
        const effective = cell.coverage?.effective ?? cell.booked;
        const screenersRequired = cell.coverage?.screeners_required ?? 0;
        const screeners = cell.coverage?.screeners ?? 0;
        const skills = cell.coverage?.skills ?? [];
        const short = cell.gaps.length > 0;
        return (
          <td
            key={cell.day}
            tabIndex={c === focusCol ? 0 : -1}
            data-r={index}
            data-c={c}
            data-shift-id={shift.id}
            data-date={cell.day}
            class={`cal-cover${short ? " cal-cover--short" : ""}${required === null ? " cal-cover--off" : ""}`}
            title={cell.gaps.map((g) => g.message).join("\n") || undefined}
          >
            {required === null && cell.booked === 0 ? (
              <>
                <span aria-hidden="true">–</span>
                <span class="visually-hidden">{shift.name} does not run</span>
              </>
            ) : (
              <>
                <span class="cal-cover__count" aria-hidden="true">
                  {effective}/{required ?? "–"}
                </span>
                {screenersRequired > 0 && (
                  <span class="cal-cover__screeners" aria-hidden="true">
                    S {screeners}/{screenersRequired}
                  </span>
                )}
                {skills.map((need) => (
                  <span key={need.skill} class="cal-cover__screeners" aria-hidden="true">
                    {need.skill} {need.effective}/{Math.max(need.minimum, need.optimal)}
                  </span>
                ))}
                <span class="visually-hidden">
                  {required === null ? `${shift.name}: ${effective} booked on a day it does not run` : `${shift.name}: ${effective} of ${required} analysts`}
                  {screenersRequired > 0 ? `, ${screeners} of ${screenersRequired} screeners` : ""}
                  {skills.map((need) => `, ${need.effective} of ${Math.max(need.minimum, need.optimal)} covering ${need.skill}`).join("")}
                  {short ? `. Short: ${cell.gaps.map((g) => g.message).join("; ")}` : ""}
                </span>
                {short && (
                  <span class="cal-cover__flag" aria-hidden="true">
                    short
                  </span>
                )}
              </>
            )}
          </td>
        );
      })}
    </tr>
  );
}

/** A padlock drawn in the text colour (an emoji may be missing from the system's fonts). */
export function LockIcon() {
  return (
    <svg class="cal-icon" viewBox="0 0 16 16" width="11" height="11" aria-hidden="true" focusable="false">
      <path fill="currentColor" d="M8 1a3.5 3.5 0 0 0-3.5 3.5V7H4a1 1 0 0 0-1 1v6a1 1 0 0 0 1 1h8a1 1 0 0 0 1-1V8a1 1 0 0 0-1-1h-.5V4.5A3.5 3.5 0 0 0 8 1Zm-2 6V4.5a2 2 0 1 1 4 0V7H6Z" />
    </svg>
  );
}
