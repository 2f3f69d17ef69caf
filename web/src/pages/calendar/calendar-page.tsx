// The schedule calendar: a team's roster for a week or a month, its coverage and its
// conflicts; managers add, change, move and remove shifts in place. The view (team,
// week or month, day, filters) lives in the URL so a reload or a link keeps it.
import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import { useLocation } from "preact-iso";
import { api, getAll } from "../../api/client";
import { hasRole, type Me } from "../../api/session";
import { Dialog, ErrorNotice, Notice, Spinner } from "../../components/ui";
import { useLiveEvents } from "../../live/stream";
import { AssignmentForm, type CellTarget, dialogTitle } from "./assignment-dialog";
import {
  type AssignmentChange,
  type AssignmentInput,
  createAssignment,
  deleteAssignment,
  loadConflicts,
  loadRange,
  loadTeam,
  type RangeData,
  type TeamData,
  updateAssignment,
  type WriteResult,
} from "./calendar-api";
import { CalendarGrid, type DayInfo, type FocusRequest, type Lifted, type Refusal } from "./calendar-grid";
import { Legend, Retry, Toolbar } from "./calendar-toolbar";
import {
  type Analyst,
  type Assignment,
  buildCoverage,
  buildRows,
  type Conflict,
  dayLabel,
  isDay,
  rangeOf,
  type RowData,
  shiftColours,
  type Team,
  todayIn,
  type View,
} from "./calendar-model";
import { ConflictsPanel } from "./conflicts-panel";
import "./calendar.css";

// `resync`: the stream missed more than it can replay; everything is read again.
const LIVE_PREFIXES = ["schedule.", "absence.", "shift_type.", "analyst.", "resync"];
const LIVE_DEBOUNCE_MS = 400;

interface PageNotice {
  kind: "success" | "warning" | "error";
  title: string;
  items: string[];
}

function numberOf(value: string | undefined): number | null {
  const parsed = Number(value);
  return value !== undefined && Number.isInteger(parsed) && parsed > 0 ? parsed : null;
}

const plural = (count: number, word: string) => `${count} ${word}${count === 1 ? "" : "s"}`;
const shortDay = (day: string) => dayLabel(day, { weekday: "short", day: "numeric", month: "short" });

export function CalendarPage({ me }: { me: Me }) {
  const { query, route } = useLocation();
  const canEdit = hasRole(me, "admin", "manager");

  const [teams, setTeams] = useState<Team[] | null>(null);
  const [ownTeamId, setOwnTeamId] = useState<number | null>(null);
  const [teamData, setTeamData] = useState<TeamData | null>(null);
  const [range, setRange] = useState<RangeData | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [teamVersion, setTeamVersion] = useState(0);
  const [rangeVersion, setRangeVersion] = useState(0);
  const [notice, setNotice] = useState<PageNotice | null>(null);
  const [dialog, setDialog] = useState<CellTarget | null>(null);
  const [lifted, setLifted] = useState<Lifted | null>(null);
  const [refused, setRefused] = useState<Refusal | null>(null);
  const [focusRequest, setFocusRequest] = useState<FocusRequest | null>(null);

  // ---- the view, from the URL ----
  const view: View = query.view === "month" ? "month" : "week";
  const team = teams?.find((t) => t.id === numberOf(query.team)) ?? teams?.find((t) => t.id === ownTeamId) ?? teams?.[0] ?? null;
  const today = team === null ? null : todayIn(team.timezone);
  const anchor = isDay(query.date) ? query.date : today;
  const shiftFilter = numberOf(query.shift);
  const analystFilter = numberOf(query.analyst);
  const shown = useMemo(() => (anchor === null ? null : rangeOf(view, anchor)), [view, anchor]);

  const navigate = (changes: Record<string, string | number | null>) => {
    const params = new URLSearchParams(query);
    for (const [name, value] of Object.entries(changes)) {
      if (value === null || value === "") params.delete(name);
      else params.set(name, String(value));
    }
    setLifted(null);
    setRefused(null);
    route(`/calendar?${params.toString()}`);
  };

  // ---- loading ----
  useEffect(() => {
    let live = true;
    const own = me.analyst_id === null ? Promise.resolve(null) : api.get<Analyst>(`/api/analysts/${me.analyst_id}`).then((a) => a.team_id, () => null);
    Promise.all([getAll<Team>("/api/teams"), own])
      .then(([list, ownTeam]) => {
        if (!live) return;
        setOwnTeamId(ownTeam);
        setTeams(list);
      })
      .catch((caught: unknown) => live && setError(caught));
    return () => void (live = false);
  }, [me.analyst_id]);

  useEffect(() => {
    if (team === null) return;
    let live = true;
    loadTeam(team)
      .then((data) => live && setTeamData(data))
      .catch((caught: unknown) => live && setError(caught));
    return () => void (live = false);
  }, [team?.id, teamVersion]);

  const teamReady = teamData !== null && team !== null && teamData.team.id === team.id ? teamData : null;
  useEffect(() => {
    if (teamReady === null || shown === null) return;
    let live = true;
    loadRange(teamReady, shown.start, shown.end)
      .then((data) => {
        if (!live) return;
        setError(null);
        setRange(data);
      })
      .catch((caught: unknown) => live && setError(caught));
    return () => void (live = false);
  }, [teamReady, shown?.start, shown?.end, rangeVersion]);

  const current =
    range !== null && teamReady !== null && shown !== null && range.teamId === teamReady.team.id && range.start === shown.start && range.end === shown.end
      ? range
      : null;

  // Someone else's change: re-read what is on screen (once for a burst of events).
  const pending = useRef<{ timer: number | null; team: boolean }>({ timer: null, team: false });
  useLiveEvents(LIVE_PREFIXES, (event) => {
    const state = pending.current;
    state.team ||= event.type.startsWith("shift_type.") || event.type.startsWith("analyst.") || event.type === "resync";
    if (state.timer !== null) window.clearTimeout(state.timer);
    state.timer = window.setTimeout(() => {
      state.timer = null;
      if (state.team) setTeamVersion((v) => v + 1);
      else setRangeVersion((v) => v + 1);
      state.team = false;
    }, LIVE_DEBOUNCE_MS);
  });
  useEffect(() => () => void (pending.current.timer !== null && window.clearTimeout(pending.current.timer)), []);

  // ---- what the grid shows ----
  const shiftById = useMemo(() => new Map((teamReady?.shiftTypes ?? []).map((s) => [s.id, s])), [teamReady]);
  const colours = useMemo(() => shiftColours(teamReady?.shiftTypes ?? []), [teamReady]);

  const analysts = useMemo(() => {
    if (teamReady === null || current === null) return [];
    const booked = new Set(current.assignments.map((a) => a.analyst_id));
    return [...teamReady.analysts.filter((a) => a.is_active || booked.has(a.id)), ...current.guests];
  }, [teamReady, current]);
  const analystById = useMemo(() => new Map(analysts.map((a) => [a.id, a])), [analysts]);

  const previousRows = useRef(new Map<number, RowData>());
  const rows = useMemo(() => {
    if (current === null || shown === null) return [];
    const visible = analystFilter === null ? analysts : analysts.filter((a) => a.id === analystFilter);
    const built = buildRows(
      {
        analysts: visible,
        days: shown.days,
        assignments: current.assignments,
        absences: current.absences,
        blackouts: teamReady?.blackouts ?? [],
        conflicts: current.report.conflicts,
        shiftFilter,
      },
      previousRows.current,
    );
    previousRows.current = new Map(built.map((row) => [row.analyst.id, row]));
    return built;
  }, [current, shown, analysts, analystFilter, shiftFilter, teamReady]);

  const coverage = useMemo(() => {
    if (current === null || shown === null || teamReady === null) return [];
    const shifts = teamReady.shiftTypes.filter((s) => s.is_active && (shiftFilter === null || s.id === shiftFilter));
    return buildCoverage(shifts, shown.days, current.assignments, current.report.conflicts, current.coverage);
  }, [current, shown, teamReady, shiftFilter]);

  const dayInfo = useMemo(() => {
    const info = new Map<string, DayInfo>();
    if (teamReady === null || shown === null) return info;
    for (const day of shown.days) {
      const holidays = teamReady.holidays.filter((h) => (h.recurring ? h.date.slice(5) === day.slice(5) : h.date === day)).map((h) => h.name);
      const blackouts = teamReady.blackouts.filter((b) => b.analyst_id === null && b.start_date <= day && day <= b.end_date).map((b) => b.reason || "No absences");
      if (holidays.length || blackouts.length) info.set(day, { holidays, blackouts });
    }
    return info;
  }, [teamReady, shown]);

  const conflicts = useMemo(() => {
    if (current === null) return [];
    const byId = new Map(current.assignments.map((a) => [a.id, a]));
    return current.report.conflicts.filter(
      (c) =>
        (analystFilter === null || c.analyst_id === analystFilter || c.analyst_id === null) &&
        (shiftFilter === null ||
          c.shift_type_id === shiftFilter ||
          (c.shift_type_id === null && c.assignment_ids.some((id) => byId.get(id)?.shift_type_id === shiftFilter))),
    );
  }, [current, analystFilter, shiftFilter]);

  // ---- writes ----
  const upsert = (assignment: Assignment | null, removedId: number | null) => {
    setRange((before) => {
      if (before === null) return before;
      let list = before.assignments.filter((a) => a.id !== removedId && a.id !== assignment?.id);
      if (assignment !== null && assignment.date >= before.start && assignment.date <= before.end && shiftById.has(assignment.shift_type_id)) {
        list = [...list, assignment];
      }
      return { ...before, assignments: list };
    });
  };

  const rereadConflicts = () => {
    if (teamReady === null || shown === null) return;
    const { start, end } = shown;
    loadConflicts(teamReady.team.id, start, end)
      .then((judged) => setRange((before) => (before !== null && before.start === start && before.end === end ? { ...before, ...judged } : before)))
      .catch(() => setRangeVersion((v) => v + 1));
  };

  const describe = (a: Assignment) => `${shiftById.get(a.shift_type_id)?.name ?? "The shift"} of ${analystById.get(a.analyst_id)?.name ?? "an analyst"} on ${shortDay(a.date)}`;

  /** The common follow-up of every write: the calendar updated from the answer, the
      user told, the range's conflicts read again. */
  const settle = (result: WriteResult, done: string, read: Assignment | null) => {
    if (result.kind === "saved") {
      upsert(result.assignment, result.removedId);
      const warnings = result.warnings.filter((w) => w.severity === "warning");
      setNotice(
        warnings.length === 0
          ? { kind: "success", title: `${done}.`, items: [] }
          : { kind: "warning", title: `${done} with ${plural(warnings.length, "warning")}:`, items: warnings.map((w) => w.message) },
      );
      rereadConflicts();
    } else if (result.kind === "stale" && read !== null) {
      upsert(result.current, read.id);
      setNotice({
        kind: "warning",
        title:
          result.current === null
            ? `${describe(read)} was removed by someone else. Nothing was saved.`
            : `${describe(read)} was changed by someone else. Nothing was saved; the calendar now shows their version.`,
        items: [],
      });
      rereadConflicts();
    } else if (result.kind === "failed") {
      setNotice({ kind: "error", title: "The change was not saved.", items: [result.error instanceof Error ? result.error.message : String(result.error)] });
    }
    return result;
  };

  const create = async (input: AssignmentInput) => {
    setRefused(null);
    const result = await createAssignment(input);
    if (result.kind === "refused") return result; // the dialog lists the reasons
    const shift = shiftById.get(input.shift_type_id)?.name ?? "Shift";
    return settle(result, `Added ${shift} for ${analystById.get(input.analyst_id)?.name ?? "the analyst"} on ${shortDay(input.date)}`, null);
  };

  const update = async (read: Assignment, change: AssignmentChange) => {
    setRefused(null);
    const result = await updateAssignment(read, change);
    if (result.kind === "refused") return result;
    return settle(result, `Saved ${describe(read)}`, read);
  };

  const remove = async (read: Assignment) => {
    setRefused(null);
    const result = await deleteAssignment(read);
    if (result.kind === "refused") return result;
    return settle(result, `Removed ${describe(read)}`, read);
  };

  const move = async (assignmentId: number, analystId: number, date: string) => {
    setLifted(null);
    const read = current?.assignments.find((a) => a.id === assignmentId);
    if (read === undefined || (read.analyst_id === analystId && read.date === date)) return;
    setRefused(null);
    const change: AssignmentChange = {};
    if (read.analyst_id !== analystId) change.analyst_id = analystId;
    if (read.date !== date) change.date = date;
    const where = `${analystById.get(analystId)?.name ?? "the analyst"} on ${shortDay(date)}`;
    const result = await updateAssignment(read, change);
    if (result.kind === "refused") {
      const reasons = result.conflicts.length > 0 ? result.conflicts.map((c) => c.message) : [result.reason];
      setRefused({ analystId, date, reasons });
      setNotice({ kind: "error", title: `Not moved: ${describe(read)} cannot go to ${where}, because:`, items: reasons });
      return;
    }
    settle(result, `Moved ${describe(read)} to ${where}`, read);
  };

  const lift = (assignment: Assignment | null) => {
    setLifted(assignment === null ? null : { assignment });
  };

  const openCell = (analystId: number, date: string) => {
    const analyst = analystById.get(analystId);
    if (analyst === undefined || current === null) return;
    setRefused(null);
    setDialog({ analyst, date, assignments: current.assignments.filter((a) => a.analyst_id === analystId && a.date === date) });
  };

  const showConflict = (conflict: Conflict) => {
    setFocusRequest({
      analystId: conflict.analyst_id ?? undefined,
      shiftId: conflict.analyst_id === null ? (conflict.shift_type_id ?? undefined) : undefined,
      date: conflict.date,
      seq: Date.now(),
    });
  };

  // ---- rendering ----
  if (teams === null || team === null || shown === null || today === null) {
    return (
      <section class="page">
        <h1>Schedule</h1>
        {error !== null ? <ErrorNotice error={error} /> : teams !== null && teams.length === 0 ? <p>There are no teams yet.</p> : <Spinner label="Loading the schedule…" />}
      </section>
    );
  }

  const rangeLabel =
    view === "week"
      ? `${dayLabel(shown.start, { day: "numeric", month: "short" })} – ${dayLabel(shown.end, { day: "numeric", month: "short", year: "numeric" })}`
      : dayLabel(shown.start, { month: "long", year: "numeric" });

  return (
    <section class="page cal-page">
      <header class="page__header">
        <h1>
          Schedule <span class="cal-title__team">— {team.name}</span>
        </h1>
        <p class="cal-zone">
          Days and shift times in <strong>{team.timezone}</strong> (the team’s time zone). Today there: {shortDay(today)}.
        </p>
      </header>

      <Toolbar
        teams={teams}
        team={team}
        view={view}
        anchor={anchor ?? today}
        rangeLabel={rangeLabel}
        shiftTypes={teamReady?.shiftTypes ?? []}
        analysts={analysts}
        shiftFilter={shiftFilter}
        analystFilter={analystFilter}
        navigate={navigate}
      />

      {teamReady !== null && <Legend team={teamReady} colours={colours} />}
      <p class="hint cal-help" id="cal-help">
        {canEdit
          ? "Click a cell, or focus it and press Enter, to add or change a shift. Move a shift by dragging it, or with the keyboard: arrow keys move between cells, M picks up the cell’s shift, Enter drops it on the focused cell, Escape cancels."
          : "Read-only: your role can see the schedule but not change it. Arrow keys move between cells."}
      </p>

      <div class="cal-notices">
        {notice !== null && (
          <Notice kind={notice.kind}>
            <div class="cal-notice">
              <div>
                <strong>{notice.title}</strong>
                {notice.items.length > 0 && (
                  <ul>
                    {notice.items.map((item) => (
                      <li key={item}>{item}</li>
                    ))}
                  </ul>
                )}
              </div>
              <button type="button" class="button button--small button--ghost" onClick={() => { setNotice(null); setRefused(null); }}>
                Dismiss
              </button>
            </div>
          </Notice>
        )}
        <p class="visually-hidden" aria-live="polite">
          {lifted !== null ? `Picked up ${describe(lifted.assignment)}. Move to a cell with the arrow keys and press Enter to drop it there; Escape cancels.` : ""}
        </p>
        {lifted !== null && (
          <div class="notice notice--info cal-lifted" aria-hidden="true">
            Moving {describe(lifted.assignment)}: choose a cell and press Enter (or click it); Escape cancels.
          </div>
        )}
      </div>

      {error !== null && (
        <Retry onRetry={() => { setError(null); setTeamVersion((v) => v + 1); }}>
          <ErrorNotice error={error} />
        </Retry>
      )}
      {current === null ? (
        <Spinner label="Loading the schedule…" />
      ) : (
        <>
          <CalendarGrid
            view={view}
            caption={`${team.name} schedule, ${rangeLabel}: analysts by day, then coverage by shift type`}
            rows={rows}
            coverage={coverage}
            days={shown.days}
            today={today}
            timeZone={team.timezone}
            dayInfo={dayInfo}
            shiftById={shiftById}
            colours={colours}
            canEdit={canEdit}
            lifted={lifted}
            refused={refused}
            focusRequest={focusRequest}
            onOpen={openCell}
            onMove={(id, analystId, date) => void move(id, analystId, date)}
            onLift={lift}
          />
          <ConflictsPanel conflicts={conflicts} analysts={analystById} shiftById={shiftById} onShow={showConflict} />
        </>
      )}

      {/* Always mounted, so closing it hands focus back to the cell it was opened from. */}
      <Dialog title={dialog === null ? "" : dialogTitle(dialog)} open={dialog !== null && teamReady !== null} onClose={() => setDialog(null)}>
        {dialog !== null && teamReady !== null && (
          <AssignmentForm
            key={`${dialog.analyst.id}-${dialog.date}`}
            target={dialog}
            shiftTypes={teamReady.shiftTypes}
            analysts={analysts}
            timeZone={team.timezone}
            onCreate={create}
            onUpdate={update}
            onDelete={remove}
            onClose={() => setDialog(null)}
          />
        )}
      </Dialog>
    </section>
  );
}
