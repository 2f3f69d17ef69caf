import type { TargetedSubmitEvent } from "preact";
import { useState } from "preact/hooks";
import { ApiError, signIn } from "../api/client";
import { ErrorNotice, Field, Notice } from "../components/ui";

const REASONS = {
  expired: "Your session ended (it expired or was signed out elsewhere). Sign in again to go on.",
  "signed-out": "You are signed out.",
} as const;

export function SignIn({ reason }: { reason?: keyof typeof REASONS }) {
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (event: TargetedSubmitEvent<HTMLFormElement>) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await signIn(email, password);
    } catch (caught) {
      setError(caught);
      setBusy(false);
    }
  };
  const apiError = error instanceof ApiError ? error : null;
  return (
    <main id="main" class="sign-in">
      <form class="card sign-in__card" onSubmit={submit} aria-labelledby="sign-in-title">
        <h1 id="sign-in-title">Sign in to ShiftPlanner</h1>
        {reason && <Notice kind={reason === "expired" ? "warning" : "info"}>{REASONS[reason]}</Notice>}
        <ErrorNotice error={error} fields={["#/email", "#/password"]} />
        <Field label="Email" pointer="#/email" error={apiError}>
          {(id, describedBy) => (
            <input id={id} type="email" autocomplete="username" required value={email} aria-describedby={describedBy}
              onInput={(e) => setEmail(e.currentTarget.value)} />
          )}
        </Field>
        <Field label="Password" pointer="#/password" error={apiError}>
          {(id, describedBy) => (
            <input id={id} type="password" autocomplete="current-password" required value={password} aria-describedby={describedBy}
              onInput={(e) => setPassword(e.currentTarget.value)} />
          )}
        </Field>
        <button type="submit" class="button button--primary" disabled={busy}>{busy ? "Signing in…" : "Sign in"}</button>
      </form>
    </main>
  );
}
