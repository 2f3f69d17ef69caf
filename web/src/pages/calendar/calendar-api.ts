// What the calendar reads and writes, through the shared client: the team's standing
// data, the visible range, and the assignment writes with their optimistic concurrency
// (If-Match with the version read; a stale write is reported, never retried).
import { api, ApiError, getAll, request } from "../../api/client";
import type {
  Absence,
  Analyst,
  Assignment,
  Blackout,
  Conflict,
  ConflictReport,
  CoverageReport,
  Holiday,
  ShiftType,
  Team,
} from "./calendar-model";

export interface TeamData {
  team: Team;
  analysts: Analyst[];
  shiftTypes: ShiftType[];
  holidays: Holiday[];
  blackouts: Blackout[];
}

export interface RangeData {
  teamId: number;
  start: string;
  end: string;
  assignments: Assignment[];
  absences: Absence[];
  report: ConflictReport;
  coverage: CoverageReport;
  /** Analysts of other teams booked on this team's shifts (lent to it). */
  guests: Analyst[];
}

const byName = (a: { name: string }, b: { name: string }) => a.name.localeCompare(b.name);

export async function loadTeam(team: Team): Promise<TeamData> {
  const query = { team_id: team.id };
  const [analysts, shiftTypes, holidays, blackouts] = await Promise.all([
    getAll<Analyst>("/api/analysts", query),
    getAll<ShiftType>("/api/shift-types", query),
    getAll<Holiday>("/api/holidays", query),
    getAll<Blackout>("/api/blackout-dates"),
  ]);
  const ids = new Set(analysts.map((a) => a.id));
  return {
    team,
    analysts: analysts.sort(byName),
    shiftTypes: shiftTypes.sort((a, b) => a.start_time.localeCompare(b.start_time) || a.id - b.id),
    holidays,
    // The team's own, the organization's, and those of its analysts.
    blackouts: blackouts.filter((b) => b.team_id === team.id || (b.team_id === null && (b.analyst_id === null || ids.has(b.analyst_id)))),
  };
}

/** The range's conflicts and its coverage (needs against who counts), as the API judges them. */
export async function loadConflicts(teamId: number, start: string, end: string): Promise<{ report: ConflictReport; coverage: CoverageReport }> {
  const query = { team_id: teamId, start, end };
  const [report, coverage] = await Promise.all([
    api.get<ConflictReport>("/api/conflicts", query),
    api.get<CoverageReport>("/api/conflicts/coverage", query),
  ]);
  return { report, coverage };
}

const guestCache = new Map<number, Analyst>();

export async function loadRange(data: TeamData, start: string, end: string): Promise<RangeData> {
  const teamId = data.team.id;
  const [assignments, absences, judged] = await Promise.all([
    getAll<Assignment>("/api/schedules", { team_id: teamId, start, end }),
    getAll<Absence>("/api/absences", { start, end }),
    loadConflicts(teamId, start, end),
  ]);
  const own = new Set(data.analysts.map((a) => a.id));
  const missing = [...new Set(assignments.map((a) => a.analyst_id))].filter((id) => !own.has(id));
  const guests = await Promise.all(
    missing.map(async (id) => {
      const cached = guestCache.get(id);
      if (cached !== undefined) return cached;
      try {
        const analyst = await api.get<Analyst>(`/api/analysts/${id}`);
        guestCache.set(id, analyst);
        return analyst;
      } catch {
        // One that cannot be read (gone meanwhile) still gets a row, by its id.
        return { id, team_id: 0, name: `Analyst #${id}`, skills: [], is_active: true };
      }
    }),
  );
  return { teamId, start, end, assignments, absences, ...judged, guests: guests.sort(byName) };
}

// ---- writes -------------------------------------------------------------------------

export interface AssignmentInput {
  analyst_id: number;
  shift_type_id: number;
  date: string;
  is_screener: boolean;
  /** The skill need the shift covers; null: none in particular. */
  skill: string | null;
  is_locked: boolean;
  note: string;
}

export type AssignmentChange = Partial<AssignmentInput>;

export type WriteResult =
  | { kind: "saved"; assignment: Assignment | null; removedId: number | null; warnings: Conflict[] }
  /** Refused (409): the hard conflicts it would create, or the API's reason. */
  | { kind: "refused"; conflicts: Conflict[]; reason: string }
  /** Someone else changed (or removed: `current` null) the assignment first (412/404). */
  | { kind: "stale"; current: Assignment | null }
  | { kind: "failed"; error: unknown };

const ifMatch = (assignment: Assignment) => ({ "If-Match": `"${assignment.version}"` });

/** The assignment as it is now; null when it is gone. */
export async function reloadAssignment(id: number): Promise<Assignment | null> {
  try {
    return (await request<Assignment>(`/api/schedules/${id}`)).data;
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) return null;
    throw error;
  }
}

async function outcome(write: () => Promise<WriteResult>, stale: Assignment | null): Promise<WriteResult> {
  try {
    return await write();
  } catch (error) {
    if (!(error instanceof ApiError)) return { kind: "failed", error };
    if (error.status === 409 && Array.isArray(error.problem.conflicts) && error.problem.conflicts.length > 0) {
      return { kind: "refused", conflicts: error.problem.conflicts as Conflict[], reason: error.problem.detail };
    }
    if (stale !== null && (error.status === 412 || error.status === 404 || (error.status === 409 && /version/i.test(error.problem.detail)))) {
      try {
        return { kind: "stale", current: await reloadAssignment(stale.id) };
      } catch (reloadError) {
        return { kind: "failed", error: reloadError };
      }
    }
    if (error.status === 409) return { kind: "refused", conflicts: [], reason: error.problem.detail || error.problem.title };
    return { kind: "failed", error };
  }
}

type Written = Assignment & { conflicts: Conflict[] };

export function createAssignment(input: AssignmentInput): Promise<WriteResult> {
  return outcome(async () => {
    const written = await api.post<Written>("/api/schedules", input);
    const { conflicts, ...assignment } = written;
    return { kind: "saved", assignment, removedId: null, warnings: conflicts };
  }, null);
}

export function updateAssignment(read: Assignment, change: AssignmentChange): Promise<WriteResult> {
  return outcome(async () => {
    const written = await api.patch<Written>(`/api/schedules/${read.id}`, change, ifMatch(read));
    const { conflicts, ...assignment } = written;
    return { kind: "saved", assignment, removedId: null, warnings: conflicts };
  }, read);
}

export function deleteAssignment(read: Assignment): Promise<WriteResult> {
  return outcome(async () => {
    const answer = (await request<{ id: number; conflicts: Conflict[] }>(`/api/schedules/${read.id}`, { method: "DELETE", headers: ifMatch(read) })).data;
    return { kind: "saved", assignment: null, removedId: read.id, warnings: answer.conflicts };
  }, read);
}
