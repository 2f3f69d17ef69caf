// What "My shifts" and "Approvals" share: the API's shapes for assignments, absences and
// shift requests, and day arithmetic on local days ("2026-12-21", a team's calendar day).
import { ApiError } from "../api/client";
import "./time-off.css";

import type { Analyst, Assignment, ShiftType, Team } from "../api/types";
export type { Analyst, Assignment, ShiftType, Team };

export type AbsenceStatus = "requested" | "approved" | "rejected" | "cancelled";
export type RequestStatus = "requested" | "approved" | "rejected";

export interface Absence {
  id: number;
  analyst_id: number;
  start_date: string;
  end_date: string;
  kind: string;
  status: AbsenceStatus;
  note: string;
  decision_note: string;
  decided_at: string | null;
  created_at: string;
}

export interface ShiftRequest {
  id: number;
  analyst_id: number;
  date: string;
  shift_type_id: number | null;
  kind: "on" | "off";
  status: RequestStatus;
  note: string;
  created_at: string;
}

export const ABSENCE_KINDS: { value: string; label: string }[] = [
  { value: "vacation", label: "Vacation" },
  { value: "sick", label: "Sick leave" },
  { value: "training", label: "Training" },
  { value: "other", label: "Other" },
];

export function kindLabel(kind: string): string {
  return ABSENCE_KINDS.find((k) => k.value === kind)?.label ?? kind;
}

const STATUS_BADGE: Record<string, string> = {
  requested: "badge badge--warning",
  approved: "badge badge--success",
  rejected: "badge badge--danger",
  cancelled: "badge",
};

export function statusClass(status: string): string {
  return STATUS_BADGE[status] ?? "badge";
}

export function statusLabel(status: string): string {
  return status.charAt(0).toUpperCase() + status.slice(1);
}

function utcDay(day: string): Date {
  return new Date(`${day}T00:00:00Z`);
}

export function addDays(day: string, days: number): string {
  const date = utcDay(day);
  date.setUTCDate(date.getUTCDate() + days);
  return date.toISOString().slice(0, 10);
}

export function daysBetween(first: string, last: string): number {
  return Math.round((utcDay(last).getTime() - utcDay(first).getTime()) / 86_400_000);
}

/** The Monday of the day's week. */
export function weekStart(day: string): string {
  const weekday = (utcDay(day).getUTCDay() + 6) % 7;
  return addDays(day, -weekday);
}

/** Today's date where the team is (en-CA formats as YYYY-MM-DD). */
export function todayIn(timeZone: string | undefined): string {
  return new Intl.DateTimeFormat("en-CA", { timeZone, year: "numeric", month: "2-digit", day: "2-digit" }).format(new Date());
}

/** "Mon, 21 Dec" in the reader's language; a bare day names the same day everywhere. */
export function dayLabel(day: string, withYear = false): string {
  return new Intl.DateTimeFormat(undefined, {
    weekday: "short",
    day: "numeric",
    month: "short",
    year: withYear ? "numeric" : undefined,
    timeZone: "UTC",
  }).format(new Date(`${day}T12:00:00Z`));
}

export function rangeLabel(first: string, last: string): string {
  const sameYear = first.slice(0, 4) === last.slice(0, 4);
  return first === last ? dayLabel(first, true) : `${dayLabel(first, !sameYear)} – ${dayLabel(last, true)}`;
}

/** "07:00–15:00", marked when the shift ends the next day. */
export function shiftHours(shift: ShiftType): string {
  const start = shift.start_time.slice(0, 5);
  const end = shift.end_time.slice(0, 5);
  return end <= start ? `${start}–${end} (next day)` : `${start}–${end}`;
}

/** The problem with messages the API could not tie to a field (a check across fields,
 * pointer "#/") moved onto the form field they name, so they show next to it. */
export function onFields(error: ApiError, fields: string[]): ApiError {
  const errors = (error.problem.errors ?? []).map((entry) => {
    const detail = entry.detail.replace(/^Value error, /, "");
    if (entry.pointer !== "#/" && entry.pointer !== "#" && entry.pointer !== undefined) return { ...entry, detail };
    const named = fields.filter((field) => detail.includes(field));
    // The first field the message names is the one it complains of ("end_date is before start_date").
    const first = named.sort((a, b) => detail.indexOf(a) - detail.indexOf(b))[0];
    return first === undefined ? { ...entry, detail } : { pointer: `#/${first}`, detail };
  });
  return new ApiError({ ...error.problem, errors });
}

/** Run `work` over `items`, at most `limit` at a time. */
export async function inBatches<T, R>(items: T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next;
      next += 1;
      results[index] = await work(items[index]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
