// Runs of one shift type: the fewest and most days in a row an analyst works it (three
// nights at most, say), stored on the shift type as `min_consecutive`/`max_consecutive`.
import { useState } from "preact/hooks";
import { api } from "../../api/client";
import { Field, Notice, TableScroll } from "../../components/ui";
import { asApiError, FormError, inputOf, numberOrNull, type ShiftType } from "./common";

const FIELDS = ["#/min_consecutive", "#/max_consecutive"];

interface Draft {
  id: number;
  least: string;
  most: string;
}

function runOf(s: ShiftType): string {
  if (s.min_consecutive === null && s.max_consecutive === null) return "No limit";
  if (s.min_consecutive === s.max_consecutive) return `Exactly ${s.min_consecutive} days`;
  if (s.max_consecutive === null) return `At least ${s.min_consecutive} days`;
  if (s.min_consecutive === null) return `At most ${s.max_consecutive} days`;
  return `${s.min_consecutive} to ${s.max_consecutive} days`;
}

export function ShiftRuns({ types, canAdmin, reload }: { types: ShiftType[]; canAdmin: boolean; reload: () => Promise<void> }) {
  const [draft, setDraft] = useState<Draft | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [saved, setSaved] = useState<string | null>(null);
  const apiError = asApiError(error);
  const shift = draft === null ? undefined : types.find((s) => s.id === draft.id);

  const open = (s: ShiftType) => {
    setDraft({ id: s.id, least: inputOf(s.min_consecutive), most: inputOf(s.max_consecutive) });
    setError(null);
    setSaved(null);
  };
  const close = () => {
    setDraft(null);
    setError(null);
  };

  const submit = async (event: Event) => {
    event.preventDefault();
    if (draft === null || shift === undefined) return;
    setError(null);
    // Only what changed: the API then names the field that was changed when the two clash.
    const change: Record<string, number | null> = {};
    const least = numberOrNull(draft.least);
    const most = numberOrNull(draft.most);
    if (least !== shift.min_consecutive) change.min_consecutive = least;
    if (most !== shift.max_consecutive) change.max_consecutive = most;
    try {
      if (Object.keys(change).length > 0) {
        await api.patch(`/api/shift-types/${shift.id}`, change);
        await reload();
      }
      setSaved(`${shift.name}: days in a row saved.`);
      setDraft(null);
    } catch (caught) {
      setError(caught);
    }
  };

  return (
    <section aria-labelledby="run-list" class="card rules-card">
      <h2 id="run-list">Days in a row on one shift type</h2>
      <p class="hint">How many days in a row schedule generation plans an analyst on the same shift type: at least the fewest, at most the most (three nights at most, say). Empty: no limit.</p>
      {saved && <Notice kind="success">{saved}</Notice>}
      <TableScroll>
        <table class="table">
          <caption class="visually-hidden">Days in a row by shift type</caption>
          <thead>
            <tr>
              <th scope="col">Shift type</th>
              <th scope="col">Days in a row</th>
              {canAdmin && (
                <th scope="col">
                  <span class="visually-hidden">Actions</span>
                </th>
              )}
            </tr>
          </thead>
          <tbody>
            {types.map((s) => (
              <tr key={s.id} aria-current={s.id === draft?.id ? "true" : undefined}>
                <th scope="row">{s.name}</th>
                <td>{runOf(s)}</td>
                {canAdmin && (
                  <td class="rules-actions">
                    <button type="button" class="button button--small" onClick={() => open(s)}>
                      Edit<span class="visually-hidden"> days in a row on {s.name}</span>
                    </button>
                  </td>
                )}
              </tr>
            ))}
          </tbody>
        </table>
      </TableScroll>
      {draft !== null && shift !== undefined && (
        <form class="rules-form rules-subform" onSubmit={submit} noValidate aria-labelledby="run-form">
          <h3 id="run-form">{shift.name}: days in a row</h3>
          <div class="rules-grid">
            <Field label="Fewest days in a row" pointer="#/min_consecutive" error={apiError} hint="A shorter run of this shift type is avoided.">
              {(id, describedBy) => <input id={id} type="number" inputMode="numeric" aria-describedby={describedBy} value={draft.least} onInput={(e) => setDraft({ ...draft, least: e.currentTarget.value })} />}
            </Field>
            <Field label="Most days in a row" pointer="#/max_consecutive" error={apiError}>
              {(id, describedBy) => <input id={id} type="number" inputMode="numeric" aria-describedby={describedBy} value={draft.most} onInput={(e) => setDraft({ ...draft, most: e.currentTarget.value })} />}
            </Field>
          </div>
          <FormError error={error} fields={FIELDS} />
          <div class="toolbar">
            <button type="submit" class="button button--primary">
              Save days in a row
            </button>
            <button type="button" class="button" onClick={close}>
              Cancel
            </button>
          </div>
        </form>
      )}
    </section>
  );
}
