// Contracts: what schedule generation holds each analyst of the team to (hours, runs of
// days, days off, weekends, shifts of a type), one analyst at a time.
import { useState } from "preact/hooks";
import { api, getAll } from "../../api/client";
import { ErrorNotice, Field, Notice, Spinner, TableScroll } from "../../components/ui";
import { type Analyst, asApiError, type Contract, inputOf, numberOrNull, type ShiftType, type TabProps, useLoad, FormError } from "./common";

type Limit =
  | "min_minutes"
  | "max_minutes"
  | "max_consecutive_days"
  | "min_consecutive_days"
  | "min_consecutive_days_off"
  | "max_consecutive_days_off"
  | "min_assignments"
  | "max_assignments"
  | "max_weekends";

const LIMITS: [Limit, string, string][] = [
  ["min_minutes", "Least minutes in a planned period", "480 minutes is 8 hours."],
  ["max_minutes", "Most minutes in a planned period", ""],
  ["max_consecutive_days", "Most days worked in a row", ""],
  ["min_consecutive_days", "Fewest days worked in a row", "A run of work shorter than this is avoided."],
  ["min_consecutive_days_off", "Fewest days off in a row", ""],
  ["max_consecutive_days_off", "Most days off in a row", ""],
  ["min_assignments", "Fewest shifts in a planned period", ""],
  ["max_assignments", "Most shifts in a planned period", ""],
  ["max_weekends", "Most weekends worked", ""],
];

type Draft = Record<Limit, string> & { perType: Record<string, string>; completeWeekends: boolean };

function draftOf(contract: Contract): Draft {
  const draft = {
    perType: Object.fromEntries(Object.entries(contract.max_shifts_per_type).map(([k, v]) => [k, String(v)])),
    completeWeekends: contract.complete_weekends,
  } as Draft;
  for (const [field] of LIMITS) draft[field] = inputOf(contract[field]);
  return draft;
}

function hours(minutes: number | null): string {
  return minutes === null ? "" : `${Math.round((minutes / 60) * 10) / 10} h`;
}

function summary(contract: Contract, shiftName: (id: string) => string): string {
  const parts: string[] = [];
  if (contract.min_minutes !== null || contract.max_minutes !== null) parts.push(`hours ${hours(contract.min_minutes) || "0"} – ${hours(contract.max_minutes) || "any"}`);
  if (contract.max_consecutive_days !== null) parts.push(`at most ${contract.max_consecutive_days} days in a row`);
  if (contract.min_consecutive_days !== null) parts.push(`at least ${contract.min_consecutive_days} days in a row`);
  if (contract.min_consecutive_days_off !== null) parts.push(`at least ${contract.min_consecutive_days_off} days off in a row`);
  if (contract.max_consecutive_days_off !== null) parts.push(`at most ${contract.max_consecutive_days_off} days off in a row`);
  if (contract.min_assignments !== null || contract.max_assignments !== null) parts.push(`shifts ${contract.min_assignments ?? 0} – ${contract.max_assignments ?? "any"}`);
  if (contract.max_weekends !== null) parts.push(`at most ${contract.max_weekends} weekends`);
  if (contract.complete_weekends) parts.push("complete weekends");
  for (const [id, most] of Object.entries(contract.max_shifts_per_type)) parts.push(`at most ${most} × ${shiftName(id)}`);
  return parts.length === 0 ? "No limits" : parts.join(" · ");
}

export function ContractsTab({ team }: TabProps) {
  const analysts = useLoad(() => getAll<Analyst>("/api/analysts", { team_id: team.id }), [team.id]);
  const shiftTypes = useLoad(() => getAll<ShiftType>("/api/shift-types", { team_id: team.id }), [team.id]);
  const [editing, setEditing] = useState<number | null>(null);
  const [draft, setDraft] = useState<Draft | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [saved, setSaved] = useState<string | null>(null);
  const apiError = asApiError(error);

  if (analysts.data === null || shiftTypes.data === null) {
    return <>{analysts.error || shiftTypes.error ? <ErrorNotice error={analysts.error ?? shiftTypes.error} /> : <Spinner />}</>;
  }
  const types = shiftTypes.data;
  const shiftName = (id: string) => types.find((s) => String(s.id) === id)?.name ?? `shift type ${id}`;
  const people = [...analysts.data].sort((a, b) => a.name.localeCompare(b.name));
  const analyst = people.find((a) => a.id === editing) ?? null;
  const fields = [...LIMITS.map(([f]) => `#/contract/${f}`), ...types.map((s) => `#/contract/max_shifts_per_type/${s.id}`), "#/contract/max_shifts_per_type"];

  const open = (a: Analyst) => {
    setEditing(a.id);
    setDraft(draftOf(a.contract));
    setError(null);
    setSaved(null);
  };

  const submit = async (event: Event) => {
    event.preventDefault();
    if (analyst === null || draft === null) return;
    setError(null);
    // What this form does not show (a field newer than these pages) is kept as it is.
    const contract: Record<string, unknown> = {
      ...analyst.contract,
      complete_weekends: draft.completeWeekends,
      max_shifts_per_type: Object.fromEntries(
        Object.entries(draft.perType)
          .filter(([, v]) => v.trim() !== "")
          .map(([k, v]) => [k, Number(v)]),
      ),
    };
    for (const [field] of LIMITS) contract[field] = numberOrNull(draft[field]);
    try {
      await api.patch(`/api/analysts/${analyst.id}`, { contract });
      setSaved(`${analyst.name}'s contract saved.`);
      setEditing(null);
      setDraft(null);
      await analysts.reload();
    } catch (caught) {
      setError(caught);
    }
  };

  return (
    <div class="rules-tab">
      <section aria-labelledby="con-list" class="card rules-card">
        <h2 id="con-list">Analysts' contracts</h2>
        {saved && <Notice kind="success">{saved}</Notice>}
        {people.length === 0 ? (
          <p>The team has no analysts yet.</p>
        ) : (
          <TableScroll>
            <table class="table">
              <thead>
                <tr>
                  <th scope="col">Analyst</th>
                  <th scope="col">Contract</th>
                  <th scope="col">
                    <span class="visually-hidden">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {people.map((a) => (
                  <tr key={a.id} aria-current={a.id === editing ? "true" : undefined}>
                    <th scope="row">
                      {a.name}
                      {!a.is_active && <span class="badge"> inactive</span>}
                    </th>
                    <td>{summary(a.contract, shiftName)}</td>
                    <td class="rules-actions">
                      <button type="button" class="button button--small" onClick={() => open(a)}>
                        Edit<span class="visually-hidden"> {a.name}'s contract</span>
                      </button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </TableScroll>
        )}
      </section>

      {analyst !== null && draft !== null && (
        <form class="card rules-card rules-form" onSubmit={submit} noValidate aria-labelledby="con-form">
          <h2 id="con-form">{analyst.name}'s contract</h2>
          <p class="hint">Empty: no limit. Schedule generation holds the analyst to these over the days it plans.</p>
          <div class="rules-grid">
            {LIMITS.map(([field, label, hint]) => (
              <Field key={field} label={label} pointer={`#/contract/${field}`} error={apiError} hint={hint || undefined}>
                {(id, describedBy) => (
                  <input id={id} type="number" inputMode="numeric" aria-describedby={describedBy} value={draft[field]} onInput={(e) => setDraft({ ...draft, [field]: e.currentTarget.value })} />
                )}
              </Field>
            ))}
          </div>
          <div class="rules-check">
            <input
              id="con-complete-weekends"
              type="checkbox"
              aria-describedby="con-complete-weekends-hint"
              checked={draft.completeWeekends}
              onChange={(e) => setDraft({ ...draft, completeWeekends: e.currentTarget.checked })}
            />
            <label for="con-complete-weekends">Both days of a weekend or neither</label>
          </div>
          <p id="con-complete-weekends-hint" class="hint rules-check-hint">
            Schedule generation plans this analyst's Saturday and Sunday together; a cost for it in Team settings allows a one-day weekend at that cost.
          </p>
          {types.length > 0 && (
            <fieldset class="rules-fieldset">
              <legend>Most shifts of a type in a planned period</legend>
              <div class="rules-grid">
                {types.map((s) => (
                  <Field key={s.id} label={s.name} pointer={`#/contract/max_shifts_per_type/${s.id}`} error={apiError}>
                    {(id, describedBy) => (
                      <input
                        id={id}
                        type="number"
                        inputMode="numeric"
                        aria-describedby={describedBy}
                        value={draft.perType[String(s.id)] ?? ""}
                        onInput={(e) => setDraft({ ...draft, perType: { ...draft.perType, [String(s.id)]: e.currentTarget.value } })}
                      />
                    )}
                  </Field>
                ))}
              </div>
            </fieldset>
          )}
          <FormError error={error} fields={fields} />
          <div class="toolbar">
            <button type="submit" class="button button--primary">
              Save contract
            </button>
            <button type="button" class="button" onClick={() => (setEditing(null), setDraft(null), setError(null))}>
              Cancel
            </button>
          </div>
        </form>
      )}
    </div>
  );
}
