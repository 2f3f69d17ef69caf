// The range's conflicts in words, hard ones first, each with a way to the cell it is about.
import { type Analyst, type Conflict, dayLabel, type ShiftType } from "./calendar-model";

interface Props {
  conflicts: Conflict[];
  analysts: Map<number, Analyst>;
  shiftById: Map<number, ShiftType>;
  onShow: (conflict: Conflict) => void;
}

const TYPE_NAMES: Record<string, string> = {
  double_booking: "Double booking",
  absence_overlap: "Absent",
  inactive_analyst: "Inactive analyst",
  unqualified_screener: "Unqualified screener",
  coverage_gap: "Coverage gap",
  missing_screener: "Missing screener",
  rest_violation: "Short rest",
  consecutive_days: "Too many days in a row",
  shift_not_running: "Shift not running",
  other_team_shift: "Another team's shift",
  skill_short: "Skill short",
  shift_type_run: "Too many days in a row on one shift",
  forbidden_succession: "Forbidden shift sequence",
};

export function ConflictsPanel({ conflicts, analysts, shiftById, onShow }: Props) {
  const hard = conflicts.filter((c) => c.severity === "error").length;
  const warnings = conflicts.length - hard;
  return (
    <section class="card cal-conflicts" aria-labelledby="cal-conflicts-title">
      <h2 id="cal-conflicts-title">
        Conflicts{" "}
        <span class="cal-conflicts__counts">
          {hard > 0 && <span class="badge badge--danger">{hard} hard</span>} {warnings > 0 && <span class="badge badge--warning">{warnings} {warnings === 1 ? "warning" : "warnings"}</span>}
        </span>
      </h2>
      {conflicts.length === 0 ? (
        <p class="hint">No conflicts in this range.</p>
      ) : (
        <>
          <p class="hint">
            {hard > 0
              ? "Hard conflicts are refused when a shift is saved; these come from later changes (an absence approved, an analyst made inactive) and need fixing. "
              : ""}
            Warnings are allowed: they are shown so you can decide.
          </p>
          <ul class="cal-conflicts__list">
            {conflicts.map((c, index) => {
              const where = c.analyst_id !== null ? analysts.get(c.analyst_id)?.name : c.shift_type_id !== null ? shiftById.get(c.shift_type_id)?.name : undefined;
              return (
                <li key={`${c.type}-${c.date}-${c.analyst_id}-${c.shift_type_id}-${index}`} class={`cal-conflict cal-conflict--${c.severity === "error" ? "hard" : "warning"}`}>
                  <span class={`badge ${c.severity === "error" ? "badge--danger" : "badge--warning"}`}>{c.severity === "error" ? "Hard" : "Warning"}</span>{" "}
                  <strong>{TYPE_NAMES[c.type] ?? c.type}</strong>, {dayLabel(c.date, { weekday: "short", day: "numeric", month: "short" })}: {c.message}{" "}
                  {where !== undefined && (
                    <button type="button" class="button button--small button--ghost" onClick={() => onShow(c)}>
                      Show<span class="visually-hidden"> {where} on {c.date} in the calendar</span>
                    </button>
                  )}
                </li>
              );
            })}
          </ul>
        </>
      )}
    </section>
  );
}
