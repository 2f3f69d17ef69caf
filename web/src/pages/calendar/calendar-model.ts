// The calendar's data as the API gives it, the days it shows, and the indexes the grid
// reads from (assignments, absences and conflicts by analyst and day, coverage by shift
// and day), built in one pass each so a month of fifty analysts stays cheap.

import type { Analyst, Assignment, ShiftType, Team } from "../../api/types";
export type { Analyst, Assignment, ShiftType, Team };

export interface Absence {
  id: number;
  analyst_id: number;
  start_date: string;
  end_date: string;
  kind: "vacation" | "sick" | "training" | "other";
  status: "requested" | "approved" | "rejected" | "cancelled";
}

export interface Conflict {
  type: string;
  severity: "error" | "warning";
  date: string;
  message: string;
  analyst_id: number | null;
  shift_type_id: number | null;
  assignment_ids: number[];
  details: Record<string, unknown>;
}

export interface ConflictReport {
  errors: number;
  warnings: number;
  conflicts: Conflict[];
}

export interface Holiday {
  id: number;
  team_id: number;
  name: string;
  date: string;
  recurring: boolean;
}

export interface Blackout {
  id: number;
  team_id: number | null;
  analyst_id: number | null;
  start_date: string;
  end_date: string;
  reason: string;
}

/** One shift on one day it runs (GET /api/conflicts/coverage): what it needs, by the
    rule coverage conflicts are judged by, against who is booked and who counts. */
export interface ShiftDayCoverage {
  date: string;
  shift_type_id: number;
  required: number;
  screeners_required: number;
  booked: number;
  effective: number;
  screeners: number;
  // Each skill the need names: who covers it against what is wanted.
  skills: { skill: string; minimum: number; optimal: number; effective: number }[];
}

export interface CoverageReport {
  days: ShiftDayCoverage[];
}

export type View = "week" | "month";

// ---- days ---------------------------------------------------------------------------

const DAY_MS = 86_400_000;

export function isDay(value: string | undefined): value is string {
  if (value === undefined || !/^\d{4}-\d{2}-\d{2}$/.test(value)) return false;
  const parsed = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(parsed.getTime()) && parsed.toISOString().startsWith(value);
}

function toMs(day: string): number {
  return Date.parse(`${day}T00:00:00Z`);
}

function fromMs(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

export function addDays(day: string, count: number): string {
  return fromMs(toMs(day) + count * DAY_MS);
}

/** 0 for Monday … 6 for Sunday. */
export function weekdayIndex(day: string): number {
  return (new Date(toMs(day)).getUTCDay() + 6) % 7;
}

/** Today as a day in `timeZone` (the team's), not in the browser's zone. */
export function todayIn(timeZone: string, now: Date = new Date()): string {
  const parts = new Intl.DateTimeFormat("en-CA", { timeZone, year: "numeric", month: "2-digit", day: "2-digit" }).formatToParts(now);
  const part = (type: string) => parts.find((p) => p.type === type)?.value ?? "";
  return `${part("year")}-${part("month")}-${part("day")}`;
}

export interface Range {
  start: string;
  end: string;
  days: string[];
}

export function rangeOf(view: View, anchor: string): Range {
  let start: string;
  let end: string;
  if (view === "week") {
    start = addDays(anchor, -weekdayIndex(anchor));
    end = addDays(start, 6);
  } else {
    start = `${anchor.slice(0, 7)}-01`;
    const next = new Date(toMs(start));
    next.setUTCMonth(next.getUTCMonth() + 1);
    end = fromMs(next.getTime() - DAY_MS);
  }
  const days: string[] = [];
  for (let day = start; day <= end; day = addDays(day, 1)) days.push(day);
  return { start, end, days };
}

/** The anchor one view earlier (-1) or later (+1). */
export function step(view: View, anchor: string, direction: -1 | 1): string {
  if (view === "week") return addDays(anchor, 7 * direction);
  const moved = new Date(toMs(`${anchor.slice(0, 7)}-01`));
  moved.setUTCMonth(moved.getUTCMonth() + direction);
  return fromMs(moved.getTime());
}

const dayFormats = new Map<string, Intl.DateTimeFormat>();
/** A bare day in words (it names the same day everywhere: formatted in UTC). */
export function dayLabel(day: string, options: Intl.DateTimeFormatOptions): string {
  const key = JSON.stringify(options);
  let format = dayFormats.get(key);
  if (format === undefined) {
    format = new Intl.DateTimeFormat(undefined, { ...options, timeZone: "UTC" });
    dayFormats.set(key, format);
  }
  return format.format(new Date(`${day}T12:00:00Z`));
}

export function hhmm(time: string): string {
  return time.slice(0, 5);
}

// ---- colours ------------------------------------------------------------------------

const DAY_COLOURS = 8;
const NIGHT_COLOURS = 4;

/** A stable colour class per shift type: by its order in the team (by id), night shifts
    from a dark set. Every pair in calendar.css meets AA contrast with its text. */
export function shiftColours(shiftTypes: ShiftType[]): Map<number, string> {
  const colours = new Map<number, string>();
  let day = 0;
  let night = 0;
  for (const shift of [...shiftTypes].sort((a, b) => a.id - b.id)) {
    colours.set(shift.id, shift.is_night ? `chip--night-${night++ % NIGHT_COLOURS}` : `chip--day-${day++ % DAY_COLOURS}`);
  }
  return colours;
}

// ---- indexes ------------------------------------------------------------------------

export interface CellData {
  assignments: Assignment[];
  absences: Absence[];
  blackouts: Blackout[];
  conflicts: Conflict[];
  /** Equal signatures: nothing the cell shows changed. */
  signature: string;
}

export interface RowData {
  analyst: Analyst;
  cells: Map<string, CellData>;
  signature: string;
}

export interface CoverageCell {
  day: string;
  booked: number;
  /** The server's numbers; null on a day the shift does not run. */
  coverage: ShiftDayCoverage | null;
  gaps: Conflict[];
}

export interface CoverageRow {
  shift: ShiftType;
  cells: CoverageCell[];
}

export const key = (id: number, day: string) => `${id}|${day}`;

// Conflicts of a shift-day as a whole (no analyst): shown in the coverage row.
const SHIFT_DAY_GAPS = new Set(["coverage_gap", "missing_screener", "skill_short"]);

function push<T>(map: Map<string, T[]>, k: string, value: T): void {
  const list = map.get(k);
  if (list === undefined) map.set(k, [value]);
  else list.push(value);
}

function cellSignature(cell: Omit<CellData, "signature">): string {
  return [
    cell.assignments.map((a) => `${a.id}.${a.version}.${a.shift_type_id}`).join(","),
    cell.absences.map((a) => `${a.id}${a.status}`).join(","),
    cell.blackouts.map((b) => b.id).join(","),
    cell.conflicts.map((c) => `${c.severity}${c.message}`).join("\n"),
  ].join(";");
}

export interface GridInput {
  analysts: Analyst[];
  days: string[];
  assignments: Assignment[];
  absences: Absence[];
  blackouts: Blackout[];
  conflicts: Conflict[];
  shiftFilter: number | null;
}

/** One row per analyst, its cells keyed by day; rows whose cells are all as before are
    reused from `previous`, so the memoized row components skip them. */
export function buildRows(input: GridInput, previous: Map<number, RowData>): RowData[] {
  const { analysts, days, shiftFilter } = input;
  const first = days[0];
  const last = days[days.length - 1];
  const assignments = new Map<string, Assignment[]>();
  for (const a of input.assignments) {
    if (shiftFilter === null || a.shift_type_id === shiftFilter) push(assignments, key(a.analyst_id, a.date), a);
  }
  const absences = new Map<string, Absence[]>();
  for (const absence of input.absences) {
    if (absence.status !== "approved" && absence.status !== "requested") continue;
    const from = absence.start_date > first ? absence.start_date : first;
    const to = absence.end_date < last ? absence.end_date : last;
    for (let day = from; day <= to; day = addDays(day, 1)) push(absences, key(absence.analyst_id, day), absence);
  }
  const blackouts = new Map<string, Blackout[]>();
  for (const blackout of input.blackouts) {
    if (blackout.analyst_id === null) continue;
    const from = blackout.start_date > first ? blackout.start_date : first;
    const to = blackout.end_date < last ? blackout.end_date : last;
    for (let day = from; day <= to; day = addDays(day, 1)) push(blackouts, key(blackout.analyst_id, day), blackout);
  }
  const conflicts = new Map<string, Conflict[]>();
  for (const c of input.conflicts) if (c.analyst_id !== null) push(conflicts, key(c.analyst_id, c.date), c);

  const empty: never[] = [];
  return analysts.map((analyst) => {
    const cells = new Map<string, CellData>();
    const signatures: string[] = [];
    for (const day of days) {
      const k = key(analyst.id, day);
      const base = {
        assignments: assignments.get(k) ?? empty,
        absences: absences.get(k) ?? empty,
        blackouts: blackouts.get(k) ?? empty,
        conflicts: conflicts.get(k) ?? empty,
      };
      const signature = cellSignature(base);
      cells.set(day, { ...base, signature });
      signatures.push(signature);
    }
    const signature = `${analyst.id}${analyst.name}${analyst.is_active}|${days[0]}|${signatures.join("|")}`;
    const before = previous.get(analyst.id);
    return before !== undefined && before.signature === signature && before.analyst === analyst ? before : { analyst, cells, signature };
  });
}

export function buildCoverage(shiftTypes: ShiftType[], days: string[], assignments: Assignment[], conflicts: Conflict[], report: CoverageReport): CoverageRow[] {
  const booked = new Map<string, number>();
  for (const a of assignments) {
    const k = key(a.shift_type_id, a.date);
    booked.set(k, (booked.get(k) ?? 0) + 1);
  }
  const covered = new Map(report.days.map((d) => [key(d.shift_type_id, d.date), d]));
  const gaps = new Map<string, Conflict[]>();
  for (const c of conflicts) {
    if (c.analyst_id === null && c.shift_type_id !== null && SHIFT_DAY_GAPS.has(c.type)) push(gaps, key(c.shift_type_id, c.date), c);
  }
  return shiftTypes.map((shift) => ({
    shift,
    cells: days.map((day) => {
      const k = key(shift.id, day);
      return { day, booked: booked.get(k) ?? 0, coverage: covered.get(k) ?? null, gaps: gaps.get(k) ?? [] };
    }),
  }));
}

export const ABSENCE_KINDS: Record<Absence["kind"], string> = {
  vacation: "Vacation",
  sick: "Sick",
  training: "Training",
  other: "Away",
};
