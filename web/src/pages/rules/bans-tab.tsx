// The "Shift sequences" tab. Succession bans: a shift type that may not be worked the
// day after another (a night then an early, say), stored on the first shift type as
// `forbidden_next_ids`. And, per shift type too, the fewest and most days in a row on it
// (shift-runs.tsx).
import { useState } from "preact/hooks";
import { api, getAll } from "../../api/client";
import { ErrorNotice, Field, Notice, Spinner, TableScroll } from "../../components/ui";
import { asApiError, ConfirmDelete, type PendingDelete, ReadOnlyNote, type ShiftType, shortTime, type TabProps, useLoad, FormError } from "./common";
import { ShiftRuns } from "./shift-runs";

export function BansTab({ team, canAdmin }: TabProps) {
  const shiftTypes = useLoad(() => getAll<ShiftType>("/api/shift-types", { team_id: team.id }), [team.id]);
  const [after, setAfter] = useState("");
  const [next, setNext] = useState("");
  const [error, setError] = useState<unknown>(null);
  const [saved, setSaved] = useState<string | null>(null);
  const [pending, setPending] = useState<PendingDelete | null>(null);
  const apiError = asApiError(error);

  if (shiftTypes.data === null) return <>{shiftTypes.error ? <ErrorNotice error={shiftTypes.error} /> : <Spinner />}</>;
  const types = [...shiftTypes.data].sort((a, b) => a.start_time.localeCompare(b.start_time));
  const byId = new Map(types.map((s) => [s.id, s]));
  const label = (s: ShiftType) => `${s.name} (${shortTime(s.start_time)}–${shortTime(s.end_time)})`;
  const first = after || String(types[0]?.id ?? "");
  const second = next || String(types[0]?.id ?? "");
  const bans = types.flatMap((s) => s.forbidden_next_ids.map((id) => ({ from: s, to: byId.get(id), toId: id })));

  const save = async (shift: ShiftType, ids: number[]) => {
    await api.patch(`/api/shift-types/${shift.id}`, { forbidden_next_ids: ids });
    await shiftTypes.reload();
  };

  const submit = async (event: Event) => {
    event.preventDefault();
    setError(null);
    setSaved(null);
    const shift = byId.get(Number(first));
    if (shift === undefined) return;
    try {
      await save(shift, [...shift.forbidden_next_ids, Number(second)]);
      setSaved(`${shift.name} can no longer be followed by ${byId.get(Number(second))?.name ?? second} the next day.`);
    } catch (caught) {
      setError(caught);
    }
  };

  return (
    <div class="rules-tab">
      <section aria-labelledby="ban-list" class="card rules-card">
        <h2 id="ban-list">Shifts that may not follow each other</h2>
        <p class="hint">Schedule generation never plans the second shift on the day after the first.</p>
        {!canAdmin && <ReadOnlyNote what="shift types" />}
        {bans.length === 0 ? (
          <p>No bans: any shift may follow any other (rest hours still apply).</p>
        ) : (
          <TableScroll>
            <table class="table">
              <thead>
                <tr>
                  <th scope="col">After</th>
                  <th scope="col">Not the next day</th>
                  {canAdmin && (
                    <th scope="col">
                      <span class="visually-hidden">Actions</span>
                    </th>
                  )}
                </tr>
              </thead>
              <tbody>
                {bans.map(({ from, to, toId }) => (
                  <tr key={`${from.id}-${toId}`}>
                    <th scope="row">{label(from)}</th>
                    <td>{to ? label(to) : `Shift type ${toId}`}</td>
                    {canAdmin && (
                      <td class="rules-actions">
                        <button
                          type="button"
                          class="button button--small button--ghost"
                          onClick={() =>
                            setPending({
                              title: "Lift this ban?",
                              body: `${from.name} may then be followed by ${to?.name ?? toId} the next day.`,
                              run: () => save(from, from.forbidden_next_ids.filter((id) => id !== toId)),
                            })
                          }
                        >
                          Lift<span class="visually-hidden"> the ban on {to?.name ?? toId} after {from.name}</span>
                        </button>
                      </td>
                    )}
                  </tr>
                ))}
              </tbody>
            </table>
          </TableScroll>
        )}
      </section>
      {canAdmin && types.length > 0 && (
        <form class="card rules-card rules-form" onSubmit={submit} noValidate aria-labelledby="ban-form">
          <h2 id="ban-form">Add a ban</h2>
          {saved && <Notice kind="success">{saved}</Notice>}
          <div class="rules-grid">
            <Field label="After a shift of" error={apiError}>
              {(id, describedBy) => (
                <select id={id} aria-describedby={describedBy} value={first} onChange={(e) => setAfter(e.currentTarget.value)}>
                  {types.map((s) => (
                    <option key={s.id} value={s.id}>
                      {label(s)}
                    </option>
                  ))}
                </select>
              )}
            </Field>
            <Field label="Not the next day" pointer="#/forbidden_next_ids" error={apiError}>
              {(id, describedBy) => (
                <select id={id} aria-describedby={describedBy} value={second} onChange={(e) => setNext(e.currentTarget.value)}>
                  {types.map((s) => (
                    <option key={s.id} value={s.id}>
                      {label(s)}
                    </option>
                  ))}
                </select>
              )}
            </Field>
          </div>
          <FormError error={error} fields={["#/forbidden_next_ids"]} />
          <button type="submit" class="button button--primary">
            Add ban
          </button>
        </form>
      )}
      {types.length > 0 && <ShiftRuns types={types} canAdmin={canAdmin} reload={shiftTypes.reload} />}
      <ConfirmDelete pending={pending} onDone={() => setPending(null)} />
    </div>
  );
}
