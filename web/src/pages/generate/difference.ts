// What applying a proposal would change, and how it spreads the work: pure functions over
// the current schedule and the proposed roster, compared by analyst and day.
import type { Assignment, ProposedAssignment, ShiftType } from "./types";

export interface Slot {
  shift_type_id: number;
  is_screener: boolean;
  skill: string | null;
}

export type ChangeKind = "added" | "moved" | "removed";

export interface DayChange {
  date: string;
  kind: ChangeKind;
  before: Slot[];
  after: Slot[];
}

export interface AnalystChanges {
  analystId: number;
  added: number;
  moved: number;
  removed: number;
  days: DayChange[];
}

export interface Difference {
  analysts: AnalystChanges[];
  added: number;
  moved: number;
  removed: number;
  unchanged: number;
}

type Day = Map<string, Slot[]>;

function byAnalystDay(rows: (Slot & { analyst_id: number; date: string })[]): Map<number, Day> {
  const out = new Map<number, Day>();
  for (const row of rows) {
    let days = out.get(row.analyst_id);
    if (days === undefined) out.set(row.analyst_id, (days = new Map()));
    const slots = days.get(row.date) ?? [];
    slots.push({ shift_type_id: row.shift_type_id, is_screener: row.is_screener, skill: row.skill });
    days.set(row.date, slots);
  }
  return out;
}

function signature(slots: Slot[]): string {
  return slots
    .map((s) => `${s.shift_type_id}${s.is_screener ? "s" : ""}${s.skill === null ? "" : `:${s.skill}`}`)
    .sort()
    .join(",");
}

/** The proposal against the schedule as it is: per analyst, the days it adds, moves
 * (another shift, or screener duty or the skill covered changed) and removes; analysts without a change left out. */
export function difference(current: Assignment[], proposed: ProposedAssignment[]): Difference {
  const before = byAnalystDay(current);
  const after = byAnalystDay(proposed);
  const analystIds = new Set([...before.keys(), ...after.keys()]);
  const result: Difference = { analysts: [], added: 0, moved: 0, removed: 0, unchanged: 0 };
  for (const analystId of analystIds) {
    const had = before.get(analystId) ?? new Map<string, Slot[]>();
    const gets = after.get(analystId) ?? new Map<string, Slot[]>();
    const dates = [...new Set([...had.keys(), ...gets.keys()])].sort();
    const changes: AnalystChanges = { analystId, added: 0, moved: 0, removed: 0, days: [] };
    for (const date of dates) {
      const was = had.get(date) ?? [];
      const will = gets.get(date) ?? [];
      if (signature(was) === signature(will)) {
        result.unchanged += 1;
        continue;
      }
      const kind: ChangeKind = was.length === 0 ? "added" : will.length === 0 ? "removed" : "moved";
      changes[kind] += 1;
      result[kind] += 1;
      changes.days.push({ date, kind, before: was, after: will });
    }
    if (changes.days.length > 0) result.analysts.push(changes);
  }
  return result;
}

export interface Load {
  analystId: number;
  shifts: number;
  minutes: number;
  nights: number;
  weekendDays: number;
  weekends: number;
  screenerDays: number;
}

function weekdayOf(date: string): number {
  const [y, m, d] = date.split("-").map(Number);
  return new Date(Date.UTC(y, m - 1, d)).getUTCDay();
}

/** The Saturday that starts the weekend a Saturday or Sunday belongs to. */
function weekendOf(date: string, weekday: number): string {
  if (weekday === 6) return date;
  const [y, m, d] = date.split("-").map(Number);
  return new Date(Date.UTC(y, m - 1, d - 1)).toISOString().slice(0, 10);
}

/** How much of the proposed roster each analyst carries: shifts, hours, nights, weekends
 * and screener days (every analyst in `analystIds`, with or without shifts). */
export function loads(proposed: ProposedAssignment[], shiftTypes: Map<number, Pick<ShiftType, "duration_minutes" | "is_night">>, analystIds: number[]): Load[] {
  const rows = new Map<number, Load & { weekendSet: Set<string> }>();
  const row = (analystId: number) => {
    let found = rows.get(analystId);
    if (found === undefined) {
      found = { analystId, shifts: 0, minutes: 0, nights: 0, weekendDays: 0, weekends: 0, screenerDays: 0, weekendSet: new Set() };
      rows.set(analystId, found);
    }
    return found;
  };
  for (const id of analystIds) row(id);
  for (const item of proposed) {
    const load = row(item.analyst_id);
    const shift = shiftTypes.get(item.shift_type_id);
    load.shifts += 1;
    load.minutes += shift?.duration_minutes ?? 0;
    if (shift?.is_night) load.nights += 1;
    if (item.is_screener) load.screenerDays += 1;
    const weekday = weekdayOf(item.date);
    if (weekday === 0 || weekday === 6) {
      load.weekendDays += 1;
      load.weekendSet.add(weekendOf(item.date, weekday));
    }
  }
  return [...rows.values()].map(({ weekendSet, ...load }) => ({ ...load, weekends: weekendSet.size }));
}

/** Largest minus smallest of a measure across analysts (0 for none). */
export function spread(values: number[]): number {
  return values.length === 0 ? 0 : Math.max(...values) - Math.min(...values);
}
