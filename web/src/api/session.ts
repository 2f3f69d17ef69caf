// The signed-in session: the access token lives in memory only; the refresh token in
// localStorage so a reload (or a second tab) stays signed in. The strict CSP (no inline
// or foreign scripts) is what keeps that storage out of reach of injected code.
import { useEffect, useState } from "preact/hooks";

export interface TokenPair {
  access_token: string;
  refresh_token: string;
  expires_in: number;
  refresh_expires_in: number;
}

export type Role = "admin" | "manager" | "analyst" | "viewer";

export interface Me {
  user: { id: number; email: string; full_name?: string; role: Role; org_id: number };
  organization: { id: number; name: string; slug: string; timezone?: string };
  analyst_id: number | null;
}

export type SessionState =
  | { status: "unknown" }
  | { status: "signed-out"; reason?: "expired" | "signed-out" }
  | { status: "signed-in"; me: Me };

const REFRESH_KEY = "shiftplanner.refresh";
let accessToken: string | null = null;
let accessExpiresAt = 0;
let state: SessionState = { status: "unknown" };
const listeners = new Set<(s: SessionState) => void>();

export function sessionState(): SessionState {
  return state;
}

export function setSessionState(next: SessionState): void {
  state = next;
  for (const listener of listeners) listener(next);
}

export function useSession(): SessionState {
  const [current, setCurrent] = useState(state);
  useEffect(() => {
    listeners.add(setCurrent);
    setCurrent(state);
    return () => void listeners.delete(setCurrent);
  }, []);
  return current;
}

export function storeTokens(pair: TokenPair): void {
  accessToken = pair.access_token;
  // Refresh a little early, so no request goes out with a token about to lapse.
  accessExpiresAt = Date.now() + Math.max(pair.expires_in - 30, 5) * 1000;
  localStorage.setItem(REFRESH_KEY, pair.refresh_token);
}

export function clearTokens(): void {
  accessToken = null;
  accessExpiresAt = 0;
  localStorage.removeItem(REFRESH_KEY);
}

export function currentAccessToken(): string | null {
  return accessToken !== null && Date.now() < accessExpiresAt ? accessToken : null;
}

export function storedRefreshToken(): string | null {
  return localStorage.getItem(REFRESH_KEY);
}

export function hasRole(me: Me, ...roles: Role[]): boolean {
  return roles.includes(me.user.role);
}

// Another tab signed out (or in): follow it.
window.addEventListener("storage", (event) => {
  if (event.key === REFRESH_KEY && event.newValue === null && state.status === "signed-in") {
    accessToken = null;
    setSessionState({ status: "signed-out", reason: "signed-out" });
  }
});
