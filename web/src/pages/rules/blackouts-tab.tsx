// Blackouts: days on which absences cannot be approved, for the whole team or for one
// of its analysts.
import { useState } from "preact/hooks";
import { api, getAll } from "../../api/client";
import { ErrorNotice, Field, Notice, Spinner, formatDate, TableScroll } from "../../components/ui";
import { type Analyst, asApiError, ConfirmDelete, type PendingDelete, type TabProps, useLoad, FormError } from "./common";

interface Blackout {
  id: number;
  team_id: number | null;
  analyst_id: number | null;
  start_date: string;
  end_date: string;
  reason: string;
}

interface Draft {
  id: number | null;
  /** "team" or an analyst's id. */
  target: string;
  start_date: string;
  end_date: string;
  reason: string;
}

const BLANK: Draft = { id: null, target: "team", start_date: "", end_date: "", reason: "" };
const FIELDS = ["#/team_id", "#/analyst_id", "#/start_date", "#/end_date", "#/reason"];

export function BlackoutsTab({ team }: TabProps) {
  const analysts = useLoad(() => getAll<Analyst>("/api/analysts", { team_id: team.id }), [team.id]);
  // The team's own and its analysts': the list filter knows only one of them at a time.
  const blackouts = useLoad(() => getAll<Blackout>("/api/blackout-dates"), [team.id]);
  const [draft, setDraft] = useState<Draft>(BLANK);
  const [error, setError] = useState<unknown>(null);
  const [saved, setSaved] = useState<string | null>(null);
  const [pending, setPending] = useState<PendingDelete | null>(null);
  const apiError = asApiError(error);

  if (analysts.data === null || blackouts.data === null) {
    return <>{analysts.error || blackouts.error ? <ErrorNotice error={analysts.error ?? blackouts.error} /> : <Spinner />}</>;
  }
  const people = [...analysts.data].sort((a, b) => a.name.localeCompare(b.name));
  const names = new Map(people.map((a) => [a.id, a.name]));
  const rows = blackouts.data
    .filter((b) => b.team_id === team.id || (b.analyst_id !== null && names.has(b.analyst_id)))
    .sort((a, b) => a.start_date.localeCompare(b.start_date));
  const who = (b: Blackout) => (b.analyst_id !== null ? (names.get(b.analyst_id) ?? `Analyst ${b.analyst_id}`) : `All of ${team.name}`);

  const submit = async (event: Event) => {
    event.preventDefault();
    setError(null);
    setSaved(null);
    const dates = { start_date: draft.start_date, end_date: draft.end_date || null, reason: draft.reason };
    try {
      if (draft.id === null) {
        const target = draft.target === "team" ? { team_id: team.id } : { analyst_id: Number(draft.target) };
        await api.post("/api/blackout-dates", { ...target, ...dates });
      } else {
        await api.patch(`/api/blackout-dates/${draft.id}`, { ...dates, end_date: draft.end_date || draft.start_date });
      }
      setSaved("Blackout saved.");
      setDraft(BLANK);
      await blackouts.reload();
    } catch (caught) {
      setError(caught);
    }
  };

  return (
    <div class="rules-tab">
      <section aria-labelledby="blk-list" class="card rules-card">
        <h2 id="blk-list">Blackouts</h2>
        <p class="hint">No absence can be approved on these days; absences approved before stay approved.</p>
        {rows.length === 0 ? (
          <p>No blackouts for {team.name}.</p>
        ) : (
          <TableScroll>
            <table class="table">
              <thead>
                <tr>
                  <th scope="col">For</th>
                  <th scope="col">From</th>
                  <th scope="col">To</th>
                  <th scope="col">Reason</th>
                  <th scope="col">
                    <span class="visually-hidden">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {rows.map((b) => (
                  <tr key={b.id}>
                    <th scope="row">{who(b)}</th>
                    <td>{formatDate(b.start_date)}</td>
                    <td>{formatDate(b.end_date)}</td>
                    <td>{b.reason || "—"}</td>
                    <td class="rules-actions">
                      <button
                        type="button"
                        class="button button--small"
                        onClick={() => {
                          setDraft({ id: b.id, target: b.analyst_id !== null ? String(b.analyst_id) : "team", start_date: b.start_date, end_date: b.end_date, reason: b.reason });
                          setError(null);
                          setSaved(null);
                        }}
                      >
                        Edit<span class="visually-hidden"> the blackout from {b.start_date}</span>
                      </button>
                      <button
                        type="button"
                        class="button button--small button--ghost"
                        onClick={() =>
                          setPending({
                            title: "Lift this blackout?",
                            body: `${who(b)}, ${formatDate(b.start_date)} to ${formatDate(b.end_date)}: absences can be approved on these days again.`,
                            run: async () => {
                              await api.delete(`/api/blackout-dates/${b.id}`);
                              await blackouts.reload();
                            },
                          })
                        }
                      >
                        Lift<span class="visually-hidden"> the blackout from {b.start_date}</span>
                      </button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </TableScroll>
        )}
      </section>
      <form class="card rules-card rules-form" onSubmit={submit} noValidate aria-labelledby="blk-form">
        <h2 id="blk-form">{draft.id === null ? "Add a blackout" : "Edit the blackout"}</h2>
        {saved && <Notice kind="success">{saved}</Notice>}
        <div class="rules-grid">
          <Field label="For" pointer={draft.target === "team" ? "#/team_id" : "#/analyst_id"} error={apiError} hint={draft.id !== null ? "A blackout keeps whom it is for." : undefined}>
            {(id, describedBy) => (
              <select id={id} aria-describedby={describedBy} value={draft.target} disabled={draft.id !== null} onChange={(e) => setDraft({ ...draft, target: e.currentTarget.value })}>
                <option value="team">All of {team.name}</option>
                {people.map((a) => (
                  <option key={a.id} value={a.id}>
                    {a.name}
                  </option>
                ))}
              </select>
            )}
          </Field>
          <Field label="From" pointer="#/start_date" error={apiError}>
            {(id, describedBy) => <input id={id} type="date" aria-describedby={describedBy} value={draft.start_date} onInput={(e) => setDraft({ ...draft, start_date: e.currentTarget.value })} />}
          </Field>
          <Field label="To" pointer="#/end_date" error={apiError} hint="Empty: the first day only.">
            {(id, describedBy) => <input id={id} type="date" aria-describedby={describedBy} value={draft.end_date} onInput={(e) => setDraft({ ...draft, end_date: e.currentTarget.value })} />}
          </Field>
          <Field label="Reason" pointer="#/reason" error={apiError}>
            {(id, describedBy) => <input id={id} aria-describedby={describedBy} value={draft.reason} maxLength={500} onInput={(e) => setDraft({ ...draft, reason: e.currentTarget.value })} />}
          </Field>
        </div>
        <FormError error={error} fields={FIELDS} />
        <div class="toolbar">
          <button type="submit" class="button button--primary">
            {draft.id === null ? "Add blackout" : "Save blackout"}
          </button>
          {draft.id !== null && (
            <button type="button" class="button" onClick={() => (setDraft(BLANK), setError(null))}>
              Cancel editing
            </button>
          )}
        </div>
      </form>
      <ConfirmDelete pending={pending} onDone={() => setPending(null)} />
    </div>
  );
}
