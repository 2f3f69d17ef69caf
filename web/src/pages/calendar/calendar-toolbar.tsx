// The calendar's controls (team, week or month, the days shown, filters), its legend,
// and a retry for a failed load. Every change goes through `navigate`, into the URL.
import type { ComponentChildren } from "preact";
import type { TeamData } from "./calendar-api";
import { LockIcon } from "./calendar-cells";
import { type Analyst, hhmm, isDay, type ShiftType, step, type Team, type View } from "./calendar-model";

export type Navigate = (changes: Record<string, string | number | null>) => void;

interface ToolbarProps {
  teams: Team[];
  team: Team;
  view: View;
  anchor: string;
  rangeLabel: string;
  shiftTypes: ShiftType[];
  analysts: Analyst[];
  shiftFilter: number | null;
  analystFilter: number | null;
  navigate: Navigate;
}

export function Toolbar({ teams, team, view, anchor, rangeLabel, shiftTypes, analysts, shiftFilter, analystFilter, navigate }: ToolbarProps) {
  const period = view === "week" ? "week" : "month";
  return (
    <div class="toolbar cal-toolbar" role="group" aria-label="Calendar view">
      <div class="field">
        <label for="cal-team">Team</label>
        <select id="cal-team" value={team.id} onChange={(e) => navigate({ team: e.currentTarget.value, shift: null, analyst: null })}>
          {teams.map((t) => (
            <option key={t.id} value={t.id}>
              {t.name} ({t.code})
            </option>
          ))}
        </select>
      </div>
      <div class="field">
        <span class="cal-toolbar__label" id="cal-view-label">View</span>
        <div class="cal-segmented" role="group" aria-labelledby="cal-view-label">
          {(["week", "month"] as const).map((v) => (
            <button key={v} type="button" class="button" aria-pressed={view === v} onClick={() => navigate({ view: v === "week" ? null : v })}>
              {v === "week" ? "Week" : "Month"}
            </button>
          ))}
        </div>
      </div>
      <div class="field">
        <span class="cal-toolbar__label" id="cal-nav-label">{rangeLabel}</span>
        <div class="cal-segmented" role="group" aria-labelledby="cal-nav-label">
          <button type="button" class="button" aria-label={`Previous ${period}`} onClick={() => navigate({ date: step(view, anchor, -1) })}>
            ‹ <span class="cal-hide-narrow">Previous</span>
          </button>
          <button type="button" class="button" onClick={() => navigate({ date: null })}>
            Today
          </button>
          <button type="button" class="button" aria-label={`Next ${period}`} onClick={() => navigate({ date: step(view, anchor, 1) })}>
            <span class="cal-hide-narrow">Next</span> ›
          </button>
        </div>
      </div>
      <div class="field">
        <label for="cal-date">Go to date</label>
        <input id="cal-date" type="date" value={anchor} onChange={(e) => isDay(e.currentTarget.value) && navigate({ date: e.currentTarget.value })} />
      </div>
      <div class="field">
        <label for="cal-shift">Shift type</label>
        <select id="cal-shift" value={shiftFilter ?? ""} onChange={(e) => navigate({ shift: e.currentTarget.value || null })}>
          <option value="">All shift types</option>
          {shiftTypes.map((s) => (
            <option key={s.id} value={s.id}>
              {s.name}
            </option>
          ))}
        </select>
      </div>
      <div class="field">
        <label for="cal-analyst">Analyst</label>
        <select id="cal-analyst" value={analystFilter ?? ""} onChange={(e) => navigate({ analyst: e.currentTarget.value || null })}>
          <option value="">All analysts</option>
          {analysts.map((a) => (
            <option key={a.id} value={a.id}>
              {a.name}
            </option>
          ))}
        </select>
      </div>
    </div>
  );
}

export function Retry({ onRetry, children }: { onRetry: () => void; children: ComponentChildren }) {
  return (
    <div class="cal-retry">
      {children}
      <button type="button" class="button" onClick={onRetry}>
        Try again
      </button>
    </div>
  );
}

export function Legend({ team, colours }: { team: TeamData; colours: Map<number, string> }) {
  return (
    <details class="cal-legend">
      <summary>Legend</summary>
      <ul>
        {team.shiftTypes.map((s) => (
          <li key={s.id}>
            <span class={`chip ${colours.get(s.id) ?? ""}`}>{s.name}</span> {hhmm(s.start_time)}–{hhmm(s.end_time)}
            {s.is_night ? ", night" : ""}
            {s.is_active ? "" : ", inactive"}
          </li>
        ))}
        <li>
          <span class="chip chip--day-0">
            <span class="chip__name">NAME</span>
            <span class="chip__badge">S</span>
            <span class="chip__skill">skill</span>
          </span>{" "}
          screener duty; skill it covers; <LockIcon /> locked (generation keeps it); ✎ has a note
        </li>
        <li>
          <span class="cal-absence cal-absence--approved">Vacation</span> approved absence;{" "}
          <span class="cal-absence cal-absence--requested">Vacation?</span> requested, not approved yet
        </li>
        <li>
          <span class="cal-marker cal-marker--hard">!</span> hard conflict; <span class="cal-marker cal-marker--warning">⚠</span> warning (details in the cell’s tooltip and in the conflicts list)
        </li>
      </ul>
    </details>
  );
}
